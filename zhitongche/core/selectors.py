"""Reads for the shell pages: home counts and the audit trail."""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.core import calendar
from zhitongche.core.errors import NotFound
from zhitongche.regions.selectors import counts as region_counts

from .models import AuditLog


def home_counts() -> dict[str, int]:
    """Real counts of divisions, departments and users."""
    counts = region_counts()
    counts["users"] = get_user_model().objects.filter(is_active=True).count()
    return counts


# The State Council publishes next year's holidays in November or December; deadlines a few weeks out
# need them, so admins and the bureau are reminded this long before the calendar runs out.
CALENDAR_WARNING_DAYS = 60


def calendar_warning(*, user: Any) -> dict[str, Any] | None:
    """For admins and bureau users: the calendar's last covered day when it is near (None otherwise)."""
    if user.role != Role.BUREAU and not scopes.is_admin(user):
        return None
    today = timezone.localdate()
    until = calendar.covered_until(today)
    if until is not None and (until - today).days > CALENDAR_WARNING_DAYS:
        return None
    return {"until": until, "next_year": (until or today).year + (1 if until else 0)}


def audit_list(*, user: Any, actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
               since: datetime.date | None = None, until: datetime.date | None = None) -> QuerySet[AuditLog]:
    """Audit rows matching the filters; only admins may read the trail (others: NotFound)."""
    if not scopes.may(user, "audit.read"):
        raise NotFound()
    qs = AuditLog.objects.select_related("actor")
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def audit_object_types() -> list[str]:
    """The object types that occur in the trail, for the filter drop-down."""
    return list(AuditLog.objects.order_by().values_list("object_type", flat=True).distinct())
