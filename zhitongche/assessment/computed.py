"""Indicators computed from the platform's own records: a registry of `fn(unit, period) -> value | None`.

An app adds its indicators from its AppConfig.ready(), for example the appeals module:

    from zhitongche.assessment.computed import register_computed
    register_computed("appeal_satisfaction", satisfaction_rate, "诉求满意率（%）")

where `satisfaction_rate(unit: Department, period: str) -> float | None` returns the CONTRACT §5 satisfaction
rate of the appeals led by `unit` in the period, or None when the unit had no rated appeal (None is "no data",
never zero). An indicator whose `source` is `computed` and whose `computed_key` names a registered function
gets its observations from that function each time results are computed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from .periods import period_end

ComputeFn = Callable[[Any, str], float | None]


@dataclass(frozen=True)
class Computed:
    """A registered computed indicator."""

    key: str
    label: str
    fn: ComputeFn


_registry: dict[str, Computed] = {}


def register_computed(key: str, fn: ComputeFn, label: str = "") -> None:
    """Make `fn(unit, period)` the source of indicators whose computed_key is `key`."""
    _registry[key] = Computed(key=key, label=label or key, fn=fn)


def registered() -> dict[str, Computed]:
    """The registered computed indicators by key."""
    return dict(_registry)


def compute(key: str, unit: Any, period: str) -> float | None:
    """The value of a computed indicator for a unit and period; None when unknown or not registered."""
    entry = _registry.get(key)
    return None if entry is None else entry.fn(unit, period)


def registry_coverage(unit: Any, period: str) -> float | None:
    """Share (%) of a district's operating enterprises with a primary steward on the period's last day."""
    from zhitongche.registry.choices import EnterpriseStatus
    from zhitongche.registry.models import Assignment, AssignmentRole, Enterprise

    if unit.kind not in ("district", "zone"):
        return None
    end = period_end(period)
    operating = Enterprise.objects.filter(region_id=unit.region_id, status=EnterpriseStatus.OPERATING)
    total = operating.count()
    if total == 0:
        return None
    covered = Assignment.objects.filter(
        Q(until__isnull=True) | Q(until__gt=end), enterprise__in=operating, role=AssignmentRole.PRIMARY,
        since__lte=end,
    ).values("enterprise_id").distinct().count()
    return round(100.0 * covered / total, 4)


def register_builtin() -> None:
    """The computed indicators this app ships."""
    register_computed("registry_coverage", registry_coverage, "管家覆盖率（%）")
