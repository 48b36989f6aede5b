"""Who sees which import jobs, and who may import at all."""

from django.db.models import Q

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import NOTHING, register_rule, register_scope

from .models import ImportJob


def job_q(user) -> Q:  # type: ignore[no-untyped-def]
    """A user sees their own jobs; a department officer also those of their department."""
    q = Q(user_id=user.pk)
    if user.role == Role.DEPARTMENT and user.department_id:
        q |= Q(department_id=user.department_id)
    return q if user.pk else NOTHING


def may_import(user, kind: str | None) -> bool:  # type: ignore[no-untyped-def]
    """Each kind decides who may import it (row-level responsibility is the kind's too); no kind: any kind."""
    from .kinds import _kinds

    if kind is None:
        return any(handler.may_import(user) for handler in _kinds.values())
    handler = _kinds.get(kind)
    return bool(handler and handler.may_import(user))


def register() -> None:
    """Imports: admins import anything (scopes.may); other users what each kind allows."""
    register_scope(ImportJob, job_q)
    register_rule("import.create", may_import)
