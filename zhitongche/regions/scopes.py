"""Who sees and manages divisions and departments."""

from django.db.models import Q

from zhitongche.accounts.scopes import register_rule, register_scope

from .models import Department, Division


def register() -> None:
    """Divisions and departments are public reference data inside the platform; only admins change them."""
    register_scope(Division, lambda user: Q())
    register_scope(Department, lambda user: Q())
    register_rule("department.change", lambda user, obj: False)
