"""Registry reads and assignment from the outside: scope per role, 404 outside it, coverage, pages, CLI."""

import json

import pytest

from zhitongche.cli import main
from zhitongche.core.models import AuditLog
from zhitongche.regions.models import Division
from zhitongche.registry.demo import load as demo_load
from zhitongche.registry.models import Assignment, CoverageCell, Enterprise, Grid, Steward


@pytest.fixture
def registry(departments):
    demo_load(scale="small")
    return Enterprise.objects


def test_district_officer_sees_only_their_territory(make_user, api, registry):
    client = api(make_user("bureau", region="210302"))
    body = client.get("/api/v1/enterprises").json()
    assert body["count"] == registry.filter(region_id="210302").count() > 0
    assert {e["region"] for e in body["items"]} == {"210302"}
    other = registry.filter(region_id="210303").first()
    r = client.get(f"/api/v1/enterprises/{other.pk}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/enterprises/{other.uscc}").status_code == 404
    mine = registry.filter(region_id="210302").first()
    detail = client.get(f"/api/v1/enterprises/{mine.uscc}").json()
    assert detail["uscc"] == mine.uscc and detail["assignments"][0]["role"] == "primary"


def test_steward_sees_only_their_enterprises_and_enterprise_itself(make_user, api, registry):
    steward = Steward.objects.filter(assignments__isnull=False).first()
    user = make_user("steward")
    Steward.objects.filter(pk=steward.pk).update(user=user)
    body = api(user).get("/api/v1/enterprises").json()
    expected = set(Assignment.objects.filter(steward=steward).values_list("enterprise__uscc", flat=True))
    assert {e["uscc"] for e in body["items"]} == expected
    stranger = registry.exclude(uscc__in=expected).first()
    assert api(user).get(f"/api/v1/enterprises/{stranger.pk}").status_code == 404
    ent = registry.first()
    eu = make_user("enterprise", enterprise=ent.uscc)
    assert [e["uscc"] for e in api(eu).get("/api/v1/enterprises").json()["items"]] == [ent.uscc]


def test_a_stewards_count_is_the_list_behind_it(make_user, api, registry):
    steward = Steward.objects.filter(assignments__role="primary", assignments__until__isnull=True).first()
    other = registry.exclude(assignments__steward=steward).first()
    Assignment.objects.create(enterprise=other, steward=steward, role="backup", since=other.created_at.date())
    client = api(make_user("admin"))
    count = next(s["enterprise_count"] for s in client.get("/api/v1/stewards", q=steward.phone).json()["items"])
    listed = client.get("/api/v1/enterprises", steward=steward.pk).json()
    assert listed["count"] == count > 0 and other.uscc not in {e["uscc"] for e in listed["items"]}


def test_department_sees_per_responsibility(make_user, api, registry):
    fgw = api(make_user("department", department="FGW")).get("/api/v1/enterprises").json()
    assert fgw["count"] == registry.filter(is_key_project=True).count() and "key_project" in fgw["items"][0]["categories"]
    assert api(make_user("department", department="RSJ")).get("/api/v1/enterprises").json()["count"] == 0


def test_search_and_filters(make_user, api, registry):
    client = api(make_user("admin"))
    e = registry.first()
    assert [x["uscc"] for x in client.get("/api/v1/enterprises", q=e.uscc).json()["items"]] == [e.uscc]
    assert e.uscc in [x["uscc"] for x in client.get("/api/v1/enterprises", q=e.name[2:6]).json()["items"]]
    assert client.get("/api/v1/enterprises", covered="no").json()["count"] == 0


def test_coverage_counts_and_scope(make_user, api, registry):
    body = api(make_user("bureau")).get("/api/v1/stats/coverage").json()
    operating = registry.filter(status="operating").count()
    assert body["operating"] == operating and body["covered"] == operating and body["coverage"] == 100.0
    assert {r["code"] for r in body["by_category"]} >= {"key_project", "other"}
    assert any(r["code"] == "FGW" for r in body["by_department"])
    tiedong = api(make_user("bureau", region="210302")).get("/api/v1/stats/coverage").json()
    assert [r["code"] for r in tiedong["by_region"]] == ["210302"]
    refused = api(make_user("steward")).get("/api/v1/stats/coverage")  # as the page: no territory to count
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_coverage_rendered_as_the_schema_would(make_user, api, registry, rf):
    """The figures skip ninja's revalidation; their bytes must equal what validating against CoverageOut gives."""
    from zhitongche.api.api import api as platform_api
    from zhitongche.registry import api as registry_api
    from zhitongche.registry import selectors

    users = [make_user("bureau"), make_user("bureau", region="210302"), make_user("department", department="RSJ")]
    for user in users:
        response = api(user).get("/api/v1/stats/coverage")
        validated = registry_api.CoverageOut.model_validate(selectors.coverage(user=user)).model_dump()
        assert response.content == platform_api.renderer.render(rf.get("/"), validated, response_status=200)
    assert response.json()["by_region"] == [] and len(validated) == 9  # RSJ is responsible for no category


def test_coverage_page_lists_many_grids_one_township_at_a_time(make_user, client, registry, monkeypatch):
    from zhitongche.registry import views

    client.force_login(make_user("bureau"))
    grids = list(Grid.objects.filter(enterprises__isnull=False).distinct().values_list("name", "township_id"))
    town = grids[0][1]
    mine, others = ({n for n, t in grids if t == town}, {n for n, t in grids if t != town})
    assert mine and others
    text = client.get("/registry/coverage/").content.decode()
    assert all(f">{n}</th>" in text for n, _ in grids)  # a few grids: all of them at once
    monkeypatch.setattr(views, "GRIDS_AT_ONCE", 1)
    text = client.get("/registry/coverage/").content.decode()
    assert f"共 {len(grids)} 个网格" in text and not any(f">{n}</th>" in text for n, _ in grids)
    assert f'href="?township={town}#grids"' in text
    text = client.get("/registry/coverage/", {"township": town}).content.decode()
    assert all(f">{n}</th>" in text for n in mine) and not any(f">{n}</th>" in text for n in others)
    assert f"<h2>按网格（{Division.objects.get(code=town).name}）</h2>" in text and "显示全部网格" in text
    text = client.get("/registry/coverage/", {"township": "all"}).content.decode()
    assert all(f">{n}</th>" in text for n, _ in grids)
    assert "共 " in client.get("/registry/coverage/", {"township": "999999999"}).content.decode()  # unknown: as none


def test_assign_and_reassign_with_audit(make_user, api, registry):
    user = make_user("bureau", region="210302")
    client = api(user)
    e = registry.filter(region_id="210302").first()
    current = Assignment.objects.get(enterprise=e, until__isnull=True)
    other = Steward.objects.filter(region_id="210302").exclude(pk=current.steward_id).first()
    r = client.post(f"/api/v1/enterprises/{e.pk}/assign", {"steward": other.pk})
    assert r.status_code == 200 and r.json()["steward"] == other.pk
    assert Assignment.objects.filter(enterprise=e, until__isnull=True).get().steward == other
    assert AuditLog.objects.filter(action="enterprise.assign", object_id=str(e.pk)).count() == 1
    again = client.post(f"/api/v1/enterprises/{e.pk}/assign", {"steward": other.pk})
    assert again.status_code == 422 and again.json()["error"]["code"] == "already_assigned"
    foreign = registry.filter(region_id="210303").first()
    steward_client = api(make_user("steward"))
    audits = AuditLog.objects.count()
    assert client.post(f"/api/v1/enterprises/{foreign.pk}/assign", {"steward": other.pk}).status_code == 404
    assert steward_client.post(f"/api/v1/enterprises/{e.pk}/assign", {"steward": other.pk}).status_code == 404
    assert AuditLog.objects.count() == audits


def test_bulk_assign_by_township(make_user, api, registry):
    user = make_user("bureau", region="210302")
    steward = Steward.objects.filter(region_id="210302").first()
    township = registry.filter(region_id="210302").exclude(township=None).first().township_id
    r = api(user).post("/api/v1/assignments/bulk", {"steward": steward.pk, "township": township})
    assert r.status_code == 200, r.content
    n = registry.filter(township_id=township, status="operating").count()
    assert r.json()["enterprises"] == n
    assert Assignment.objects.filter(enterprise__township_id=township, until__isnull=True, steward=steward).count() == n
    assert sum(CoverageCell.objects.values_list("covered", flat=True)) == registry.filter(status="operating").count()
    bad = api(user).post("/api/v1/assignments/bulk", {"steward": steward.pk})
    assert bad.status_code == 400
    client = api(user)
    audits = AuditLog.objects.count()
    typo = client.post("/api/v1/assignments/bulk", {"steward": steward.pk, "township": township + "9"})
    assert typo.status_code == 400 and typo.json()["error"]["code"] == "unknown_township"
    assert AuditLog.objects.count() == audits


def test_pages_render_with_links(make_user, client, registry):
    client.force_login(make_user("bureau"))
    text = client.get("/registry/coverage/").content.decode()
    assert "管家覆盖率" in text and "/registry/enterprises/?status=operating&amp;region=210302" in text
    assert "registry.js" in text and "<script>" not in text
    assert "该类别责任部门登记的管家" in text and "本部门登记的管家" in text  # what each steward column counts
    assert "无主责管家" in client.get("/registry/enterprises/?covered=no").content.decode()
    e = registry.first()
    detail = client.get(f"/registry/enterprises/{e.pk}/").content.decode()
    assert e.name in detail and e.category_labels in detail and e.categories[0] not in detail  # 中文, not codes
    picker = Steward.objects.filter(region_id=e.region_id, active=True).order_by("id").first()
    assert 'id="assign-steward"' in detail and f'<option value="{picker.pk}">{picker.name}' in detail
    s = Steward.objects.filter(assignments__isnull=False).first()
    page = client.get(f"/registry/stewards/{s.pk}/").content.decode()
    assert Assignment.objects.filter(steward=s).first().enterprise.name in page
    export = client.get("/registry/progress/?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    client.force_login(make_user("bureau", region="210303"))
    assert client.get(f"/registry/enterprises/{registry.filter(region_id='210302').first().pk}/").status_code == 404
    Steward.objects.filter(region_id=e.region_id).update(active=False)
    client.force_login(make_user("bureau"))
    detail = client.get(f"/registry/enterprises/{e.pk}/").content.decode()
    assert 'id="assign-steward"' not in detail and "无法在此指派" in detail  # no empty picker


def test_entry_progress_is_for_those_who_see_coverage(make_user, client, registry):
    client.force_login(make_user("steward"))
    assert client.get("/registry/progress/").status_code == 404
    client.force_login(make_user("department", department="D210302"))
    assert client.get("/registry/progress/").status_code == 200


def test_ztc_import_cli(make_user, tmp_path, capsys, registry):
    from .helpers import ent_row, xlsx

    make_user("department", username="tiedong", department="D210302")
    path = xlsx(tmp_path / "a.xlsx", [ent_row(901), ent_row(902, phone="1")])
    code = main(["import", "enterprises", str(path), "--as", "tiedong", "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and (out["created"], out["rejected"]) == (1, 1) and out["errors"][0]["row"] == 3
    assert not registry.filter(uscc=ent_row(901)[0]).exists()
    code = main(["import", "enterprises", str(path), "--as", "tiedong"])
    text = capsys.readouterr().out
    assert code == 0 and "新增 1" in text and "第 3 行" in text
    bad = tmp_path / "x.xlsx"
    bad.write_text("hello")
    code = main(["import", "enterprises", str(bad), "--as", "tiedong"])
    captured = capsys.readouterr()
    assert code == 1 and "not_spreadsheet" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_demo_logins_see_their_registry(api, registry):
    from zhitongche.accounts.demo import load as load_users
    from zhitongche.accounts.models import User

    load_users(scale="small")
    steward = api(User.objects.get(username="steward")).get("/api/v1/enterprises").json()
    assert steward["count"] > 0
    enterprise = api(User.objects.get(username="enterprise")).get("/api/v1/enterprises").json()
    assert enterprise["count"] == 1
    fgw = api(User.objects.get(username="dept_fgw")).get("/api/v1/enterprises").json()
    assert fgw["count"] > 0 and all("key_project" in e["categories"] for e in fgw["items"])
    tiedong = api(User.objects.get(username="dept_tiedong")).get("/api/v1/enterprises").json()
    assert tiedong["count"] > 0 and {e["region"] for e in tiedong["items"]} == {"210302"}
    assert Grid.objects.filter(enterprises__isnull=False).exists()


def test_bulk_assign_by_grid_in_a_fixed_number_of_queries(make_user, api, registry, django_assert_max_num_queries):
    from zhitongche.registry.identifiers import make_uscc

    client = api(make_user("bureau", region="210302"))
    grid = Grid.objects.filter(enterprises__region_id="210302").distinct().first()
    old, new = Steward.objects.filter(region_id="210302")[:2]
    for i in range(40):
        e = registry.create(uscc=make_uscc("210302", 5000 + i), name=f"网格企业{i}", region_id="210302",
                            township_id=grid.township_id, grid=grid)
        if i % 2:
            Assignment.objects.create(enterprise=e, steward=old if i % 4 == 1 else new, since="2026-01-05")
    in_grid = registry.filter(grid=grid, status="operating")
    n = in_grid.count()
    already = Assignment.objects.filter(enterprise__in=in_grid, steward=new, until__isnull=True).count()
    with django_assert_max_num_queries(30):
        r = client.post("/api/v1/assignments/bulk", {"steward": new.pk, "grid": grid.pk})
    assert r.status_code == 200, r.content
    assert r.json() == {"enterprises": n, "changed": n - already}
    active = Assignment.objects.filter(enterprise__in=in_grid, role="primary", until__isnull=True)
    assert active.count() == n and set(active.values_list("steward_id", flat=True)) == {new.pk}
    assert not Assignment.objects.filter(enterprise__in=in_grid, steward=old, until__isnull=True).exists()
    assert AuditLog.objects.filter(action="enterprise.assign_bulk", object_id=str(new.pk)).count() == 1
    assert client.get(f"/api/v1/stewards/{new.pk}").json()["enterprise_count"] == \
        Assignment.objects.filter(steward=new, role="primary", until__isnull=True).count()
    audits, rows = AuditLog.objects.count(), Assignment.objects.count()
    again = client.post("/api/v1/assignments/bulk", {"steward": new.pk, "grid": grid.pk, "only_unassigned": True})
    assert again.status_code == 422 and again.json()["error"]["code"] == "nothing_to_assign"
    foreign = Grid.objects.exclude(township__parent_id="210302").exclude(township__zone_id="210302").first()
    assert client.post("/api/v1/assignments/bulk", {"steward": new.pk, "grid": foreign.pk}).status_code == 404
    assert (AuditLog.objects.count(), Assignment.objects.count()) == (audits, rows)


@pytest.mark.parametrize(("role", "status"), [("steward", 403), ("enterprise", 403), ("overseer", 403),
                                              ("leader", 200), ("department", 200), ("clerk", 200)])
def test_the_coverage_page_is_for_the_roles_of_its_menu_entry(make_user, client, registry, role, status):
    extra = {"department": "D210302"} if role == "department" else {}
    if role == "enterprise":
        extra = {"enterprise": registry.first().uscc}
    client.force_login(make_user(role, **extra))
    assert client.get("/registry/coverage/").status_code == status
