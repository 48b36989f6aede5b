"""Assessment from the outside: API and pages, each with the wrong role and the right role in the wrong region."""

import json
import re
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from zhitongche.assessment import db2020, services
from zhitongche.assessment.frameworks import LOCAL_CODE, load_frameworks
from zhitongche.assessment.models import Db2020Scenario, Indicator, IndicatorSystem, Observation, Result
from zhitongche.core.models import AuditLog

OBS = "/api/v1/assessment/observations"


@pytest.fixture
def systems(departments):
    load_frameworks()


@pytest.fixture
def scored(systems, make_user):
    """Local-system results for 2025 and 2026 in two districts, computed by a city bureau officer."""
    bureau = make_user("bureau", username="city_bureau")
    system = IndicatorSystem.objects.get(code=LOCAL_CODE)
    for period, (v1, v2) in (("2025", (60, 70)), ("2026", (80, 70))):
        services.observation_set(actor=bureau, system=system, indicator="L03", unit="D210302", period=period, value=v1)
        services.observation_set(actor=bureau, system=system, indicator="L03", unit="D210303", period=period, value=v2)
        services.compute_results(actor=bureau, system=system, period=period)
    return bureau


def _obs(**changes):
    return {"system": LOCAL_CODE, "indicator": "L03", "unit": "D210302", "period": "2026", "value": 75, **changes}


# --- API permissions ------------------------------------------------------------------------------


def test_admin_adds_indicator_through_the_api_others_may_not(systems, make_user, api):
    body = {"code": "L07", "name": "信用修复办结率", "unit": "%", "best": 100, "worst": 0, "department": "FGW"}
    for role in ("bureau", "leader", "department"):
        response = api(make_user(role)).post(f"/api/v1/assessment/systems/{LOCAL_CODE}/indicators", body)
        assert response.status_code == 403
    assert not Indicator.objects.filter(code="L07").exists()
    response = api(make_user("admin")).post(f"/api/v1/assessment/systems/{LOCAL_CODE}/indicators", body)
    assert response.status_code == 201 and response.json()["department"] == "FGW"
    assert api(make_user("steward")).get(f"/api/v1/assessment/systems/{LOCAL_CODE}").status_code == 404


def test_api_indicator_edit_of_a_scored_system_creates_a_version(scored, make_user, api):
    client = api(make_user("admin"))
    response = client.client.patch(f"/api/v1/assessment/systems/{LOCAL_CODE}/indicators/L03",
                                   json.dumps({"weight": 5}), content_type="application/json",
                                   headers=client.headers)
    assert response.status_code == 200 and response.json()["weight"] == 5
    detail = client.get(f"/api/v1/assessment/systems/{LOCAL_CODE}").json()
    assert detail["version"] == 2 and not detail["frozen"]
    assert client.get(f"/api/v1/assessment/systems/{LOCAL_CODE}", version=1).json()["frozen"]
    ranking = client.get("/api/v1/assessment/results", system=LOCAL_CODE, period="2026").json()
    assert {r["version"] for r in ranking} == {1}


def test_observation_entry_is_for_the_bureau_of_the_units_region(systems, make_user, api):
    assert api(make_user("bureau", region="210302")).post(OBS, _obs()).status_code == 201
    other_district = api(make_user("bureau", region="210303"))
    others = [api(make_user(role)) for role in ("leader", "department", "steward")]
    before = (Observation.objects.count(), AuditLog.objects.count())
    assert other_district.post(OBS, _obs(value=1)).status_code == 403
    for client in others:
        assert client.post(OBS, _obs(value=1)).status_code in (403, 404)
    assert (Observation.objects.count(), AuditLog.objects.count()) == before
    assert Observation.objects.get().value == 75


@pytest.mark.parametrize(("changes", "field"), [
    ({"value": "abc"}, "value"), ({"period": "今年"}, "period"), ({"indicator": "NOPE"}, "indicator"),
    ({"unit": "NOPE"}, "unit"),
])
def test_bad_observation_through_the_api(systems, make_user, api, changes, field):
    response = api(make_user("bureau")).post(OBS, _obs(**changes))
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in json.dumps(error["details"]) and Observation.objects.count() == 0


def test_compute_is_for_the_city_bureau(systems, make_user, api):
    api(make_user("bureau")).post(OBS, _obs())
    url = f"/api/v1/assessment/systems/{LOCAL_CODE}/compute"
    for user in (make_user("bureau", region="210302"), make_user("leader"), make_user("department")):
        assert api(user).post(url, {"period": "2026"}).status_code == 403
    assert Result.objects.count() == 0
    response = api(make_user("bureau")).post(url, {"period": "2026"})
    assert response.status_code == 200 and response.json()[0]["unit"] == "D210302"


def test_department_sees_only_its_own_results(scored, make_user, api):
    own = api(make_user("department", department="D210302"))
    ranking = own.get("/api/v1/assessment/results", system=LOCAL_CODE, period="2026").json()
    assert [r["unit"] for r in ranking] == ["D210302"]
    other = Result.objects.get(unit__code="D210303", period="2026")
    assert own.get(f"/api/v1/assessment/results/{other.pk}").status_code == 404
    mine = Result.objects.get(unit__code="D210302", period="2026")
    detail = own.get(f"/api/v1/assessment/results/{mine.pk}").json()
    item = next(i for i in detail["items"] if i["indicator"] == "L03")
    assert item["value"] == 80 and item["observation"] and item["source"] == "entered"


def test_ranking_trend_and_district_bureau_scope(scored, make_user, api):
    ranking = api(make_user("leader")).get("/api/v1/assessment/results", system=LOCAL_CODE, period="2026").json()
    assert [(r["unit"], r["rank"]) for r in ranking] == [("D210302", 1), ("D210303", 2)]
    assert ranking[0]["delta"] == pytest.approx(ranking[0]["score"] - Result.objects.get(
        unit__code="D210302", period="2025").score)
    district = api(make_user("bureau", region="210303")).get("/api/v1/assessment/results", system=LOCAL_CODE,
                                                               period="2026").json()
    assert [r["unit"] for r in district] == ["D210303"]


# --- pages ----------------------------------------------------------------------------------------


def test_pages_by_role(scored, make_user, client):
    result = Result.objects.get(unit__code="D210302", period="2026")
    client.force_login(make_user("leader"))
    for url in ("/assessment/", f"/assessment/systems/{LOCAL_CODE}/", "/assessment/results/",
                f"/assessment/results/{result.pk}/", "/assessment/db2020/", "/assessment/plans/",
                "/assessment/observations/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.content.decode() and 'style="' not in response.content.decode()
    text = client.get("/assessment/results/").content.decode()
    assert "计算得分和排名" not in text  # leaders read only
    client.force_login(make_user("steward"))
    for url in ("/assessment/", "/assessment/results/", "/assessment/db2020/", f"/assessment/results/{result.pk}/"):
        assert client.get(url).status_code == 404, url


def test_result_page_drills_down_and_exports(scored, make_user, client):
    client.force_login(make_user("bureau"))
    result = Result.objects.get(unit__code="D210302", period="2026")
    text = client.get(f"/assessment/results/{result.pk}/").content.decode()
    assert "法治环境（第三方评估）" in text and "无数据" in text and "/assessment/observations/?" in text
    response = client.get(f"/assessment/results/{result.pk}/", {"format": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["A1"].value == "指标代码" and any(row[0] == "L03" for row in sheet.iter_rows(values_only=True))
    response = client.get("/assessment/results/export.xlsx", {"system": LOCAL_CODE, "period": "2026"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == 1 and rows[1][3] == "鞍山市铁东区人民政府"


def test_web_observation_entry_by_a_leader_is_refused(systems, make_user, client):
    client.force_login(make_user("leader"))
    response = client.post(f"/assessment/observations/?system={LOCAL_CODE}",
                           {"indicator": "L03", "unit": "D210302", "period": "2026", "value": "80"})
    assert response.status_code in (200, 403) and Observation.objects.count() == 0


def test_web_observation_import(systems, make_user, client):
    client.force_login(make_user("bureau"))
    book = Workbook()
    for row in (["单位代码", "指标代码", "考核期", "观测值", "来源说明"], ["D210302", "L03", "2026", 91, "第三方评估"]):
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "obs.xlsx"
    response = client.post(f"/assessment/observations/?system={LOCAL_CODE}", {"file": buffer, "source_note": ""})
    text = response.content.decode()
    assert "新增 1" in text and "这个字段是必填项" not in text  # the entry form was not sent, so not checked
    assert text.index("新增 1") < text.index('id="obs-table"')  # the report beside the form, above the list
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    assert Observation.objects.get().source == "imported"
    no_file = client.post(f"/assessment/observations/?system={LOCAL_CODE}", {"form": "import", "source_note": ""})
    assert "这个字段是必填项" in no_file.content.decode() and 'id="import_file"' in no_file.content.decode()
    response = client.post(f"/assessment/observations/?system={LOCAL_CODE}",
                           {"file": BytesIO(b"not a workbook"), "source_note": ""})
    assert response.status_code == 200 and "不是有效的 .xlsx" in response.content.decode()


def test_admin_adds_indicator_on_the_page(systems, make_user, client):
    client.force_login(make_user("admin"))
    response = client.post(f"/assessment/systems/{LOCAL_CODE}/", {
        "code": "L08", "name": "涉企检查次数", "direction": "lower", "best": "0", "worst": "12", "weight": "1",
        "source": "entered", "parent": "", "unit": "次", "computed_key": "", "department": "SCJ"})
    assert response.status_code == 302
    assert Indicator.objects.get(code="L08").department.code == "SCJ"
    client.force_login(make_user("bureau"))
    response = client.post(f"/assessment/systems/{LOCAL_CODE}/", {"code": "L09", "name": "x", "weight": "1",
                                                                  "direction": "higher", "source": "entered"})
    assert response.status_code == 403 and not Indicator.objects.filter(code="L09").exists()


# --- Doing Business page --------------------------------------------------------------------------


def _form(raw):
    return {k: ("" if v is None else v) for k, v in raw.items()}


def test_db_page_saves_baseline_and_scenarios_for_the_region(departments, make_user, client):
    client.force_login(make_user("bureau"))
    raw = db2020.published_raw("CHN_Beij")
    response = client.post("/assessment/db2020/?period=2026", {**_form(raw), "baseline": "1", "period": "2026"})
    assert response.status_code == 302
    baseline = Db2020Scenario.objects.get()
    assert baseline.baseline and baseline.result == db2020.simulate(raw)
    text = client.get("/assessment/db2020/?period=2026").content.decode()
    assert f"第 {baseline.result['rank']} 名" in text and "北京" in text and "上海" in text
    assert "中国（京沪加权）77.931 分，排名第 31 名" in text
    assert '<option value="no_vat">无增值税</option>' in text  # coded choices by name
    assert '<option value="NZL">1. 新西兰</option>' in text and "New Zealand" not in text  # economies in Chinese
    # A district officer neither sees the city's scenario nor saves for the city.
    client.force_login(make_user("bureau", region="210302"))
    assert client.get(f"/assessment/db2020/?scenario={baseline.pk}").status_code == 404
    client.force_login(make_user("leader"))
    response = client.post("/assessment/db2020/?period=2026", {**_form(raw), "baseline": "1", "period": "2026"})
    assert response.status_code == 403 and Db2020Scenario.objects.count() == 1


def test_db_page_bad_value_names_the_field_and_saves_nothing(departments, make_user, client):
    client.force_login(make_user("bureau"))
    raw = db2020.published_raw("CHN")
    response = client.post("/assessment/db2020/", {**_form(raw), "dcp_time_days": "很多", "baseline": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "办理建筑许可·时间（天）" in text and 'aria-invalid="true"' in text
    assert Db2020Scenario.objects.count() == 0


def test_db_preview_and_whatif_partials(departments, make_user, client):
    client.force_login(make_user("bureau"))
    raw = db2020.published_raw("CHN")
    response = client.post("/assessment/db2020/preview", _form(raw), HTTP_HX_REQUEST="true")
    assert f"第 {db2020.simulate(raw)['rank']} 名" in response.content.decode()
    assert "<html" not in response.content.decode()
    response = client.post("/assessment/db2020/whatif", {"base": json.dumps(raw), "field": "dcp_time_days",
                                                         "value": "26"})
    faster = dict(raw, dcp_time_days=26.0)
    expected = db2020.simulate(faster)
    text = response.content.decode()
    assert response.status_code == 200 and f"第 {expected['rank']} 名" in text
    assert expected["rank"] < db2020.simulate(raw)["rank"] and "上升" in text
    response = client.post("/assessment/db2020/whatif", {"base": json.dumps(raw), "field": "dcp_time_days",
                                                         "value": "-3"})
    assert response.status_code == 400 and "不能为负数" in response.content.decode()
    assert Db2020Scenario.objects.count() == 0


def test_db_import_from_xlsx(departments, make_user, client):
    client.force_login(make_user("bureau"))
    template = client.get("/assessment/db2020/template.xlsx")
    sheet = load_workbook(BytesIO(template.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("指标", "数值", "字段") and len(rows) == 1 + len(db2020.RAW_COLUMNS)
    book = Workbook()
    for label, value, _ in rows:
        book.active.append([label, value])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "raw.xlsx"
    response = client.post("/assessment/db2020/import", {"file": buffer, "period": "2026"})
    text = response.content.decode()
    expected = db2020.simulate(db2020.published_raw("CHN_Beij"))
    assert response.status_code == 200 and f"第 {expected['rank']} 名" in text
    assert Db2020Scenario.objects.count() == 0  # imported values are shown, saved only on request


def test_plans_page_version_and_status(departments, make_user, client):
    bureau = make_user("bureau")
    client.force_login(bureau)
    client.post("/assessment/plans/", {"form": "plan", "title": "提升方案"})
    client.post("/assessment/plans/", {"form": "action", "topic": "enforcing_contracts", "title": "审限压缩",
                                       "owner": "SFJ", "deadline": "2026-12-31"})
    text = client.get("/assessment/plans/").content.decode()
    assert "1.0 版" in text and "审限压缩" in text and "0/1 项完成" in text
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert "plan_title" in ids and "action_title" in ids and len(ids) == len(set(ids))
    from zhitongche.assessment.models import PlanAction

    action = PlanAction.objects.get()
    client.force_login(make_user("department", department="RSJ"))
    assert client.post(f"/assessment/plans/actions/{action.pk}/status", {"status": "done"}).status_code == 404
    client.force_login(make_user("department", department="SFJ"))
    assert client.post(f"/assessment/plans/actions/{action.pk}/status", {"status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def _page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_ranking_and_drill_down_queries_do_not_grow_with_units(systems, make_user, client):
    bureau = make_user("bureau")
    client.force_login(bureau)
    system = IndicatorSystem.objects.get(code=LOCAL_CODE)
    districts = ["D210302", "D210303", "D210304", "D210311", "D210321", "D210323"]

    def scored(units):
        for period in ("2025", "2026"):
            for index, unit in enumerate(units):
                for code in ("L03", "L04", "L05"):
                    services.observation_set(actor=bureau, system=system, indicator=code, unit=unit, period=period,
                                             value=1 + index)
            services.compute_results(actor=bureau, system=system, period=period)

    scored(districts[:2])
    url = f"/assessment/results/?system={LOCAL_CODE}&period=2026"
    small = _page_queries(client, url)
    detail = _page_queries(client, f"/assessment/results/{Result.objects.filter(period='2026').first().pk}/")
    obs_small = _page_queries(client, f"/assessment/observations/?system={LOCAL_CODE}")
    scored(districts)
    assert _page_queries(client, url) == small
    assert _page_queries(client, f"/assessment/results/{Result.objects.filter(period='2026').last().pk}/") == detail
    assert _page_queries(client, f"/assessment/observations/?system={LOCAL_CODE}") == obs_small


def test_trend_matches_each_periods_ranking_and_its_queries_do_not_grow_with_periods(scored, make_user, client):
    from zhitongche.assessment import selectors

    admin = make_user("admin")
    system = IndicatorSystem.objects.get(code=LOCAL_CODE)
    services.indicator_update(actor=admin, system=system, code="L03", data={"weight": 5})
    newer = IndicatorSystem.objects.get(code=LOCAL_CODE, version=2)
    services.observation_set(actor=scored, system=newer, indicator="L03", unit="D210302", period="2026", value=50)
    services.compute_results(actor=scored, system=newer, period="2026")  # 2026 now has v1 and v2 results

    leader = make_user("leader")
    for group in (None, "district", "department"):
        trend = selectors.trend(user=leader, system_code=LOCAL_CODE, group=group)
        assert trend["periods"] == ["2025", "2026"]
        expected: dict[str, list] = {}
        for index, period in enumerate(trend["periods"]):
            for r in selectors.ranking(user=leader, system_code=LOCAL_CODE, period=period, group=group):
                expected.setdefault(r.unit.name, [None, None])[index] = round(r.score, 2)
        assert trend["series"] == [{"name": n, "data": d} for n, d in sorted(expected.items())]
    v2 = Result.objects.select_related("unit").get(system=newer, unit__code="D210302", period="2026")
    assert v2.score != Result.objects.get(system=system, unit__code="D210302", period="2026").score
    series = {s["name"]: s["data"] for s in selectors.trend(user=leader, system_code=LOCAL_CODE)["series"]}
    assert series[v2.unit.name][1] == round(v2.score, 2)  # the newest version of 2026, not version 1
    assert selectors.trend(user=make_user("steward"), system_code=LOCAL_CODE)["series"] == []

    client.force_login(leader)
    url = f"/assessment/results/?system={LOCAL_CODE}&period=2026"
    before = _page_queries(client, url)
    for period in ("2023", "2024"):
        for unit in ("D210302", "D210303"):
            services.observation_set(actor=scored, system=newer, indicator="L03", unit=unit, period=period, value=65)
        services.compute_results(actor=scored, system=newer, period=period)
    assert _page_queries(client, url) == before


def test_system_page_offers_edits_only_on_the_newest_version(scored, make_user, client):
    admin = make_user("admin")
    services.indicator_update(actor=admin, system=IndicatorSystem.objects.get(code=LOCAL_CODE), code="L03",
                              data={"weight": 5})
    client.force_login(admin)
    edit = f"/assessment/systems/{LOCAL_CODE}/indicators/L03/"
    newest = client.get(f"/assessment/systems/{LOCAL_CODE}/").content.decode()
    old = client.get(f"/assessment/systems/{LOCAL_CODE}/?version=1").content.decode()
    assert edit in newest and "第 2 版" in newest
    assert edit not in old and "添加指标" not in old
