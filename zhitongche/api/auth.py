"""API authentication: `Authorization: Bearer <token>`, or the web session (with CSRF) for htmx pages."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from zhitongche.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """A platform API token; the user it belongs to becomes `request.auth`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """The token's active user, or None (→ 401)."""
        return token_authenticate(token)


class ActiveSession(SessionAuth):
    """A logged-in browser session; CSRF is checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """The session's user if active."""
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [BearerToken(), ActiveSession()]


def acting_user(request: HttpRequest) -> Any:
    """The user an API call acts as (None for anonymous calls to public endpoints)."""
    auth = getattr(request, "auth", None)
    if auth is not None:
        return auth
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def optional_user(request: HttpRequest) -> Any:
    """The caller of a public (auth=None) endpoint when it sent a valid token or has a session, else None."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return token_authenticate(header[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.is_active else None
