"""Demo data: each app contributes a loader, run in dependency order (`ztc demo`)."""

import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.contrib.auth import get_user_model

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


def load(*, scale: str = "small", progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every app's demo loader; each is idempotent, so loading twice adds nothing."""
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
