"""A department officer in Chromium: downloads the template, uploads a bad file, sees which rows failed,
downloads the error workbook, fixes it, re-uploads, and sees coverage count the new entities."""

import io

import openpyxl

from tests.browser import MARKS, serious_violations

pytestmark = MARKS


def test_department_officer_fixes_a_bad_file_from_the_error_workbook(page, live_server, make_user, tmp_path):
    from conftest import PASSWORD
    from zhitongche.registry.tests.helpers import ent_row

    make_user("department", username="tiedong_officer", department="D210302")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "tiedong_officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.click("nav >> text=模板导入")
    assert page.locator("h1").inner_text() == "模板导入"
    assert serious_violations(page, live_server.url) == []

    with page.expect_download() as info:
        page.click("text=企业(项目)信息上报模板（.xlsx）")
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    assert ws["A1"].value == "统一社会信用代码" and "填写说明" in wb.sheetnames
    ws.append(ent_row(1))
    ws.append(ent_row(2, phone="12345"))
    ws.append(ent_row(3, uscc="91210300MA0QC0001Y"))
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    page.select_option("#id_kind", "enterprises")
    page.set_input_files("#id_file", str(filled))
    page.click("text=上传并导入")
    page.wait_for_selector("text=被拒绝的行")
    rows = page.locator("table.errors tbody tr")
    assert rows.count() == 2
    assert "invalid_phone" in rows.nth(0).inner_text() and rows.nth(0).locator("td").first.inner_text() == "3"
    assert "invalid_uscc" in rows.nth(1).inner_text() and rows.nth(1).locator("td").first.inner_text() == "4"
    assert serious_violations(page, live_server.url) == []

    with page.expect_download() as info:
        page.click("text=下载错误清单")
    errors = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    sheet = errors.active
    assert sheet.max_row == 3
    assert "invalid_phone" in sheet.cell(row=2, column=11).comment.text
    sheet.cell(row=2, column=11).value = "13800000009"
    sheet.cell(row=3, column=1).value = ent_row(3)[0]
    fixed = tmp_path / "fixed.xlsx"
    errors.save(fixed)

    page.click("text=返回模板导入")
    page.set_input_files("#id_file", str(fixed))
    page.click("text=上传并导入")
    page.wait_for_selector("table.summary")
    assert page.locator("table.summary tbody td").nth(1).inner_text() == "2"

    page.goto(f"{live_server.url}/registry/coverage/")
    page.wait_for_selector("#coverage-chart canvas")
    assert "3" in page.locator("main p").first.inner_text()
    assert serious_violations(page, live_server.url) == []
