"""Reads of interactions: lists and the effective-interaction counts per steward, region and period."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from zhitongche.accounts import scopes
from zhitongche.appeals.selectors import region_filter
from zhitongche.assessment.periods import period_end, period_start
from zhitongche.core.errors import InvalidInput

from .models import Interaction


@dataclass
class InteractionFilters:
    """Filters shared by the list, the counts and their drill-down links."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    region: str = ""
    steward: int | None = None
    kind: str = ""
    effective: bool | None = None
    enterprise: str = ""


def _filtered(user: Any, f: InteractionFilters) -> QuerySet[Interaction]:
    qs = scopes.visible(user, Interaction.objects.all())
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InvalidInput("起始日期不能晚于结束日期", code="invalid_period", details={"field": "from"})
    if f.date_from:
        qs = qs.filter(occurred_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(occurred_on__lte=f.date_to)
    if f.region:
        qs = qs.filter(region_filter(f.region))
    if f.steward:
        qs = qs.filter(steward_id=f.steward)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.effective is not None:
        qs = qs.filter(effective=f.effective)
    if f.enterprise:
        qs = qs.filter(enterprise__uscc=f.enterprise.strip().upper())
    return qs


def interaction_list(*, user: Any, filters: InteractionFilters | None = None) -> QuerySet[Interaction]:
    """Interactions the user may see, filtered, newest first."""
    return _filtered(user, filters or InteractionFilters()).select_related(
        "steward", "enterprise", "region", "appeal").order_by("-occurred_at", "-id")


GROUPS = ("steward", "region", "month")


def group_params(group_by: str, key: str, f: InteractionFilters) -> dict[str, Any]:
    """The list filters behind one group of the counts (a month clipped to the period asked for)."""
    if group_by != "month":
        return {group_by: key}
    first, last = period_start(key), period_end(key)
    return {"from": max(first, f.date_from or first).isoformat(), "to": min(last, f.date_to or last).isoformat()}


def interaction_counts(*, user: Any, filters: InteractionFilters, group_by: str = "steward",
                       limit: int = 200) -> dict[str, Any]:
    """Total and effective interactions, overall and per steward, region or month (largest first)."""
    if group_by not in GROUPS:
        raise InvalidInput(f"分组须为 {'、'.join(GROUPS)} 之一", code="invalid_group", details={"field": "group_by"})
    scopes.require(user, "interaction.stats")
    qs = _filtered(user, filters).order_by()
    effective = Count("id", filter=Q(effective=True))
    totals = qs.aggregate(total=Count("id"), effective=effective)
    rows: Any
    if group_by == "steward":
        rows = (qs.values("steward_id", "steward__name").annotate(total=Count("id"), effective=effective)
                .order_by("-effective", "steward_id")[:limit])
        groups = [{"key": str(r["steward_id"]), "label": r["steward__name"], "total": r["total"],
                   "effective": r["effective"]} for r in rows]
    elif group_by == "region":
        rows = (qs.values("region_id", "region__name").annotate(total=Count("id"), effective=effective)
                .order_by("region_id"))
        groups = [{"key": r["region_id"], "label": r["region__name"], "total": r["total"],
                   "effective": r["effective"]} for r in rows]
    else:
        rows = (qs.annotate(month=TruncMonth("occurred_on")).values("month")
                .annotate(total=Count("id"), effective=effective).order_by("month"))
        groups = [{"key": f"{r['month']:%Y-%m}", "label": f"{r['month']:%Y年%m月}", "total": r["total"],
                   "effective": r["effective"]} for r in rows]
    return {"total": totals["total"], "effective": totals["effective"], "group_by": group_by, "groups": groups}
