"""Demo assessment data: the shipped systems, two periods of observations and results, the DB2020 baseline of
the reference city with a what-if, and an improvement plan in two versions. The DB2020 figures of 鞍山市 are made
up for the demonstration (a variant of Beijing's published row), not a real measurement."""

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from zhitongche.regions.models import Department, Division

from . import db2020
from .frameworks import LOCAL_CODE, load_frameworks
from .models import (
    ActionStatus,
    DataSource,
    Db2020Scenario,
    ImprovementPlan,
    IndicatorSystem,
    Observation,
    PlanAction,
    PlanStatus,
    Result,
)
from .services import score_period

DEMO_ACTOR = "演示数据"
PERIODS = ("2025", "2026")
CITY = "210300"

# The demo city's raw indicators: Beijing's row made worse where a mid-sized northern city plausibly is.
DEMO_CHANGES: dict[str, Any] = {
    "dcp_time_days": 155.0, "ge_time_days": 38.0, "rp_time_days": 12.0, "ec_time_days": 560.0,
    "ec_filing_service_days": 45.0, "ec_trial_judgment_days": 300.0, "ec_enforcement_days": 215.0,
    "tab_export_border_hours": 30.0, "tab_import_border_hours": 40.0, "sb_time_men_days": 6.0,
    "sb_time_women_days": 6.0, "ri_recovery_rate_cents_per_dollar": 30.0,
}
WHATIF_CHANGES: dict[str, Any] = {"dcp_time_days": 90.0, "ec_time_days": 400.0, "ec_filing_service_days": 30.0,
                                  "ec_trial_judgment_days": 200.0, "ec_enforcement_days": 170.0}

PLAN_ACTIONS = [
    ("dealing_with_construction_permits", "推行工程建设项目“拿地即开工”，施工许可压缩至 60 天内", "ZJJ", ActionStatus.DONE),
    ("enforcing_contracts", "商事案件繁简分流，简易程序审理期限压缩三分之一", "SFJ", ActionStatus.IN_PROGRESS),
    ("resolving_insolvency", "建立府院联动破产处置机制，提高债权回收率", "SFJ", ActionStatus.PLANNED),
    ("getting_electricity", "低压小微企业“三零”接电服务全覆盖", "FGW", ActionStatus.DONE),
    ("trading_across_borders", "推行进出口“提前申报”和“两步申报”", "SWJ", ActionStatus.IN_PROGRESS),
]


def demo_raw() -> dict[str, Any]:
    """The demo city's raw DB2020 indicators."""
    raw = db2020.published_raw("CHN_Beij")
    raw.update(DEMO_CHANGES)
    return raw


def _observations(rng: random.Random) -> int:
    """Entered and imported observations of the local and NDRC systems for the demo periods."""
    districts = list(Department.objects.filter(kind__in=["district", "zone"], active=True).order_by("code"))
    cities = list(Department.objects.filter(kind="city", active=True).order_by("code"))[:10]
    rows = []
    for p_index, period in enumerate(PERIODS):
        for unit in districts:
            base = rng.uniform(55, 90)
            rows += [
                (LOCAL_CODE, "L03", unit, period, round(min(100, base + 3 * p_index + rng.uniform(-5, 5)), 1),
                 DataSource.IMPORTED, f"{period} 年度第三方评估（演示）"),
                (LOCAL_CODE, "L04", unit, period, round(rng.uniform(60, 100), 1), DataSource.ENTERED, ""),
                (LOCAL_CODE, "L05", unit, period, round(rng.uniform(1, 5) - 0.5 * p_index, 1), DataSource.ENTERED,
                 ""),
            ]
            if rng.random() > 0.3:  # some districts reported no project figure: scored without it
                rows.append((LOCAL_CODE, "L06", unit, period, float(rng.randint(3, 25)), DataSource.ENTERED, ""))
        for unit in cities:
            for code in ("CN01", "CN03", "CN08", "CN13", "CN14", "CN17"):
                rows.append(("NDRC", code, unit, period, round(rng.uniform(60, 98), 1), DataSource.IMPORTED,
                             f"{period} 年度国家营商环境评价反馈（演示）"))
    created = 0
    for system_code, code, unit, period, value, source, note in rows:
        _, new = Observation.objects.get_or_create(
            system_code=system_code, indicator_code=code, unit=unit, period=period,
            defaults={"value": value, "source": source, "source_note": note})
        created += new
    return created


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Create the demo assessment data once (idempotent)."""
    summary: dict[str, Any] = load_frameworks()
    if Result.objects.exists():
        return summary
    rng = random.Random(2020)  # noqa: S311 — deterministic demo data
    city = Division.objects.get(code=CITY)
    with transaction.atomic():
        summary["observations"] = _observations(rng)
        for code in (LOCAL_CODE, "NDRC"):
            system = IndicatorSystem.objects.filter(code=code).order_by("-version").first()
            assert system is not None
            for period in PERIODS:
                score_period(system=system, period=period, actor=DEMO_ACTOR)
        summary["results"] = Result.objects.count()
        for name, raw, baseline in (("基准数据", demo_raw(), True), ("施工许可和执行合同提速",
                                                                     {**demo_raw(), **WHATIF_CHANGES}, False)):
            Db2020Scenario.objects.get_or_create(region=city, period="2026", name=name, defaults={
                "baseline": baseline, "raw": raw, "result": db2020.simulate(raw)})
        old = ImprovementPlan.objects.create(region=city, title="鞍山市营商环境优化提升方案", major=1,
                                             status=PlanStatus.SUPERSEDED)
        new = ImprovementPlan.objects.create(region=city, title="鞍山市营商环境优化提升方案", major=2,
                                             status=PlanStatus.PUBLISHED)
        deadline = datetime.date(2026, 6, 30)
        for topic, title, owner, status in PLAN_ACTIONS:
            dept = Department.objects.get(code=owner)
            PlanAction.objects.create(plan=old, topic=topic, title=title, owner=dept, deadline=deadline,
                                      status=ActionStatus.DONE if status == ActionStatus.DONE else ActionStatus.IN_PROGRESS)
            if status != ActionStatus.DONE:
                PlanAction.objects.create(plan=new, topic=topic, title=title, owner=dept,
                                          deadline=deadline + datetime.timedelta(days=180), status=status)
        PlanAction.objects.create(plan=new, topic="registering_property", title="不动产登记“一窗受理、全程网办”",
                                  owner=Department.objects.get(code="ZRJ"), deadline=deadline, status=ActionStatus.DONE)
    return summary
