"""The service_items and guides kinds through POST /api/v1/imports and `ztc import`: writes, idempotence, refusals."""

import csv

import pytest

from zhitongche.catalog.models import Guide, SearchDoc, ServiceItem
from zhitongche.catalog.tests.conftest import csv_bytes
from zhitongche.catalog.textproc import CATALOGUE_CSV
from zhitongche.core.models import AuditLog

HEADER = ["department", "main_item", "item_name", "item_code", "task_type", "area_code", "dept_code", "guide_url"]
GUIDE_FIELDS = ["materials", "steps", "legal_limit_days", "promised_days", "fee", "legal_basis", "trips"]


def list_rows(n: int = 5) -> list[list[str]]:
    with open(CATALOGUE_CSV, encoding="utf-8") as f:
        return [[r[h] for h in HEADER] for r in list(csv.DictReader(f))[:n]]


def upload(api_client, kind, data, dry_run=False):
    return api_client.post("/api/v1/imports", {"kind": kind, "file": data, "dry_run": "true" if dry_run else "false"},
                           multipart=True)


def test_public_list_columns_import_and_reimport_creates_nothing(make_user, api, client):
    admin = api(make_user("admin"))
    body = upload(admin, "service_items", csv_bytes(HEADER, list_rows())).json()
    assert (body["status"], body["total"], body["created"], body["rejected"]) == ("done", 5, 5, 0)
    item = ServiceItem.objects.get(item_code=list_rows()[0][3])
    assert item.task_type == "other_power" and item.department is None and item.department_name == "区经信局"
    assert SearchDoc.objects.filter(kind="item").count() == 5  # indexed in the import's transaction
    again = upload(admin, "service_items", csv_bytes(HEADER, list_rows())).json()
    assert (again["created"], again["updated"]) == (0, 0)
    assert client.get("/api/v1/search", {"q": "技术改造"}).json()["results"][0]["code"] == item.item_code


def test_guide_fields_one_per_line_and_department_link(make_user, api, client):
    admin = api(make_user("admin"))
    row = ["鞍山市市场监督管理局", "", "食品经营许可（新办）", "T-SCJ-1", "行政许可", "210300000000", "SCJ", "",
           "1、食品经营许可申请书\n2、营业执照复印件\n\n3、法定代表人身份证明", "申请\n受理\n审查\n决定", "20", "10", "不收费",
           "《中华人民共和国食品安全法》第三十五条", "0"]
    body = upload(admin, "service_items", csv_bytes(HEADER + GUIDE_FIELDS, [row])).json()
    assert body["created"] == 1, body
    item = ServiceItem.objects.select_related("department").get(item_code="T-SCJ-1")
    assert item.department.code == "SCJ" and item.task_type == "licensing"
    assert item.materials == ["食品经营许可申请书", "营业执照复印件", "法定代表人身份证明"]
    assert (item.legal_limit_days, item.promised_days, item.trips) == (20, 10, 0)
    page = client.get(f"/catalog/items/{item.item_code}/").content.decode()
    assert "营业执照复印件" in page and "10 个工作日" in page


def test_chinese_headers_and_bad_rows_are_reported_by_row(make_user, api):
    admin = api(make_user("admin"))
    header = ["实施部门", "事项名称", "实施编码", "事项类型", "办事指南链接", "承诺办结时限"]
    rows = [["区公安分局", "户口登记", "T-1", "20", "", "3"],
            ["区公安分局", "户口迁移", "T-2", "行政审批", "", ""],
            ["区公安分局", "身份证", "T-3", "20", "javascript:alert(1)", ""],
            ["区公安分局", "居住证", "T-4", "20", "", "三天"],
            ["区公安分局", "重复", "T-1", "20", "", ""]]
    body = upload(admin, "service_items", csv_bytes(header, rows)).json()
    assert (body["created"], body["rejected"]) == (1, 4)
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (3, "invalid_value"), (4, "invalid_value"), (5, "invalid_value"), (6, "duplicate_in_file")]
    assert list(ServiceItem.objects.values_list("item_code", flat=True)) == ["T-1"]


def test_department_officer_imports_only_their_own_items(make_user, api):
    officer = api(make_user("department", department="SCJ"))
    rows = [["鞍山市市场监督管理局", "", "食品经营许可", "T-OWN", "1", "", "", ""],
            ["鞍山市公安局", "", "户口登记", "T-OTHER", "20", "", "", ""]]
    body = upload(officer, "service_items", csv_bytes(HEADER, rows)).json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["code"] == "not_responsible"
    assert not ServiceItem.objects.filter(item_code="T-OTHER").exists()


def test_roles_without_import_rights_are_refused_and_nothing_changes(make_user, api):
    clients = [api(make_user(role)) for role in ("steward", "overseer", "bureau", "leader")]
    before = (ServiceItem.objects.count(), AuditLog.objects.count())
    for client in clients:
        assert upload(client, "service_items", csv_bytes(HEADER, list_rows(1))).status_code == 403
    assert upload(api(None), "service_items", csv_bytes(HEADER, list_rows(1))).status_code == 401
    assert (ServiceItem.objects.count(), AuditLog.objects.count()) == before


def test_dry_run_writes_nothing(make_user, api):
    body = upload(api(make_user("admin")), "service_items", csv_bytes(HEADER, list_rows(3)), dry_run=True).json()
    assert body["created"] == 3 and not ServiceItem.objects.exists() and not SearchDoc.objects.exists()


GUIDE_HEADER = ["指南编号", "指南名称", "层级", "发布单位", "所属区划代码", "关联事项编码", "申请材料"]


def test_guides_at_four_levels_linked_to_items_and_searchable(make_user, api, client):
    admin = api(make_user("admin"))
    upload(admin, "service_items", csv_bytes(HEADER, [["鞍山市公安局", "", "户口登记", "T-HK", "20", "", "", ""]]))
    rows = [["G1", "户口登记办事指南", "市级", "鞍山市公安局", "210300", "T-HK", "居民户口簿\n居民身份证"],
            ["G2", "户口登记办事指南", "区县级", "铁东区人民政府", "210302", "T-HK", ""],
            ["G3", "户口登记办事指南", "乡镇（街道）级", "解放街道便民服务中心", "210302002", "", ""],
            ["G4", "户口登记办事指南", "村（社区）级", "解放社区便民服务站", "210302002001", "T-HK", ""],
            ["G5", "错层指南", "村级", "某单位", "210302", "", ""],
            ["G6", "未知事项", "市级", "某单位", "210300", "NOPE", ""],
            ["G7", "未知区划", "市级", "某单位", "999999", "", ""]]
    body = upload(admin, "guides", csv_bytes(GUIDE_HEADER, rows)).json()
    assert (body["created"], body["rejected"]) == (4, 3), body
    assert [e["code"] for e in body["errors"]] == ["invalid_value", "unknown_item", "unknown_region"]
    assert set(Guide.objects.values_list("level", flat=True)) == {"city", "district", "township", "village"}
    assert Guide.objects.get(code="G1").materials == ["居民户口簿", "居民身份证"]
    assert list(Guide.objects.get(code="G4").items.values_list("item_code", flat=True)) == ["T-HK"]
    hits = client.get("/api/v1/search", {"q": "上户口", "kind": "guide"}).json()["results"]
    assert {h["code"] for h in hits} == {"G1", "G2", "G3", "G4"} and {h["kind"] for h in hits} == {"guide"}
    both = client.get("/api/v1/search", {"q": "上户口", "kind": "all"}).json()["results"]
    assert both[0]["kind"] == "item"  # an item ranks above the guides written for it
    again = upload(admin, "guides", csv_bytes(GUIDE_HEADER, rows[:4])).json()
    assert (again["created"], again["updated"]) == (0, 0)


def test_reindexing_many_guides_asks_for_them_in_chunks(make_user, api, monkeypatch):
    from zhitongche.catalog import index
    from zhitongche.catalog.models import SearchDoc

    admin = api(make_user("admin"))
    rows = [[f"G{n}", f"指南{n}", "市级", "鞍山市公安局", "210300", "", ""] for n in range(7)]
    assert upload(admin, "guides", csv_bytes(GUIDE_HEADER, rows)).json()["created"] == 7
    monkeypatch.setattr(index, "CHUNK", 3)
    ids = list(Guide.objects.values_list("id", flat=True))
    assert index.index_guides(ids) == 7
    assert SearchDoc.objects.filter(kind="guide").count() == 7


def test_an_items_guides_city_level_first(make_user, api):
    from zhitongche.catalog.models import ServiceItem
    from zhitongche.catalog.selectors import item_guides

    admin = api(make_user("admin"))
    upload(admin, "service_items", csv_bytes(HEADER, [["鞍山市公安局", "", "户口登记", "T-HK", "20", "", "", ""]]))
    rows = [["V1", "社区指南", "村（社区）级", "解放社区便民服务站", "210302002001", "T-HK", ""],
            ["D1", "区县指南", "区县级", "铁东区人民政府", "210302", "T-HK", ""],
            ["C1", "市级指南", "市级", "鞍山市公安局", "210300", "T-HK", ""],
            ["V2", "社区指南二", "村（社区）级", "解放社区便民服务站", "210302002001", "T-HK", ""]]
    assert upload(admin, "guides", csv_bytes(GUIDE_HEADER, rows)).json()["created"] == 4
    item = ServiceItem.objects.get(item_code="T-HK")
    assert [g.code for g in item_guides(item=item)] == ["C1", "D1", "V1", "V2"]
    assert [g.code for g in item_guides(item=item, limit=2)] == ["C1", "D1"]


def test_district_officer_imports_guides_of_their_territory_only(make_user, api):
    officer = api(make_user("department", department="D210302"))
    rows = [["G1", "指南甲", "乡镇（街道）级", "解放街道", "210302002", "", ""],
            ["G2", "指南乙", "区县级", "铁西区人民政府", "210303", "", ""]]
    body = upload(officer, "guides", csv_bytes(GUIDE_HEADER, rows)).json()
    assert (body["created"], [e["code"] for e in body["errors"]]) == (1, ["outside_region"])


@pytest.mark.django_db
def test_ztc_import_runs_the_same_kind(make_user, tmp_path, capsys):
    from zhitongche.cli import main

    make_user("admin", username="catalog_admin")
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(HEADER, list_rows(2)).getvalue())
    assert main(["import", "service_items", str(path), "--as", "catalog_admin", "--json"]) == 0
    assert '"created": 2' in capsys.readouterr().out
    assert ServiceItem.objects.count() == 2


def test_templates_download_and_the_upload_page_lists_the_kinds(make_user, client):
    import io

    import openpyxl

    client.force_login(make_user("admin"))
    page = client.get("/imports/").content.decode()
    assert "service_items" in page and "guides" in page
    for kind, first in (("service_items", "实施部门"), ("guides", "指南编号")):
        response = client.get(f"/imports/templates/{kind}.xlsx")
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert sheet.cell(1, 1).value == first


def test_upload_page_imports_items_for_a_department_officer(make_user, client):
    client.force_login(make_user("department", department="SCJ"))
    data = csv_bytes(HEADER, [["SCJ", "", "食品经营许可", "T-WEB", "1", "", "", ""]])
    response = client.post("/imports/", {"kind": "service_items", "file": data})
    assert response.status_code == 302
    assert ServiceItem.objects.get(item_code="T-WEB").department.code == "SCJ"
