"""Fixtures shared by every app's tests: users of each role, API clients with tokens."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

PASSWORD = "Test-pass-2026"  # noqa: S105 — test accounts only


def restore_reference_data() -> None:
    """Reload what the data migrations put in every database (a transactional test's flush empties it)."""
    from django.db import connection

    from zhitongche.regions.loader import load_divisions
    from zhitongche.regions.models import Division

    # A skipped first test of a run leaves no test database behind, only the empty one it would have replaced.
    if Division._meta.db_table in connection.introspection.table_names() and not Division.objects.exists():
        load_divisions(Division)


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in fixtures \
        or "transactional_db" in fixtures


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test has flushed the database, put the migrated reference data back.

    Django's serialized rollback would do this, but it clashes with the content types that the flush's
    post_migrate signal recreates; reloading the reference data ourselves is simpler and cheap."""
    yield
    # With no next item the session's fixtures are gone, the test database with them: nothing to restore.
    if _transactional(item) and nextitem is not None:
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            restore_reference_data()
            # The restore may have opened a connection nothing else closes, which kept PostgreSQL from
            # dropping the test database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture(scope="session", autouse=True)
def _listener_closed(django_db_setup: Any) -> Any:
    """Close the process's listener (core/listen.py) before the test database is dropped: an open connection
    would keep PostgreSQL from dropping it."""
    yield
    from zhitongche.core import listen

    listen.reset()


@pytest.fixture(autouse=True)
def _calendar_clock(django_db_blocker: Any) -> Any:
    """Late in a year, before the next year's official arrangement exists, deadlines a few weeks ahead
    cannot be computed; then run each test on the same moved-back clock as the demo (core.demo)."""
    from django.utils import timezone

    from zhitongche.core.demo import clock_from, moved_clock_anchor

    with django_db_blocker.unblock():  # only for reading an entered calendar year, if any
        anchor = moved_clock_anchor(timezone.now())
    if anchor is None:
        yield
        return
    with clock_from(anchor):
        yield


@pytest.fixture
def departments(db: Any) -> None:
    """The seeded departments of the reference city."""
    from zhitongche.regions.demo import load

    load(scale="small")


@pytest.fixture
def make_user(db: Any, departments: None) -> Callable[..., Any]:
    """Create a user of a role with its scope, e.g. make_user("bureau", region="210302")."""
    from zhitongche.accounts.services import user_create

    counter = {"n": 0}

    def make(role: str, username: str | None = None, **scope: Any) -> Any:
        counter["n"] += 1
        defaults = {"bureau": {"region": "210300"}, "leader": {"region": "210300"}, "clerk": {"region": "210300"},
                    "department": {"department": "RSJ"}}.get(role, {})
        user, _ = user_create(actor="test", username=username or f"{role}{counter['n']}", role=role,
                              password=PASSWORD, **{**defaults, **scope})
        return user

    return make


class ApiClient:
    """A test client that sends a user's bearer token and JSON bodies."""

    def __init__(self, user: Any):
        from zhitongche.accounts.services import token_create

        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = token_create(actor="test", user=user)
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None, *, multipart: bool = False, **kwargs: Any) -> Any:
        if not multipart:
            kwargs.setdefault("content_type", "application/json")
        return self.client.post(path, data if data is not None else {}, headers=self.headers, **kwargs)


@pytest.fixture
def api(db: Any) -> Callable[[Any], ApiClient]:
    """`api(user)` → a client acting as that user through a fresh API token; `api(None)` is anonymous."""
    return ApiClient
