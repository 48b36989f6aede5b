"""Who sees which licences and who may issue, change, renew and revoke them."""

from typing import Any

from django.db.models import Q

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, region_q, register_rule, register_scope
from zhitongche.registry.scopes import enterprise_q

from .models import License, LicenseType, LicenseUse


def license_q(user: Any) -> Q:
    """Department: what it issued; enterprise: its own; bureau, leader, clerk: holders in their region;
    steward: licences of the enterprises assigned to them."""
    if user.role == Role.DEPARTMENT:
        return Q(license_type__department_id=user.department_id)
    if user.role == Role.ENTERPRISE:
        return Q(holder_id=user.enterprise_id)
    if user.role in (Role.BUREAU, Role.LEADER, Role.CLERK):
        return region_q(user, "holder__region")
    if user.role == Role.STEWARD:
        return Q(holder_id__in=_enterprise_ids(user))
    return NOTHING


def _enterprise_ids(user: Any) -> Any:
    from zhitongche.registry.models import Enterprise

    return Enterprise.objects.filter(enterprise_q(user)).values("pk")


def issuing_department(user: Any, license_type: Any) -> bool:
    """True for a user of the department that issues licences of this type."""
    return (user.role == Role.DEPARTMENT and license_type is not None
            and user.department_id == license_type.department_id)


def register() -> None:
    """Register scopes and rules of the licence app."""
    # Licence types are reference data inside the platform.
    register_scope(LicenseType, lambda user: Q())
    register_scope(License, license_q)
    # The usage log: the user's own uses; departments also see uses of what they issued.
    register_scope(LicenseUse, lambda user: Q(user_id=user.pk) | (
        Q(license__license_type__department_id=user.department_id) if user.role == Role.DEPARTMENT else NOTHING))
    register_rule("license.issue", issuing_department)
    for action in ("change", "renew", "revoke"):
        register_rule(f"license.{action}",
                      lambda user, obj: obj is not None and issuing_department(user, obj.license_type))
    register_rule("license_type.manage", lambda user, obj: False)
    register_rule("license_type.list", lambda user, obj: user.role == Role.DEPARTMENT)
