"""Who sees and changes indicator systems, observations, results, DB2020 scenarios and improvement plans.

Admins edit systems; a bureau officer enters observations, computes results, saves scenarios and plans in their
region (a city-level officer: everywhere); a department sees its own observations, results and plan actions;
leaders read their region; everyone else sees nothing here (the DB2020 simulation API is open to any account).
"""

from typing import Any

from django.db.models import Q

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, region_q, register_rule, register_scope, whole_city

from .models import (
    Db2020Scenario,
    ImprovementPlan,
    Indicator,
    IndicatorSystem,
    Observation,
    PlanAction,
    Result,
    ResultItem,
)

READERS = (Role.BUREAU, Role.LEADER, Role.DEPARTMENT)


def _reference_q(user: Any) -> Q:
    """Indicator systems are reference data for the roles that take part in assessment."""
    return Q() if user.role in READERS else NOTHING


def unit_q(user: Any, field: str = "unit") -> Q:
    """Rows about a unit: bureau and leader by the unit's region, a department only its own."""
    if user.role in (Role.BUREAU, Role.LEADER):
        return region_q(user, f"{field}__region")
    if user.role == Role.DEPARTMENT:
        return Q(**{f"{field}_id": user.department_id})
    return NOTHING


def _region_rows_q(user: Any, field: str = "region") -> Q:
    """Bureau and leader see the rows of their region (all for the city level)."""
    if user.role in (Role.BUREAU, Role.LEADER):
        return region_q(user, field)
    return NOTHING


def plan_q(user: Any) -> Q:
    """Plans of the region; a department sees the plans in which it owns an action."""
    if user.role == Role.DEPARTMENT:
        return Q(pk__in=PlanAction.objects.filter(owner_id=user.department_id).values("plan_id"))
    return _region_rows_q(user)


def action_q(user: Any) -> Q:
    """Actions of the region's plans; a department its own actions."""
    if user.role == Role.DEPARTMENT:
        return Q(owner_id=user.department_id)
    return _region_rows_q(user, "plan__region")


def in_region(user: Any, region_id: str | None) -> bool:
    """A bureau officer's region covers `region_id` (a city-level officer covers every region)."""
    if user.role != Role.BUREAU or user.region_id is None:
        return False
    return whole_city(user) or region_id == user.region_id


def may_enter_observation(user: Any, unit: Any) -> bool:
    """Bureau officers enter observations for units of their region."""
    return unit is not None and in_region(user, unit.region_id)


def may_change_action(user: Any, action: Any) -> bool:
    """The bureau of the plan's region, or the owning department, moves an action's status."""
    if action is None:
        return False
    if user.role == Role.DEPARTMENT:
        return bool(action.owner_id == user.department_id)
    return in_region(user, action.plan.region_id)


def register() -> None:
    """Register the assessment scopes and action rules."""
    register_scope(IndicatorSystem, _reference_q)
    register_scope(Indicator, _reference_q)
    register_scope(Observation, unit_q)
    register_scope(Result, unit_q)
    register_scope(ResultItem, lambda user: unit_q(user, "result__unit"))
    register_scope(Db2020Scenario, _region_rows_q)
    register_scope(ImprovementPlan, plan_q)
    register_scope(PlanAction, action_q)
    register_rule("assessment.system.change", lambda user, obj: False)
    register_rule("assessment.observation.enter", may_enter_observation)
    register_rule("assessment.compute", lambda user, obj: user.role == Role.BUREAU and whole_city(user))
    register_rule("assessment.scenario.save", lambda user, region: in_region(user, getattr(region, "pk", None)))
    register_rule("assessment.plan.change", lambda user, region: in_region(user, getattr(region, "pk", None)))
    register_rule("assessment.action.status", may_change_action)
