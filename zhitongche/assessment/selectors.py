"""Reads of the assessment app; each takes the acting user and limits rows through accounts.scopes."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.core.errors import NotFound
from zhitongche.regions.models import Department, Division

from . import db2020
from .models import (
    ActionStatus,
    Db2020Scenario,
    ImprovementPlan,
    Indicator,
    IndicatorSystem,
    Observation,
    PlanAction,
    Result,
    ResultItem,
)


def system_list(*, user: Any) -> list[IndicatorSystem]:
    """The newest version of every system the user may see, with its indicator count."""
    systems = scopes.visible(user, IndicatorSystem.objects.annotate(indicator_count=Count("indicators")))
    newest: dict[str, IndicatorSystem] = {}
    for system in systems.order_by("code", "-version"):
        newest.setdefault(system.code, system)
    return list(newest.values())


def system_versions(*, user: Any, code: str) -> list[IndicatorSystem]:
    """All versions of one system, newest first."""
    return list(scopes.visible(user, IndicatorSystem.objects.filter(code=code).annotate(
        result_count=Count("results")).order_by("-version")))


def system_get(*, user: Any, code: str, version: int | None = None) -> IndicatorSystem:
    """One version of a system (the newest by default)."""
    qs = scopes.visible(user, IndicatorSystem.objects.filter(code=str(code).upper()))
    if version is not None:
        return scopes.get_visible(user, qs, version=version)
    system = qs.order_by("-version").first()
    if system is None:
        raise NotFound()
    return system


def indicator_tree(*, system: IndicatorSystem) -> list[dict[str, Any]]:
    """The system's indicators as nested dicts (node, depth, children), in display order."""
    indicators = list(system.indicators.select_related("department").order_by("order", "code"))
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        children[ind.parent_id].append(ind)

    def build(parent: int | None, depth: int) -> list[dict[str, Any]]:
        return [{"node": ind, "depth": depth, "children": build(ind.pk, depth + 1)} for ind in children[parent]]

    return build(None, 0)


def flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A tree from indicator_tree as rows in display order (depth kept), each marked leaf or not."""
    rows: list[dict[str, Any]] = []
    for item in tree:
        rows.append({"node": item["node"], "depth": item["depth"], "leaf": not item["children"]})
        rows.extend(flatten(item["children"]))
    return rows


def entry_units(*, user: Any) -> QuerySet[Department]:
    """Units the user may enter observations for."""
    units = Department.objects.select_related("region").filter(active=True).order_by("kind", "code")
    if scopes.is_admin(user):
        return units
    if user.role != Role.BUREAU:
        return units.none()
    return units.filter(scopes.region_q(user))


def observation_list(*, user: Any, system_code: str | None = None, period: str | None = None,
                     unit: str | None = None) -> QuerySet[Observation]:
    """Observations the user may see, filtered."""
    qs = scopes.visible(user, Observation.objects.select_related("unit", "entered_by"))
    if system_code:
        qs = qs.filter(system_code=system_code)
    if period:
        qs = qs.filter(period=period)
    if unit:
        qs = qs.filter(unit__code=unit)
    return qs.order_by("-period", "unit__code", "indicator_code")


def periods(*, user: Any, system_code: str) -> list[str]:
    """Periods with results or observations for a system, newest first."""
    found = set(scopes.visible(user, Result.objects.filter(system__code=system_code))
                .values_list("period", flat=True).distinct())
    found |= set(scopes.visible(user, Observation.objects.filter(system_code=system_code))
                 .values_list("period", flat=True).distinct())
    return sorted(found, reverse=True)


def _result_system(system_code: str, period: str) -> int | None:
    """The newest version of a system that has results for a period."""
    row = Result.objects.filter(system__code=system_code, period=period).aggregate(v=Max("system__version"))
    if row["v"] is None:
        return None
    return IndicatorSystem.objects.filter(code=system_code, version=row["v"]).values_list("pk", flat=True).first()


def ranking(*, user: Any, system_code: str, period: str, group: str | None = None) -> list[Result]:
    """Ranked results of a period (newest version with results) with each unit's change on the previous period
    as `previous_score` / `delta` / `previous_rank`."""
    system_id = _result_system(system_code, period)
    if system_id is None:
        return []
    qs = scopes.visible(user, Result.objects.select_related("unit", "system").filter(system_id=system_id,
                                                                                      period=period))
    if group:
        qs = qs.filter(group=group)
    results = list(qs.order_by("group", "rank", "unit__code"))
    earlier = sorted((p for p in Result.objects.filter(system__code=system_code, period__lt=period)
                      .values_list("period", flat=True).distinct()), reverse=True)
    previous: dict[int, Result] = {}
    if earlier:
        prev_system = _result_system(system_code, earlier[0])
        previous = {r.unit_id: r for r in Result.objects.filter(system_id=prev_system, period=earlier[0],
                                                                unit_id__in=[r.unit_id for r in results])}
    for result in results:
        before = previous.get(result.unit_id)
        result.previous_period = earlier[0] if earlier else None  # type: ignore[attr-defined]
        result.previous_score = before.score if before else None  # type: ignore[attr-defined]
        result.previous_rank = before.rank if before else None  # type: ignore[attr-defined]
        result.delta = (result.score - before.score) if before else None  # type: ignore[attr-defined]
    return results


def trend(*, user: Any, system_code: str, group: str | None = None) -> dict[str, Any]:
    """Scores per period of every visible unit (the newest version with results in each period)."""
    visible = scopes.visible(user, Result.objects.filter(system__code=system_code))
    period_list = sorted(set(visible.values_list("period", flat=True)))
    # Same version choice as ranking(), for all periods at once instead of one ranking per period.
    newest = dict(Result.objects.filter(system__code=system_code).order_by().values_list("period")
                  .annotate(v=Max("system__version")))
    if group:
        visible = visible.filter(group=group)
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for period, version, name, score in visible.values_list("period", "system__version", "unit__name", "score"):
        if version == newest.get(period):
            series[name][period] = round(score, 2)
    return {"periods": period_list,
            "series": [{"name": name, "data": [values.get(p) for p in period_list]}
                       for name, values in sorted(series.items())]}


def result_get(*, user: Any, pk: Any) -> Result:
    """One visible result with its system and unit."""
    return scopes.get_visible(user, Result.objects.select_related("unit", "system"), pk=pk)


def result_items(*, result: Result) -> list[dict[str, Any]]:
    """The result's indicators in tree order with depth, value, score, effective weight and observation."""
    items = {item.indicator_id: item for item in ResultItem.objects.filter(result=result).select_related(
        "indicator", "observation", "observation__entered_by")}
    rows = flatten(indicator_tree(system=result.system))
    for row in rows:
        row["item"] = items.get(row["node"].pk)
    return rows


def scenario_list(*, user: Any, region: Division | None = None, period: str | None = None
                  ) -> QuerySet[Db2020Scenario]:
    """Saved DB2020 scenarios the user may see."""
    qs = scopes.visible(user, Db2020Scenario.objects.select_related("region", "created_by"))
    if region is not None:
        qs = qs.filter(region=region)
    if period:
        qs = qs.filter(period=period)
    return qs


def scenario_get(*, user: Any, pk: Any) -> Db2020Scenario:
    """One visible saved scenario."""
    return scopes.get_visible(user, Db2020Scenario.objects.select_related("region"), pk=pk)


def comparison(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each topic's simulated score beside the frontier (100), Beijing and Shanghai, and the gap to the better."""
    cities = {row.code: row for row in db2020.published_table().cities}
    beijing, shanghai = cities["CHN_Beij"], cities["CHN"]
    rows = []
    for topic in db2020.TOPICS:
        score = result["topics"][topic]
        best_city = max(beijing.topics[topic], shanghai.topics[topic])
        rows.append({"topic": topic, "label": db2020.TOPIC_LABELS[topic], "score": score, "frontier": 100.0,
                     "beijing": beijing.topics[topic], "shanghai": shanghai.topics[topic],
                     "gap_frontier": round(100.0 - score, 3), "gap_best_city": round(best_city - score, 3)})
    return rows


def plan_list(*, user: Any, region: Division | None = None) -> QuerySet[ImprovementPlan]:
    """Visible plans with their action counts, newest version first."""
    qs = scopes.visible(user, ImprovementPlan.objects.select_related("region"))
    if region is not None:
        qs = qs.filter(region=region)
    return qs.annotate(total=Count("actions"), done=Count("actions", filter=Q(actions__status=ActionStatus.DONE))
                       ).order_by("region", "-major")


def plan_get(*, user: Any, pk: Any) -> ImprovementPlan:
    """One visible plan."""
    return scopes.get_visible(user, ImprovementPlan.objects.select_related("region"), pk=pk)


def plan_actions(*, user: Any, plan: ImprovementPlan) -> QuerySet[PlanAction]:
    """The plan's actions the user may see."""
    return scopes.visible(user, plan.actions.select_related("owner", "plan").order_by("deadline", "id"))


def plan_progress(*, user: Any, region: Division | None) -> dict[str, Any] | None:
    """The current plan of a region (newest version) with its progress by topic, for display beside scores."""
    if region is None:
        return None
    plan = plan_list(user=user, region=region).first()
    if plan is None:
        return None
    by_topic: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "done": 0})
    for action in plan.actions.exclude(status=ActionStatus.DROPPED):
        by_topic[action.topic]["total"] += 1
        by_topic[action.topic]["done"] += action.status == ActionStatus.DONE
    return {"plan": plan, "by_topic": dict(by_topic)}
