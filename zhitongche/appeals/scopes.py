"""Who sees which appeals, and who may take each action (the `who` column of CONTRACT.md §5)."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, region_q, register_rule, register_scope, whole_city
from zhitongche.registry.models import Assignment, Enterprise

from .models import Appeal, AppealEvent, Attachment, Notification, Who


def assigned_enterprise_ids(user: Any) -> Any:
    """The ids of the enterprises a steward account is currently assigned to (a subquery)."""
    return (Assignment.objects.filter(steward__user=user).exclude(until__lt=timezone.localdate())
            .values("enterprise_id"))


def appeal_q(user: Any) -> Q:
    """Bureau, leader, clerk: their region; department: appeals it leads or assists; steward: its enterprises'
    and the ones it submitted; enterprise: its own."""
    if user.role in (Role.BUREAU, Role.LEADER, Role.CLERK):
        return region_q(user)
    if user.role == Role.DEPARTMENT:
        through = Appeal.co_departments.through.objects.filter(department_id=user.department_id)
        return Q(lead_department_id=user.department_id) | Q(pk__in=through.values("appeal_id"))
    if user.role == Role.STEWARD:
        return Q(enterprise_id__in=assigned_enterprise_ids(user)) | Q(submitted_by_id=user.pk)
    if user.role == Role.ENTERPRISE:
        return Q(enterprise_id=user.enterprise_id)
    return NOTHING


def sees_appeal(user: Any, appeal: Appeal) -> bool:
    """appeal_q for one loaded appeal, without compiling a query (the API detail's read path); a test checks
    that both agree for every role, in and out of region."""
    if user.role in (Role.BUREAU, Role.LEADER, Role.CLERK):
        return covers_region(user, appeal.region_id)
    if user.role == Role.DEPARTMENT:
        return appeal.lead_department_id == user.department_id or Appeal.co_departments.through.objects.filter(
            appeal_id=appeal.pk, department_id=user.department_id).exists()
    if user.role == Role.STEWARD:
        return appeal.submitted_by_id == user.pk or is_steward_of(user, appeal.enterprise_id)
    if user.role == Role.ENTERPRISE:
        return appeal.enterprise_id == user.enterprise_id
    return False


def covers_region(user: Any, region_id: str | None) -> bool:
    """True when the user's region is the whole city or is exactly `region_id`."""
    return user.region_id is not None and (whole_city(user) or user.region_id == region_id)


def is_steward_of(user: Any, enterprise_id: int) -> bool:
    """True when the user is a steward currently assigned to the enterprise."""
    return user.role == Role.STEWARD and assigned_enterprise_ids(user).filter(enterprise_id=enterprise_id).exists()


def may_submit_for(user: Any, enterprise: Enterprise) -> bool:
    """Enterprise users for their own enterprise, stewards for their assigned ones, bureau and clerk in region."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    if user.role == Role.STEWARD:
        return is_steward_of(user, enterprise.pk)
    if user.role in (Role.BUREAU, Role.CLERK):
        return covers_region(user, enterprise.region_id)
    return False


def _bureau(user: Any, appeal: Appeal) -> bool:
    return user.role == Role.BUREAU and covers_region(user, appeal.region_id)


def _lead_department(user: Any, appeal: Appeal) -> bool:
    return (user.role == Role.DEPARTMENT and appeal.lead_department_id is not None
            and user.department_id == appeal.lead_department_id)


def _steward_or_bureau(user: Any, appeal: Appeal) -> bool:
    return _bureau(user, appeal) or is_steward_of(user, appeal.enterprise_id)


def _enterprise_or_steward(user: Any, appeal: Appeal) -> bool:
    return ((user.role == Role.ENTERPRISE and user.enterprise_id == appeal.enterprise_id)
            or is_steward_of(user, appeal.enterprise_id))


WHO_RULES = {
    Who.BUREAU: _bureau,
    Who.LEAD_DEPARTMENT: _lead_department,
    Who.STEWARD_OR_BUREAU: _steward_or_bureau,
    Who.ENTERPRISE_OR_STEWARD: _enterprise_or_steward,
}


def register() -> None:
    """Register the appeal scopes and one rule per action of the transition table."""
    from .models import TRANSITIONS

    register_scope(Appeal, appeal_q)
    register_scope(AppealEvent, lambda user: Q(appeal__in=Appeal.objects.filter(appeal_q(user))))
    register_scope(Attachment, lambda user: Q(appeal__in=Appeal.objects.filter(appeal_q(user))))
    register_scope(Notification, lambda user: Q(recipient_id=user.pk))
    register_rule("appeal.submit", may_submit_for)
    register_rule("appeal.view", sees_appeal)
    for action, transition in TRANSITIONS.items():
        register_rule(f"appeal.{action}", WHO_RULES[Who(transition.who)])
    # Dispatch suggestions and the duplicate hint are the bureau's working tools.
    register_rule("appeal.suggestions", _bureau)
    register_rule("appeal.stats", lambda user, obj: user.role in (Role.BUREAU, Role.LEADER, Role.DEPARTMENT))
