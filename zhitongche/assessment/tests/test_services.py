"""Indicator systems, observations, computing results, versioning, computed indicators, import, plans."""

import datetime
import functools
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from zhitongche.assessment import computed, services
from zhitongche.assessment.frameworks import LOCAL_CODE, load_frameworks
from zhitongche.assessment.models import (
    ActionStatus,
    DataSource,
    Indicator,
    IndicatorSystem,
    Observation,
    PlanAction,
    Result,
    ResultItem,
)
from zhitongche.core.errors import Conflict, Forbidden, InvalidInput
from zhitongche.core.models import AuditLog
from zhitongche.regions.models import Department


@pytest.fixture
def systems(departments):
    load_frameworks()
    return {code: IndicatorSystem.objects.get(code=code, version=1) for code in ("NDRC", "BREADY", LOCAL_CODE)}


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def bureau(make_user):
    return make_user("bureau")


def _local(admin):
    system = services.system_create(actor=admin, code="T", name="测试体系")
    for code, best, worst, weight in (("A", 100, 0, 2), ("B", 0, 10, 1)):
        services.indicator_add(actor=admin, system=system, data={
            "code": code, "name": code, "best": best, "worst": worst, "weight": weight,
            "direction": "higher" if best > worst else "lower"})
    return IndicatorSystem.objects.get(pk=system.pk)


def test_shipped_frameworks(systems):
    ndrc = systems["NDRC"].indicators
    assert ndrc.count() == 18 and not ndrc.filter(parent__isnull=False).exists()
    assert ndrc.get(code="CN01").name == "开办企业" and ndrc.get(code="CN18").name == "包容普惠创新"
    bready = systems["BREADY"].indicators
    assert bready.filter(parent__isnull=True).count() == 10 and bready.filter(parent__isnull=False).count() == 30
    assert bready.get(code="BR-T01-P2").name == "市场准入/企业准入·公共服务"
    assert systems[LOCAL_CODE].indicators.get(code="L01").computed_key == "registry_coverage"
    load_frameworks()  # idempotent
    assert Indicator.objects.count() == 18 + 40 + 6


def test_admin_adds_second_level_indicator(systems, admin):
    ind = services.indicator_add(actor=admin, system=systems["NDRC"], data={
        "code": "cn03-1", "parent": "CN03", "name": "办理建筑许可时间", "unit": "天", "direction": "lower",
        "best": 30, "worst": 200, "weight": 1})
    assert ind.code == "CN03-1" and ind.parent.code == "CN03" and ind.system_id == systems["NDRC"].pk
    assert AuditLog.objects.filter(action="assessment.indicator.add").count() == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "x", "best": 0, "worst": 100, "direction": "higher"}, "direction"),
    ({"name": "x", "best": 5, "worst": 5}, "worst"),
    ({"name": "x", "best": 5}, "worst"),
    ({"name": "x", "best": 5, "worst": 0, "weight": -1}, "weight"),
    ({"name": "x", "best": "abc", "worst": 0}, "best"),
    ({"name": "", "best": 5, "worst": 0}, "name"),
    ({"name": "x", "best": 5, "worst": 0, "source": "magic"}, "source"),
    ({"name": "x", "best": 5, "worst": 0, "source": "computed", "computed_key": "nope"}, "computed_key"),
    ({"name": "x", "best": 5, "worst": 0, "parent": "NOPE"}, "parent"),
    ({"name": "x", "best": 5, "worst": 0, "department": "NOPE"}, "department"),
])
def test_bad_indicator_names_the_field_and_changes_nothing(systems, admin, data, field):
    before = (Indicator.objects.count(), AuditLog.objects.count())
    with pytest.raises(InvalidInput) as exc:
        services.indicator_add(actor=admin, system=systems["NDRC"], data={"code": "X1", **data})
    assert exc.value.details["field"] == field
    assert (Indicator.objects.count(), AuditLog.objects.count()) == before


def test_only_admins_edit_systems(systems, bureau, make_user):
    for user in (bureau, make_user("leader"), make_user("department")):
        with pytest.raises(Forbidden):
            services.indicator_add(actor=user, system=systems["NDRC"], data={"code": "X", "name": "x"})
    assert systems["NDRC"].indicators.count() == 18


def test_scoring_ranking_and_missing_data(admin, bureau, departments):
    system = _local(admin)
    d1, d2, d3 = Department.objects.filter(kind="district").order_by("code")[:3]
    services.observation_set(actor=bureau, system=system, indicator="A", unit=d1.code, period="2025", value=80)
    services.observation_set(actor=bureau, system=system, indicator="B", unit=d1.code, period="2025", value=5)
    services.observation_set(actor=bureau, system=system, indicator="A", unit=d2.code, period="2025", value=60)
    services.observation_set(actor=bureau, system=system, indicator="A", unit=d3.code, period="2025", value=60)
    results = {r.unit_id: r for r in services.compute_results(actor=bureau, system=system, period="2025")}
    assert results[d1.pk].score == pytest.approx((2 * 80 + 50) / 3)
    assert results[d2.pk].score == pytest.approx(60)  # B missing: not scored 0, weights renormalised
    assert results[d2.pk].coverage == pytest.approx(2 / 3)
    assert [results[d.pk].rank for d in (d1, d2, d3)] == [1, 2, 2]  # tie shares rank 2
    assert all(r.of == 3 for r in results.values())
    item = ResultItem.objects.get(result=results[d2.pk], indicator__code="B")
    assert item.score is None and item.observation is None and item.effective_weight == 0
    item = ResultItem.objects.get(result=results[d1.pk], indicator__code="B")
    assert item.observation.value == 5 and item.score == pytest.approx(50)


def test_departments_and_districts_are_ranked_separately(admin, bureau, departments):
    system = _local(admin)
    services.observation_set(actor=bureau, system=system, indicator="A", unit="D210302", period="2025", value=50)
    services.observation_set(actor=bureau, system=system, indicator="A", unit="RSJ", period="2025", value=40)
    results = services.compute_results(actor=bureau, system=system, period="2025")
    assert sorted((r.group, r.rank, r.of) for r in results) == [("department", 1, 1), ("district", 1, 1)]


def test_changed_system_does_not_rewrite_past_results(admin, bureau, departments):
    system = _local(admin)
    services.observation_set(actor=bureau, system=system, indicator="A", unit="D210302", period="2025", value=50)
    services.observation_set(actor=bureau, system=system, indicator="B", unit="D210302", period="2025", value=0)
    [old] = services.compute_results(actor=bureau, system=system, period="2025")
    old_score = old.score
    system.refresh_from_db()
    assert system.frozen

    changed = services.indicator_update(actor=admin, system=system, code="A", data={"best": 50, "weight": 1})
    assert changed.system.version == 2 and changed.system_id != system.pk
    assert Indicator.objects.get(system=system, code="A").best == 100  # version 1 untouched
    added = services.indicator_add(actor=admin, system=system, data={"code": "C", "name": "c", "best": 1, "worst": 0})
    assert added.system_id == changed.system_id  # version 2 is not frozen yet: no third version
    old.refresh_from_db()
    assert old.system_id == system.pk and old.score == old_score
    assert set(old.items.values_list("indicator__system_id", flat=True)) == {system.pk}

    [new] = services.compute_results(actor=bureau, system=changed.system, period="2025")
    assert new.system.version == 2 and new.score == pytest.approx(100)
    assert Result.objects.filter(period="2025").count() == 2
    old.refresh_from_db()
    assert old.score == old_score


def test_computing_writes_results_and_their_items_in_one_insert_each(admin, bureau, departments):
    system = _local(admin)
    for unit in ("D210302", "D210303", "RSJ"):
        services.observation_set(actor=bureau, system=system, indicator="A", unit=unit, period="2025", value=50)
    with CaptureQueriesContext(connection) as queries:
        results = services.compute_results(actor=bureau, system=system, period="2025")
    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and "assessment_result" in q["sql"]]
    assert len(results) == 3 and len(inserts) == 2
    assert ResultItem.objects.filter(result__in=results).count() == 3 * 2


def test_recomputing_the_same_version_replaces_its_results(admin, bureau, departments):
    system = _local(admin)
    services.observation_set(actor=bureau, system=system, indicator="A", unit="D210302", period="2025", value=50)
    services.compute_results(actor=bureau, system=system, period="2025")
    services.observation_set(actor=bureau, system=system, indicator="A", unit="D210302", period="2025", value=70)
    [result] = services.compute_results(actor=bureau, system=system, period="2025")
    assert Result.objects.count() == 1 and result.score == pytest.approx(70)
    assert IndicatorSystem.objects.filter(code="T").count() == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"value": "abc"}, "value"), ({"value": float("nan")}, "value"), ({"value": None}, "value"),
    ({"period": "2025年"}, "period"), ({"period": "1999"}, "period"), ({"indicator": "ZZ"}, "indicator"),
    ({"unit": "NOPE"}, "unit"), ({"indicator": ""}, "indicator"),
])
def test_bad_observation_names_the_field_and_stores_nothing(admin, bureau, departments, kwargs, field):
    system = _local(admin)
    before = (Observation.objects.count(), AuditLog.objects.count())
    args = {"indicator": "A", "unit": "D210302", "period": "2025", "value": 5, **kwargs}
    with pytest.raises(InvalidInput) as exc:
        services.observation_set(actor=bureau, system=system, **args)
    assert exc.value.details["field"] == field
    assert (Observation.objects.count(), AuditLog.objects.count()) == before


def test_computed_indicators_cannot_be_entered_and_parents_take_no_values(systems, bureau):
    with pytest.raises(InvalidInput):
        services.observation_set(actor=bureau, system=systems[LOCAL_CODE], indicator="L01", unit="D210302",
                                 period="2025", value=90)
    with pytest.raises(InvalidInput) as exc:
        services.observation_set(actor=bureau, system=systems["BREADY"], indicator="BR-T01", unit="D210302",
                                 period="2025", value=90)
    assert exc.value.code == "not_a_leaf"


def test_registry_coverage_is_computed_from_the_registry(systems, bureau):
    from zhitongche.registry.demo import load as load_registry
    from zhitongche.registry.models import Assignment, Enterprise

    load_registry(scale="small")
    tiedong = Department.objects.get(code="D210302")
    ents = Enterprise.objects.filter(region_id="210302")
    assert computed.compute("registry_coverage", tiedong, "2026") == 100.0
    Assignment.objects.filter(enterprise=ents.first()).update(until=datetime.date(2026, 3, 1))
    assert computed.compute("registry_coverage", tiedong, "2026") == pytest.approx(100 * (ents.count() - 1) / ents.count())
    assert computed.compute("registry_coverage", tiedong, "2025") == 0.0  # assigned only from 2026
    assert computed.compute("registry_coverage", Department.objects.get(code="RSJ"), "2026") is None
    assert computed.compute("appeal_satisfaction", tiedong, "2026") is None  # not registered: no data, not zero

    results = services.compute_results(actor=bureau, system=systems[LOCAL_CODE], period="2026")
    obs = Observation.objects.get(system_code=LOCAL_CODE, indicator_code="L01", unit=tiedong, period="2026")
    assert obs.source == DataSource.COMPUTED
    assert obs.source_note == computed.registered()["registry_coverage"].label  # its Chinese name, not the key
    assert {r.unit.kind for r in results} <= {"district", "zone"}


def test_a_registered_function_feeds_its_indicator(systems, bureau):
    computed.register_computed("appeal_satisfaction", lambda unit, period: 90.0 if unit.code == "D210302" else None)
    try:
        services.compute_results(actor=bureau, system=systems[LOCAL_CODE], period="2026")
        assert Observation.objects.get(indicator_code="L02", period="2026").unit.code == "D210302"
    finally:
        computed._registry.pop("appeal_satisfaction")


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_marks_third_party_source_and_reports_bad_rows(systems, make_user):
    from zhitongche.assessment.exports import read_rows

    bureau = make_user("bureau", region="210302")
    rows = read_rows(_xlsx([
        ["单位代码", "指标代码", "考核期", "观测值", "来源说明"],
        ["D210302", "L03", "2025", 88.5, ""],
        ["D210302", "L04", "2025", "abc", ""],
        ["D210303", "L03", "2025", 70, ""],          # another district: not this officer's
        ["D210302", "L03", "2025", 90, ""],          # duplicate
        ["D210302", "L01", "2025", 90, ""],          # computed
    ]))
    report = services.observation_import(actor=bureau, system=systems[LOCAL_CODE], rows=rows,
                                         default_note="2025 第三方评估（某研究院）")
    assert report["created"] == 1 and report["rejected"] == 4
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (3, "not_a_number"), (4, "not_responsible"), (5, "duplicate_in_file"), (6, "computed_indicator")]
    obs = Observation.objects.get()
    assert obs.source == DataSource.IMPORTED and obs.source_note == "2025 第三方评估（某研究院）" and obs.value == 88.5


def test_import_looks_up_each_unit_once(systems, bureau):
    rows = [["单位代码", "指标代码", "考核期", "观测值"]] + [["D210302", code, "2025", 50] for code in ("L03", "L04")]
    rows += [["D210302", "L03", "2024", 40], ["NOPE", "L03", "2025", 1]]
    with CaptureQueriesContext(connection) as queries:
        report = services.observation_import(actor=bureau, system=systems[LOCAL_CODE], rows=rows)
    lookups = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("SELECT") and 'FROM "regions_department"' in q["sql"]]
    assert report["created"] == 3 and [e["code"] for e in report["errors"]] == ["unknown_department"]
    assert len(lookups) == 2


def test_import_dry_run_and_missing_columns_write_nothing(systems, bureau):
    report = services.observation_import(actor=bureau, system=systems[LOCAL_CODE], rows=[
        ["单位代码", "指标代码", "考核期", "观测值"], ["D210302", "L03", "2025", 1]], dry_run=True)
    assert report["total"] == 1 and report["created"] == 0
    report = services.observation_import(actor=bureau, system=systems[LOCAL_CODE], rows=[["单位代码"], ["D210302"]])
    assert report["errors"][0]["code"] == "missing_column"
    assert Observation.objects.count() == 0


def test_plan_versions_carry_unfinished_actions(bureau, departments):
    plan1 = services.plan_create(actor=bureau, region="210300", title="方案")
    a = services.action_add(actor=bureau, plan=plan1, topic="enforcing_contracts", title="提速", owner="SFJ",
                            deadline="2026-06-30")
    b = services.action_add(actor=bureau, plan=plan1, topic="paying_taxes", title="减时", owner="SWU",
                            deadline=datetime.date(2026, 6, 30))
    services.action_set_status(actor=bureau, action=b, status=ActionStatus.DONE)
    services.plan_publish(actor=bureau, plan=plan1)
    plan2 = services.plan_create(actor=bureau, region="210300", title="方案")
    assert (plan1.version, plan2.version) == ("1.0", "2.0")
    assert list(plan2.actions.values_list("title", flat=True)) == [a.title]
    services.plan_publish(actor=bureau, plan=plan2)
    plan1.refresh_from_db()
    assert plan1.status == "superseded"
    with pytest.raises(Conflict):
        services.action_add(actor=bureau, plan=plan1, topic="paying_taxes", title="x", owner="SWU",
                            deadline="2026-01-01")


def test_action_transitions_and_owner_department(bureau, make_user, departments):
    plan = services.plan_create(actor=bureau, region="210300", title="方案")
    action = services.action_add(actor=bureau, plan=plan, topic="paying_taxes", title="减时", owner="SWU",
                                 deadline="2026-06-30")
    owner = make_user("department", department="SWU")
    services.action_set_status(actor=owner, action=action, status="in_progress")
    with pytest.raises(Forbidden):
        services.action_set_status(actor=make_user("department", department="RSJ"), action=action, status="done")
    services.action_set_status(actor=owner, action=action, status="done")
    with pytest.raises(Conflict):
        services.action_set_status(actor=owner, action=action, status="dropped")
    with pytest.raises(InvalidInput):
        services.action_set_status(actor=owner, action=action, status="finished")
    assert PlanAction.objects.get().status == "done"


def test_a_rate_that_is_not_a_share_may_be_negative():
    growth = Indicator(code="X1", name="营业收入增长率", unit="%", direction="higher", best=None)
    assert services._observed("-3.2", growth) == -3.2
    with pytest.raises(InvalidInput):
        services._observed("-1", Indicator(code="X2", name="办理天数", unit="天", direction="lower"))


@pytest.mark.parametrize(("indicator", "value", "accepted"), [
    ("L03", -5, False), ("L03", 150, False), ("L03", 100, True), ("L03", 0, True),  # a 0–100 score
    ("L04", 100.5, False), ("L04", 99.5, True),                                    # a rate whose best is 100 %
    ("L05", -1, False), ("L05", 30, True),                                         # days (越低越好)
    ("L06", 25, True),                                                             # a count may beat its target
])
def test_an_observation_must_be_a_value_its_unit_allows(systems, bureau, indicator, value, accepted):
    set_value = functools.partial(services.observation_set, actor=bureau, system=systems[LOCAL_CODE],
                                  indicator=indicator, unit="D210302", period="2025")
    if accepted:
        assert set_value(value=value).value == value
    else:
        with pytest.raises(InvalidInput) as refused:
            set_value(value=value)
        assert refused.value.code == "out_of_range"
        assert not Observation.objects.exists()
    report = services.observation_import(actor=bureau, system=systems[LOCAL_CODE], rows=[
        ["单位代码", "指标代码", "考核期", "观测值"], ["D210302", indicator, "2024", value]])
    assert [e["code"] for e in report["errors"]] == ([] if accepted else ["out_of_range"])
