"""Reads of divisions and departments."""

from typing import Any

from django.db.models import QuerySet

from zhitongche.accounts import scopes

from .models import Department, Division, Level


def division_list(*, parent: str | None = None, level: str | None = None) -> QuerySet[Division]:
    """Divisions, optionally the children of one parent and/or of one level."""
    qs = Division.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    if level:
        qs = qs.filter(level=level)
    return qs


def territory_choices() -> list[tuple[str, str]]:
    """(code, name) of the active counties and zones, for region pickers."""
    return list(Division.objects.filter(level__in=[Level.COUNTY, Level.ZONE], active=True)
                .order_by("code").values_list("code", "name"))


def department_list(*, user: Any) -> QuerySet[Department]:
    """Departments the user may see, with their regions."""
    return scopes.visible(user, Department.objects.select_related("region").filter(active=True))


def counts() -> dict[str, int]:
    """How many divisions of each level and how many departments exist, for the home page."""
    from django.db.models import Count

    by_level = dict(Division.objects.values_list("level").annotate(n=Count("code")).values_list("level", "n"))
    return {**by_level, "departments": Department.objects.filter(active=True).count()}
