"""Bad files and awkward cells, through the enterprises kind: each gets a clear Chinese error or is read right."""

import io
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment  # noqa: F401 — the error workbook's comments are read back below

from zhitongche.core.models import AuditLog
from zhitongche.imports.models import ImportJob
from zhitongche.imports.reader import cell_date, cell_text, fold
from zhitongche.imports.services import import_create, import_run
from zhitongche.imports.workbooks import BAD_FILL, error_workbook, template
from zhitongche.registry.models import Enterprise
from zhitongche.registry.tests.helpers import HEADERS, csv_file, ent_row, xlsx


@pytest.fixture(params=["calamine", "stream"])
def admin(request, make_user, monkeypatch):
    """An admin; every test runs with python-calamine and again with the constant-memory streaming reader."""
    if request.param == "stream":
        from zhitongche.imports import reader

        monkeypatch.setattr(reader, "STREAM_OVER_BYTES", 0)
    return make_user("admin")


def run(admin, path, name=None, dry_run=False):
    job = import_create(actor=admin, kind="enterprises", file=path, file_name=name or path.name, dry_run=dry_run)
    return import_run(job_id=job.pk)


def codes(job):
    return [e["code"] for e in job.errors]


def test_renamed_files_are_refused(admin, tmp_path):
    png = tmp_path / "photo.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert (run(admin, png).status, codes(run(admin, png))) == ("failed", ["not_spreadsheet"])
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert codes(run(admin, docx)) == ["not_spreadsheet"]
    binary_csv = tmp_path / "x.csv"
    binary_csv.write_bytes(b"\x00\x01\x02abc")
    assert codes(run(admin, binary_csv)) == ["not_spreadsheet"]
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert codes(run(admin, pdf)) == ["unsupported_format"]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert codes(run(admin, xls)) == ["unsupported_format"]
    assert Enterprise.objects.count() == 0


def test_empty_files(admin, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert codes(run(admin, empty)) == ["empty_file"]
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "blank.xlsx")
    assert codes(run(admin, tmp_path / "blank.xlsx")) == ["empty_file"]
    only_header = xlsx(tmp_path / "header.xlsx", [])
    job = run(admin, only_header)
    assert job.status == "failed" and codes(job) == ["empty_file"] and "没有数据行" in job.errors[0]["message"]


def test_missing_required_header(admin, tmp_path):
    job = run(admin, xlsx(tmp_path / "h.xlsx", [["x", "y"]], headers=["企业名称", "法定代表人"]))
    assert job.status == "failed"
    assert job.errors == [{"row": 1, "column": "统一社会信用代码", "code": "missing_header",
                           "message": job.errors[0]["message"]}]
    assert "统一社会信用代码" in job.errors[0]["message"]
    assert Enterprise.objects.count() == 0


def test_gbk_csv_is_refused_utf8_with_and_without_bom_read(admin, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((",".join(HEADERS) + "\n").encode("gbk") + ",".join(map(str, ent_row(1))).encode("gbk"))
    assert codes(run(admin, path)) == ["not_utf8"]
    assert run(admin, csv_file(tmp_path / "bom.csv", [ent_row(1)], bom=True)).created == 1
    assert run(admin, csv_file(tmp_path / "plain.csv", [ent_row(2)])).created == 1


def test_formula_cells_use_the_cached_value_or_count_as_empty(admin, tmp_path):
    # openpyxl writes formulas without a cached value: the cell reads empty, so a required column says so.
    row = ent_row(1)
    row[1] = '="公式企业"'
    job = run(admin, xlsx(tmp_path / "f.xlsx", [row]))
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [(2, "企业名称", "missing")]
    # A formula saved by Excel carries its value: the value is imported.
    path = xlsx(tmp_path / "g.xlsx", [ent_row(2, name="PLACEHOLDER")])
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace('<c r="B2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>',
                                    '<c r="B2" t="str"><f>"缓存"&amp;"企业"</f><v>缓存企业</v></c>')
                assert "缓存企业" in text
                data = text.encode()
            dst.writestr(item, data)
    path.write_bytes(buf.getvalue())
    job = run(admin, path)
    assert (job.created, job.rejected) == (1, 0)
    assert Enterprise.objects.get(uscc=ent_row(2)[0]).name == "缓存企业"


def test_merged_cells_are_rejected_row_by_row(admin, tmp_path):
    path = xlsx(tmp_path / "m.xlsx", [ent_row(1), ent_row(2), ent_row(3)])
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("G3:G4")
    wb.save(path)
    job = run(admin, path)
    assert {(e["row"], e["code"]) for e in job.errors if e["code"] == "merged_cell"} == {(3, "merged_cell"),
                                                                                        (4, "merged_cell")}
    assert job.created == 1 and job.rejected == 2


def test_hidden_first_sheet_is_skipped(admin, tmp_path):
    path = xlsx(tmp_path / "hid.xlsx", [ent_row(1)])
    wb = openpyxl.load_workbook(path)
    hidden = wb.create_sheet("旧数据", 0)
    hidden.append(["垃圾"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    assert run(admin, path).created == 1


def test_numbers_dates_and_full_width(admin, tmp_path):
    row = ent_row(1, phone=13800000001.0, township=210302002, region=210302, steward="")
    row[0] = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in row[0])  # full-width USCC
    row[1] = "  全角企业（鞍山）\u3000"
    job = run(admin, xlsx(tmp_path / "n.xlsx", [row]))
    assert (job.created, job.errors) == (1, [])
    e = Enterprise.objects.get()
    assert (e.uscc, e.phone, e.township_id, e.name) == (ent_row(1)[0], "13800000001", "210302002", "全角企业（鞍山）")
    assert fold("１２３ＡＢｃ") == "123ABc" and cell_text(210302.0) == "210302" and cell_text(1.5) == "1.5"
    import datetime
    assert cell_date(45658) == datetime.date(2025, 1, 1) and cell_date("2025年3月1日") == datetime.date(2025, 3, 1)
    assert cell_date(datetime.datetime(2025, 1, 2, 0, 0)) == datetime.date(2025, 1, 2)
    assert cell_text(datetime.date(2025, 1, 2)) == "2025-01-02"


def test_a_large_file_is_read_in_a_stream(admin, tmp_path, monkeypatch):
    from zhitongche.imports import services

    monkeypatch.setattr(services, "SPOOL_BATCH", 500)  # several batches spill to disk
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1000)
    n = 3000
    path = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    for i in range(1, n + 1):
        ws.append(ent_row(i))
    ws.append(ent_row(1, name="重复"))  # a duplicate across batches
    wb.save(path)
    job = run(admin, path)
    assert (job.total, job.created, job.rejected, job.progress) == (n + 1, n, 1, 100)
    assert job.errors[0]["row"] == n + 2 and job.errors[0]["code"] == "duplicate_in_file"
    assert Enterprise.objects.count() == n
    again = run(admin, path)
    assert (again.created, again.updated) == (0, 0)


def test_spool_gives_back_every_batch_in_order():
    from zhitongche.imports.services import RecordSpool

    spool = RecordSpool()
    batches = [[(n, f"record {n}")] for n in range(7)]
    for batch in batches:
        spool.add(batch)
    assert spool.spilled == 6  # the latest in memory, six on disk
    assert list(spool.batches()) == batches


def test_dry_run_writes_nothing_but_counts(admin, tmp_path):
    before = AuditLog.objects.filter(action="import.done").count()
    job = run(admin, xlsx(tmp_path / "d.xlsx", [ent_row(1), ent_row(2, uscc="bad")]), dry_run=True)
    assert (job.status, job.created, job.rejected, job.dry_run) == ("done", 1, 1, True)
    assert Enterprise.objects.count() == 0
    assert AuditLog.objects.filter(action="import.done").count() == before


def test_error_workbook_highlights_bad_cells_with_comments(admin, tmp_path):
    rows = [ent_row(1), ent_row(2, phone="12"), ent_row(3, region="999999", status="倒闭")]
    job = run(admin, xlsx(tmp_path / "e.xlsx", rows))
    wb = openpyxl.load_workbook(io.BytesIO(error_workbook(job)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:12] == HEADERS and header[-2:] == ["原行号", "错误说明"]
    assert ws.max_row == 3  # header + the two rejected rows
    phone = ws.cell(row=2, column=HEADERS.index("联系电话") + 1)
    assert phone.fill.fgColor.rgb.endswith(BAD_FILL.fgColor.rgb[-6:]) and "invalid_phone" in phone.comment.text
    assert ws.cell(row=2, column=13).value == 3
    region = ws.cell(row=3, column=HEADERS.index("所属区县代码") + 1)
    status = ws.cell(row=3, column=HEADERS.index("经营状态") + 1)
    assert "unknown_region" in region.comment.text and "invalid_value" in status.comment.text
    name = ws.cell(row=2, column=2)
    assert name.comment is None and name.fill.fgColor.rgb in (None, "00000000")
    # The fixed workbook imports.
    ws.cell(row=2, column=11).value = "13800000002"
    region.value, status.value = "210302", "投产运营"
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    again = run(admin, fixed)
    assert (again.created, again.rejected) == (2, 0)


def test_template_has_headers_instructions_and_dropdowns(db, departments):
    wb = openpyxl.load_workbook(io.BytesIO(template("enterprises")))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert "填写说明" in wb.sheetnames and "代码表" in wb.sheetnames
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert {"C2", "E2", "F2", "G2", "H2"} <= set(validations)
    codes_sheet = wb["代码表"]
    regions = [c.value for c in codes_sheet["G"][1:] if c.value]
    assert "210302" in regions and "210371" in regions
    named = {(r[0], r[1]): r[2] for r in wb["代码对照"].iter_rows(min_row=2, values_only=True)}
    assert named[("所属区县代码", "210302")] == "铁东区" and ("乡镇(街道)代码", "210302002") in named
    assert ImportJob.objects.count() == 0


def test_absent_columns_keep_values_across_spooled_batches(admin, tmp_path, monkeypatch):
    from zhitongche.imports import services

    monkeypatch.setattr(services, "SPOOL_BATCH", 300)
    n = 1000
    assert run(admin, xlsx(tmp_path / "full.xlsx", [ent_row(i, phone="0412-5551234") for i in range(1, n + 1)])).created == n
    rows = [[ent_row(i)[0], f"改名{i}"] for i in range(1, n + 1)]
    job = run(admin, xlsx(tmp_path / "names.xlsx", rows, headers=["统一社会信用代码", "企业名称"]))
    assert (job.created, job.updated, job.rejected) == (0, n, 0)
    e = Enterprise.objects.get(uscc=ent_row(n)[0])
    assert (e.name, e.phone, e.region_id, e.township_id, e.legal_rep) == (f"改名{n}", "0412-5551234", "210302",
                                                                         "210302002", "张三")
    again = run(admin, tmp_path / "names.xlsx")
    assert (again.created, again.updated) == (0, 0)
