"""The one place that answers "may this user see / do this on that object".

Every app registers, for each of its models, a function returning the Q that limits the model's rows to
what a user may see (`register_scope`), and for each action a predicate (`register_rule`). Selectors call
`visible()` / `get_visible()`, services call `require()`; nothing else decides access.
A user outside an object's scope gets NotFound (404), never Forbidden, so existence is not leaked.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q

from zhitongche.core.errors import Forbidden, NotFound

from .models import ApiToken, Role, User

M = TypeVar("M", bound=models.Model)
NOTHING = Q(pk__in=[])

_scopes: dict[str, Callable[[Any], Q]] = {}
_rules: dict[str, Callable[[Any, Any], bool]] = {}


def register_scope(model: type[models.Model], scope: Callable[[Any], Q]) -> None:
    """Declare which rows of `model` a user may see."""
    _scopes[model._meta.label_lower] = scope


def register_rule(action: str, rule: Callable[[Any, Any], bool]) -> None:
    """Declare who may take `action` (e.g. "department.add") on an object (or None)."""
    _rules[action] = rule


def scope_q(user: Any, model: type[models.Model]) -> Q:
    """The filter limiting `model` to what `user` may see; nothing for anonymous users, all for admins."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if is_admin(user):
        return Q()
    scope = _scopes.get(model._meta.label_lower)
    if scope is None:
        raise LookupError(f"no scope registered for {model._meta.label_lower}")
    return scope(user)


def visible(user: Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """`queryset` limited to the rows `user` may see."""
    return queryset.filter(scope_q(user, queryset.model))


def get_visible(user: Any, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """One visible row, or NotFound whether it is absent or out of scope."""
    try:
        return visible(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may take `action` on `obj`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_admin(user):
        return True
    rule = _rules.get(action)
    return bool(rule and rule(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise Forbidden unless `user` may take `action` on `obj`."""
    if not may(user, action, obj):
        raise Forbidden()


def is_admin(user: User) -> bool:
    """Platform operators (and Django superusers) see and do everything."""
    return bool(user.is_superuser or user.role == Role.ADMIN)


def whole_city(user: User) -> bool:
    """True when the user's region is the whole city (or the role is city-wide by nature)."""
    return user.region is not None and user.region.level == "city"


def region_q(user: User, field: str = "region") -> Q:
    """Rows whose `field` (a county or zone) lies in the user's region; all rows for a city-level user."""
    if user.region_id is None:
        return NOTHING
    if whole_city(user):
        return Q()
    return Q(**{f"{field}_id": user.region_id})


def register() -> None:
    """Users see their own account and tokens; admins see all (handled in scope_q)."""
    register_scope(User, lambda user: Q(pk=user.pk))
    register_scope(ApiToken, lambda user: Q(user_id=user.pk))
