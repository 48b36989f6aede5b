"""Reads of import jobs."""

from typing import Any

from django.db.models import QuerySet

from zhitongche.accounts import scopes

from .models import ImportJob


def job_get(*, user: Any, job_id: int) -> ImportJob:
    """One job the user may see, or NotFound."""
    return scopes.get_visible(user, ImportJob.objects.select_related("user", "department"), pk=job_id)


def job_list(*, user: Any, kind: str | None = None) -> QuerySet[ImportJob]:
    """The jobs the user may see, newest first."""
    qs = scopes.visible(user, ImportJob.objects.select_related("user", "department")).defer("errors")
    return qs.filter(kind=kind) if kind else qs
