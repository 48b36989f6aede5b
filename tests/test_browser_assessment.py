"""Real Chromium (assessment): the Doing Business what-if mode moves the score and rank through htmx, without a page load."""


from tests.browser import MARKS, serious_violations, serve_axe
from zhitongche.assessment import db2020

pytestmark = MARKS


def test_whatif_moves_score_and_rank(browser, live_server, make_user):
    from playwright.sync_api import expect

    from conftest import PASSWORD

    make_user("bureau", username="db_officer")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    serve_axe(page, live_server.url)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "db_officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/assessment/db2020/?prefill=CHN")
    shanghai = db2020.simulate(db2020.published_raw("CHN"))
    assert page.locator("#db-rank").inner_text() == f"第 {shanghai['rank']} 名"
    page.evaluate("window.__marker = 1")  # survives only if no full page load happens

    faster = db2020.simulate({**db2020.published_raw("CHN"), "dcp_time_days": 26.0})
    assert faster["rank"] < shanghai["rank"]
    page.select_option("#whatif-field", "dcp_time_days")
    page.fill("#whatif-value", "-5")
    page.locator("#whatif-value").press("Tab")
    expect(page.locator("#whatif-result [role=alert]")).to_contain_text("不能为负数")
    page.fill("#whatif-value", "26")
    page.locator("#whatif-value").press("Tab")
    expect(page.locator("#whatif-rank")).to_have_text(f"第 {faster['rank']} 名")
    assert page.locator("#whatif-score").inner_text() == f"{faster['score']:.3f}"

    # Editing the form itself updates the result panel in place, and the what-if base follows it.
    slower = db2020.simulate({**db2020.published_raw("CHN"), "dcp_time_days": 373.0})
    page.click("text=办理建筑许可")
    page.fill("#raw-dcp_time_days", "373")
    page.locator("#raw-dcp_time_days").press("Tab")
    expect(page.locator("#db-rank")).to_have_text(f"第 {slower['rank']} 名")
    assert page.evaluate("window.__marker") == 1
    assert page.locator(".chart canvas").count() >= 1  # ECharts drew the radar after the swap
    assert errors == []
    assert serious_violations(page, live_server.url) == []
    context.close()
