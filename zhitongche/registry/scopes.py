"""Who sees which market entities, stewards and grids."""

from django.db.models import Q
from django.utils import timezone

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, may, region_q, register_rule, register_scope

from .models import Assignment, CoverageCell, Enterprise, Grid, Steward, category_q


def enterprise_q(user) -> Q:  # type: ignore[no-untyped-def]
    """Bureau, leader, clerk: their region; departments: their reporting responsibility; steward: assigned;
    enterprise: itself."""
    if user.role in (Role.BUREAU, Role.LEADER, Role.CLERK):
        return region_q(user)
    if user.role == Role.DEPARTMENT:
        dept = user.department
        if dept.kind in ("district", "zone"):
            return Q(region_id=dept.region_id)
        q = NOTHING
        for category in dept.responsible_categories or []:
            q |= category_q(category)
        return q
    if user.role == Role.STEWARD:
        today = timezone.localdate()
        return Q(pk__in=Assignment.objects.filter(steward__user=user).exclude(until__lt=today)
                 .values("enterprise_id"))
    if user.role == Role.ENTERPRISE:
        return Q(pk=user.enterprise_id)
    return NOTHING


def steward_q(user) -> Q:  # type: ignore[no-untyped-def]
    """Stewards of the user's region (bureau, leader), of their department, or the steward themself."""
    if user.role in (Role.BUREAU, Role.LEADER):
        return region_q(user)
    if user.role == Role.DEPARTMENT:
        return Q(department_id=user.department_id)
    if user.role == Role.STEWARD:
        return Q(user_id=user.pk)
    return NOTHING


def grid_q(user) -> Q:  # type: ignore[no-untyped-def]
    """Grids of the townships in the user's territory (a township belongs to its zone or its county)."""
    if user.role not in (Role.BUREAU, Role.LEADER) or user.region_id is None:
        return NOTHING
    if user.region.level == "city":
        return Q()
    return Q(township__zone_id=user.region_id) | Q(township__zone__isnull=True, township__parent_id=user.region_id)


def coverage_q(user) -> Q:  # type: ignore[no-untyped-def]
    """Summary cells of the entities the user sees by territory or responsibility (stewards and enterprises
    see no figures)."""
    if user.role in (Role.BUREAU, Role.LEADER, Role.CLERK):
        return region_q(user)
    if user.role == Role.DEPARTMENT:
        return enterprise_q(user)
    return NOTHING


def register() -> None:
    """Register the registry's scopes."""
    register_scope(Enterprise, enterprise_q)
    register_scope(Steward, steward_q)
    register_scope(Grid, grid_q)
    register_scope(CoverageCell, coverage_q)
    # Who assigns stewards: bureau officers and department officers, to the entities they see, choosing
    # among the stewards they see.
    register_rule("enterprise.assign", lambda user, obj: user.role in (Role.BUREAU, Role.DEPARTMENT))
    register_rule("steward.assign", lambda user, steward: user.role in (Role.BUREAU, Role.DEPARTMENT)
                  and Steward.objects.filter(steward_q(user), pk=steward.pk).exists())
    register_scope(Assignment, lambda user: Q(enterprise__in=Enterprise.objects.filter(enterprise_q(user))))
    # The coverage page, and 信息填报情况 (every reporting department's imports) for the same people: roles whose
    # scope is a territory or a department (a steward's or an enterprise's holds no territory).
    register_rule("registry.coverage", lambda user, obj: user.role in (Role.BUREAU, Role.LEADER, Role.CLERK,
                                                                       Role.DEPARTMENT))
    register_rule("registry.progress", lambda user, obj: may(user, "registry.coverage"))
