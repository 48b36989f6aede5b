"""Reads of licence types, licences and the usage log, each taking the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.core.errors import NotFound

from . import identifiers
from .models import License, LicenseStatus, LicenseType, LicenseUse, StatusList


def license_type_list(*, user: Any) -> QuerySet[LicenseType]:
    """Licence types with their department and how many licences of each are active."""
    return scopes.visible(user, LicenseType.objects.select_related("department")).annotate(
        active_count=Count("licenses", filter=Q(licenses__status=LicenseStatus.ACTIVE)))


def issuable_types(*, user: Any) -> QuerySet[LicenseType]:
    """The active types whose issuing department is the user's."""
    if getattr(user, "role", None) != "department":
        return LicenseType.objects.none()
    return LicenseType.objects.select_related("department").filter(department_id=user.department_id, active=True)


def _base() -> QuerySet[License]:
    return License.objects.select_related("license_type__department", "holder", "previous", "next_version")


def license_list(*, user: Any, q: str = "", type_code: str = "", status: str = "",
                 holder: str = "") -> QuerySet[License]:
    """Licences the user may see, filtered; `status` may be `expired` (derived from valid_until)."""
    qs = scopes.visible(user, _base())
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(identifier__icontains=q) | Q(holder_name__icontains=q) | Q(holder__uscc=q.upper()))
    if type_code:
        qs = qs.filter(license_type__code=type_code)
    if holder:
        qs = qs.filter(holder__uscc=holder.strip().upper())
    now = timezone.now()
    if status == LicenseStatus.EXPIRED:
        qs = qs.filter(status=LicenseStatus.ACTIVE, valid_until__lte=now)
    elif status == LicenseStatus.ACTIVE:
        qs = qs.filter(status=LicenseStatus.ACTIVE).exclude(valid_until__lte=now)
    elif status in LicenseStatus.values:
        qs = qs.filter(status=status)
    return qs


def license_get(*, user: Any, identifier: Any, for_update: bool = False) -> License:
    """One visible licence by identifier (typed forms accepted); NotFound when absent or out of scope.
    `for_update` locks its row for the caller's transaction."""
    canonical = identifiers.normalize_identifier(str(identifier or ""))
    if not identifiers.is_valid_identifier(canonical):
        raise NotFound("证照编号无效或证照不存在", code="not_found")
    return scopes.get_visible(user, _base().select_for_update(of=("self",)) if for_update else _base(),
                              identifier=canonical)


def license_versions(lic: License) -> list[License]:
    """The whole version chain of a licence, oldest first (one query: a change or renewal keeps holder and type)."""
    candidates = {v.pk: v for v in License.objects.filter(holder_id=lic.holder_id, license_type_id=lic.license_type_id)}
    candidates[lic.pk] = lic
    following = {v.previous_id: v for v in candidates.values() if v.previous_id is not None}
    chain = [lic]
    current = lic
    while current.previous_id in candidates:
        current = candidates[current.previous_id]
        chain.insert(0, current)
    current = lic
    while current.pk in following:
        current = following[current.pk]
        chain.append(current)
    return chain


def public_license(identifier: Any) -> License | None:
    """What the public verification page shows of a licence (anyone, no scope); None when unknown."""
    canonical = identifiers.normalize_identifier(str(identifier or ""))
    if not identifiers.is_valid_identifier(canonical):
        return None
    return (License.objects.select_related("license_type__department", "holder", "next_version")
            .filter(identifier=canonical).first())


def status_list_get(list_id: int) -> StatusList:
    """A status list by id (public)."""
    status_list = StatusList.objects.filter(pk=list_id).first()
    if status_list is None:
        raise NotFound("状态列表不存在")
    return status_list


def use_list(*, user: Any, identifier: str = "") -> QuerySet[LicenseUse]:
    """调用记录 the user may see, newest first."""
    qs = scopes.visible(user, LicenseUse.objects.select_related("user", "license"))
    if identifier:
        qs = qs.filter(identifier=identifier)
    return qs


def license_counts(*, user: Any) -> dict[str, int]:
    """Visible licences by effective status, for the list page's summary."""
    now = timezone.now()
    qs = scopes.visible(user, License.objects.all())
    return qs.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=LicenseStatus.ACTIVE) & (Q(valid_until__isnull=True) | Q(valid_until__gt=now))),
        expired=Count("id", filter=Q(status=LicenseStatus.ACTIVE, valid_until__lte=now)),
        revoked=Count("id", filter=Q(status=LicenseStatus.REVOKED)),
        superseded=Count("id", filter=Q(status=LicenseStatus.SUPERSEDED)),
    )
