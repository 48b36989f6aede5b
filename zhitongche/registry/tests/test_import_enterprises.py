"""The enterprises template from the outside: API, responsibility rules, idempotence, dry run, all-or-nothing."""

import pytest

from zhitongche.core.models import AuditLog
from zhitongche.regions.models import Department
from zhitongche.registry.models import Assignment, CoverageCell, Enterprise, Steward

from .helpers import HEADERS, ent_row, xlsx


def upload(client, path, kind="enterprises", **extra):
    with open(path, "rb") as f:
        return client.post("/api/v1/imports", {"kind": kind, "file": f, **extra}, multipart=True)


def state():
    return (Enterprise.objects.count(), Assignment.objects.count(), Steward.objects.count(),
            CoverageCell.objects.count())


@pytest.fixture
def steward(departments):
    return Steward.objects.create(name="王管家", phone="13904120001", department=Department.objects.get(code="D210302"),
                                  region_id="210302")


def test_district_imports_its_rows_and_reimport_changes_nothing(make_user, api, tmp_path, steward):
    user = make_user("department", department="D210302")
    path = xlsx(tmp_path / "a.xlsx", [ent_row(i, steward="13904120001") for i in range(1, 6)])
    client = api(user)
    r = upload(client, path)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "kind", "status", "total", "created", "updated", "rejected", "errors"}
    assert (body["status"], body["total"], body["created"], body["updated"], body["rejected"]) == ("done", 5, 5, 0, 0)
    assert Enterprise.objects.filter(region_id="210302").count() == 5
    assert Assignment.objects.filter(steward=steward, until__isnull=True).count() == 5
    assert sum(CoverageCell.objects.values_list("covered", flat=True)) == 5
    audits = AuditLog.objects.count()
    before = state()
    again = upload(client, path).json()
    assert (again["created"], again["updated"], again["rejected"]) == (0, 0, 0)
    assert state() == before
    assert AuditLog.objects.count() == audits + 1  # one row per import, none per entity
    assert client.get(f"/api/v1/imports/{body['id']}").json() == body


def test_changed_row_updates_and_reassigns(make_user, api, tmp_path, steward):
    user = make_user("department", department="D210302")
    upload(api(user), xlsx(tmp_path / "a.xlsx", [ent_row(1), ent_row(2)]))
    other = Steward.objects.create(name="李管家", phone="13904120002", department=steward.department,
                                   region_id="210302")
    body = upload(api(user), xlsx(tmp_path / "b.xlsx", [ent_row(1, name="改名企业"), ent_row(2, steward=other.phone)])).json()
    assert (body["created"], body["updated"]) == (0, 2)
    assert Enterprise.objects.get(uscc=ent_row(1)[0]).name == "改名企业"
    assert Assignment.objects.get(enterprise__uscc=ent_row(2)[0], until__isnull=True).steward == other


def test_responsibility_rules(make_user, api, tmp_path, departments):
    rows = [ent_row(1, category="重点项目"), ent_row(2, category="规上工业"), ent_row(3, category="限上商贸"),
            ent_row(4), ent_row(5, region="210303", township="210303002"),
            ent_row(6, category="重点项目、规上工业")]
    path = xlsx(tmp_path / "r.xlsx", rows)
    expected = {"FGW": {2, 6}, "GXJ": {3, 6}, "SWJ": {2, 4}, "D210302": {2, 7}, "D210303": set()}
    for code, accepted_rows in [("FGW", {2, 7}), ("GXJ", {3, 7}), ("SWJ", {4}), ("D210302", {5}),
                                ("D210303", {6})]:
        user = make_user("department", department=code)
        body = upload(api(user), path, dry_run="true").json()
        rejected = {e["row"] for e in body["errors"] if e["code"] == "not_responsible"}
        assert set(range(2, 8)) - rejected == accepted_rows, (code, body["errors"])
    assert expected  # the table above documents the intent; the loop is the check
    assert Enterprise.objects.count() == 0  # dry runs write nothing


def test_admin_may_import_any_row(make_user, api, tmp_path, departments):
    path = xlsx(tmp_path / "r.xlsx", [ent_row(1, category="重点项目"), ent_row(2, region="210303", township="210303002")])
    body = upload(api(make_user("admin")), path).json()
    assert (body["created"], body["rejected"]) == (2, 0)


def test_district_cannot_change_a_key_project_it_does_not_report(make_user, api, tmp_path, departments):
    upload(api(make_user("admin")), xlsx(tmp_path / "a.xlsx", [ent_row(1, category="重点项目")]))
    body = upload(api(make_user("department", department="D210302")),
                  xlsx(tmp_path / "b.xlsx", [ent_row(1, name="篡改")])).json()
    assert [e["code"] for e in body["errors"]] == ["not_responsible"]
    assert Enterprise.objects.get().name != "篡改"


@pytest.mark.parametrize("over,code,column", [
    ({"uscc": "91210300MA0QC0001Y"}, "invalid_uscc", "统一社会信用代码"),
    ({"name": "  "}, "missing", "企业名称"),
    ({"region": "110101"}, "unknown_region", "所属区县代码"),
    ({"township": "210303002"}, "outside_region", "乡镇(街道)代码"),
    ({"township": "210302999"}, "unknown_region", "乡镇(街道)代码"),
    ({"phone": "12345"}, "invalid_phone", "联系电话"),
    ({"kind": "公司"}, "invalid_value", "市场主体类型"),
    ({"category": "独角兽"}, "invalid_value", "企业类别"),
    ({"status": "倒闭"}, "invalid_value", "经营状态"),
    ({"industry": "ZZ9"}, "invalid_value", "国民经济行业代码"),
    ({"steward_phone": "13999999999"}, "unknown_steward", "管家手机号"),
])
def test_bad_cells_are_reported_and_nothing_is_written(make_user, api, tmp_path, departments, over, code, column):
    client = api(make_user("admin"))
    audits = AuditLog.objects.count()
    body = upload(client, xlsx(tmp_path / "bad.xlsx", [ent_row(1), ent_row(2, **over)])).json()
    assert body["status"] == "done" and body["rejected"] == 1 and body["created"] == 1
    assert body["errors"] == [{"row": 3, "column": column, "code": code, "message": body["errors"][0]["message"]}]
    assert "第" not in body["errors"][0]["code"] and body["errors"][0]["message"]
    assert not Enterprise.objects.filter(uscc=ent_row(2, **over)[0]).exists() or over.get("uscc") is not None
    assert AuditLog.objects.count() == audits + 1


def test_every_bad_cell_of_a_row_is_reported_at_once(make_user, api, tmp_path, departments):
    row = ent_row(2, name="  ", region="110101", phone="12345", industry="ZZ9")
    body = upload(api(make_user("admin")), xlsx(tmp_path / "bad.xlsx", [ent_row(1), row])).json()
    assert body["rejected"] == 1 and body["created"] == 1
    assert sorted((e["row"], e["column"], e["code"]) for e in body["errors"]) == [
        (3, "企业名称", "missing"), (3, "国民经济行业代码", "invalid_value"), (3, "所属区县代码", "unknown_region"),
        (3, "联系电话", "invalid_phone")]


def test_duplicate_in_file_first_stands(make_user, api, tmp_path, departments):
    path = xlsx(tmp_path / "d.xlsx", [ent_row(1, name="第一"), ent_row(2), ent_row(1, name="第二")])
    body = upload(api(make_user("admin")), path).json()
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(4, "duplicate_in_file")]
    assert Enterprise.objects.get(uscc=ent_row(1)[0]).name == "第一"


def test_landline_and_mobile_phones(make_user, api, tmp_path, departments):
    rows = [ent_row(1, phone="0412-5551234"), ent_row(2, phone="04125551234"), ent_row(3, phone="13912345678"),
            ent_row(4, phone="5551234"), ent_row(5, phone="12912345678")]
    body = upload(api(make_user("admin")), xlsx(tmp_path / "p.xlsx", rows)).json()
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(5, "invalid_phone"), (6, "invalid_phone")]


def test_a_failure_while_writing_leaves_nothing(make_user, api, tmp_path, departments, monkeypatch):
    from zhitongche.registry import imports

    client = api(make_user("admin"))
    before, audits = state(), AuditLog.objects.count()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.EnterpriseImport, "finish", explode)
    body = upload(client, xlsx(tmp_path / "a.xlsx", [ent_row(i) for i in range(1, 30)])).json()
    assert body["status"] == "failed" and body["errors"][0]["code"] == "internal_error"
    assert state() == before
    assert AuditLog.objects.filter(action="import.done").count() == 0
    assert AuditLog.objects.count() == audits + 1  # the failure is recorded, nothing else


def test_who_may_import(make_user, api, tmp_path, departments):
    path = xlsx(tmp_path / "a.xlsx", [ent_row(1)])
    for user in (make_user("steward"), make_user("bureau"), make_user("department", department="RSJ")):
        r = upload(api(user), path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert upload(api(None), path).status_code == 401
    r = upload(api(make_user("admin")), path, kind="unicorns")
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_kind"
    assert Enterprise.objects.count() == 0


def test_job_is_private(make_user, api, tmp_path, departments):
    body = upload(api(make_user("department", department="D210302")), xlsx(tmp_path / "a.xlsx", [ent_row(1)])).json()
    assert api(make_user("department", department="D210303")).get(f"/api/v1/imports/{body['id']}").status_code == 404
    assert api(make_user("department", department="D210302")).get(f"/api/v1/imports/{body['id']}").status_code == 200


def test_headers_by_key_and_optional_columns_absent(make_user, api, tmp_path, departments):
    path = xlsx(tmp_path / "k.xlsx", [[ent_row(1)[0], "只有名称", "210302"]], headers=["uscc", "name", "region"])
    body = upload(api(make_user("admin")), path).json()
    assert (body["created"], body["rejected"]) == (1, 0)
    e = Enterprise.objects.get()
    assert (e.status, e.kind, e.categories) == ("operating", "company", ["other"])
    assert HEADERS[0] == "统一社会信用代码"


def test_new_rows_are_looked_up_only_for_their_steward(make_user, api, tmp_path, steward):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [ent_row(i, steward="13904120001" if i <= 2 else "") for i in range(1, 9)]
    with CaptureQueriesContext(connection) as queries:
        body = upload(api(make_user("admin")), xlsx(tmp_path / "s.xlsx", rows)).json()
    assert (body["created"], Assignment.objects.filter(steward=steward).count()) == (8, 2)
    lookups = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "uscc", id FROM')]
    if connection.vendor == "sqlite":
        assert len(lookups) == 1 and rows[0][0] in lookups[0] and rows[1][0] in lookups[0]
        assert not any(row[0] in lookups[0] for row in rows[2:])
    else:  # PostgreSQL draws the ids from the sequence and looks nothing up
        assert lookups == []
