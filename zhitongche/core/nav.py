"""The navigation of the web shell, by role; a URL name that does not exist yet is left out."""

from typing import Any

from django.urls import NoReverseMatch, reverse

ALL = "*"
# (label, url name, roles that see it)
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("首页", "core:home", (ALL,)),
    ("部门与区划", "regions:departments", ("admin", "bureau", "leader", "department")),
    ("审计日志", "core:audit", ("admin",)),
]


def nav_for(user: Any) -> list[dict[str, str]]:
    """The menu entries this user may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    role = "admin" if user.is_superuser else user.role
    items = []
    for label, name, roles in NAV:
        if ALL in roles or role in roles:
            try:
                items.append({"label": label, "url": reverse(name), "name": name})
            except NoReverseMatch:
                continue
    return items
