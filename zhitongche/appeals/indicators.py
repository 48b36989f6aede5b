"""The appeals module's computed assessment indicator: satisfaction rate per unit and period."""

from typing import Any

from django.db.models import Count

from zhitongche.assessment.periods import period_end, period_start

from .models import Appeal
from .selectors import AppealFilters, apply_filters, figure_q


def satisfaction_rate(unit: Any, period: str) -> float | None:
    """CONTRACT §5 satisfaction rate (%) of the appeals submitted in the period: those a city department led,
    or those of a district's or zone's enterprises; None when none was rated (no data, never zero)."""
    by_territory = unit.kind in ("district", "zone")
    filters = AppealFilters(date_from=period_start(period), date_to=period_end(period),
                            region=unit.region_id if by_territory else "", department="" if by_territory else unit.code)
    row = apply_filters(Appeal.objects.all(), filters).order_by().aggregate(
        rated=Count("id", filter=figure_q("rated")), satisfied=Count("id", filter=figure_q("satisfied")))
    if not row["rated"]:
        return None
    return round(100.0 * row["satisfied"] / row["rated"], 4)
