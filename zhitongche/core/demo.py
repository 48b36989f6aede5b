"""Demo data: each app contributes a loader, run in dependency order (`ztc demo`)."""

import contextlib
import datetime
import time
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from .calendar import SHANGHAI, is_known

# Apps' demo modules, each with `load(*, scale: str, progress) -> dict`, in the order they depend on.
LOADERS = [
    "zhitongche.regions.demo",
    "zhitongche.registry.demo",
    "zhitongche.accounts.demo",
    "zhitongche.appeals.demo",
    "zhitongche.interactions.demo",
    "zhitongche.assessment.demo",
    "zhitongche.licenses.demo",
    "zhitongche.catalog.demo",
]

DEMO_PASSWORD = "Ztc-demo-2026"  # noqa: S105 — printed for the demo; real deployments create their own users
LOGINS = [
    {"username": "admin", "role": "admin", "who": "平台管理员"},
    {"username": "bureau", "role": "bureau", "who": "市营商局（全市）"},
    {"username": "bureau_tiedong", "role": "bureau", "who": "铁东区营商局"},
    {"username": "dept_rsj", "role": "department", "who": "市人社局"},
    {"username": "dept_fgw", "role": "department", "who": "市发改委（重点项目上报）"},
    {"username": "dept_tiedong", "role": "department", "who": "铁东区人民政府（属地上报）"},
    {"username": "steward", "role": "steward", "who": "项目管家"},
    {"username": "enterprise", "role": "enterprise", "who": "企业联系人"},
    {"username": "leader", "role": "leader", "who": "市领导（只读）"},
    {"username": "clerk", "role": "clerk", "who": "综合窗口"},
    {"username": "overseer", "role": "overseer", "who": "特约监督员"},
]


def database_is_empty() -> bool:
    """True when no user exists yet (a fresh database)."""
    return not get_user_model().objects.exists()


# The furthest demo deadline (15 working days, an extension, holidays) lies within a month of its dispatch.
CALENDAR_HORIZON = datetime.timedelta(days=30)


def moved_clock_anchor(now: datetime.datetime) -> datetime.datetime | None:
    """None when the official calendar reaches CALENDAR_HORIZON ahead of `now`; otherwise the moment to run
    on instead: 1 September of the last fully covered year (late in a year, before the next year's
    arrangement is entered, deadlines a few weeks ahead would be refused rather than computed)."""
    horizon = (now + CALENDAR_HORIZON).date()
    if is_known(horizon):
        return None
    year = horizon.year - 1
    while year > 2005 and not is_known(datetime.date(year, 12, 31)):
        year -= 1
    return datetime.datetime(year, 9, 1, 10, 0, tzinfo=SHANGHAI)


@contextlib.contextmanager
def clock_from(anchor: datetime.datetime) -> Iterator[datetime.datetime]:
    """Run with `timezone.now()` starting at `anchor` and advancing in real time."""
    real_now = timezone.now
    started = real_now()
    with mock.patch("django.utils.timezone.now", lambda: anchor + (real_now() - started)):
        yield anchor


def load(*, scale: str = "small", progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every app's demo loader; each is idempotent, so loading twice adds nothing."""
    anchor = moved_clock_anchor(timezone.now())
    if anchor is None:
        return _load_all(scale=scale, progress=progress)
    if progress:
        progress(f"官方节假日安排尚未覆盖未来 {CALENDAR_HORIZON.days} 天，演示数据按 {anchor:%Y-%m-%d} 生成。")
    with clock_from(anchor):
        return _load_all(scale=scale, progress=progress)


def _load_all(*, scale: str, progress: Callable[[str], None] | None) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for module in LOADERS:
        started = time.monotonic()
        if progress:
            progress(f"载入 {module.split('.')[1]} …")
        summary[module.split(".")[1]] = import_module(module).load(scale=scale, progress=progress)
        if progress:
            progress(f"  完成（{time.monotonic() - started:.1f} 秒）")
    return summary


def logins_text() -> str:
    """The demo logins as a table for the terminal."""
    lines = [f"演示账户（密码均为 {DEMO_PASSWORD}）："]
    lines += [f"  {row['username']:<16} {row['who']}" for row in LOGINS]
    lines.append("打开 http://127.0.0.1:8000 登录。")
    return "\n".join(lines)
