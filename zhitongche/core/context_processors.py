"""Values every page of the shell needs: the menu and the display mode."""

from typing import Any

from django.http import HttpRequest

from .nav import nav_for

LARGE_TYPE_COOKIE = "ztc_large_type"


def large_type_on(request: HttpRequest) -> bool:
    """The 适老化 mode: the user's saved preference, or a cookie for visitors without an account."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(user.large_type)
    return request.COOKIES.get(LARGE_TYPE_COOKIE) == "1"


def shell(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the user and whether large type is on."""
    return {"nav_items": nav_for(getattr(request, "user", None)), "large_type": large_type_on(request)}
