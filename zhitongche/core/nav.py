"""The navigation of the web shell, by role."""

from typing import Any

from django.urls import reverse

from zhitongche.accounts import scopes

ALL = "*"
# (label, url name, roles that see it — or the name of the permission rule the page itself checks, so that the
# menu and the page cannot disagree)
NAV: list[tuple[str, str, tuple[str, ...] | str]] = [
    ("首页", "core:home", (ALL,)),
    ("诉求池", "appeals:pool", ("admin", "bureau")),
    ("超期督办", "appeals:overdue", ("admin", "bureau")),
    ("待办诉求", "appeals:inbox", ("department",)),
    ("我的诉求", "appeals:mine", ("enterprise", "steward")),
    ("提交诉求", "appeals:submit", ("enterprise", "steward", "bureau", "clerk")),
    ("诉求查询", "appeals:list", ("admin", "bureau", "leader", "clerk", "department")),
    ("诉求统计", "appeals:stats", ("admin", "bureau", "leader", "department")),
    ("有效互动", "interactions:stats", ("admin", "bureau", "leader", "steward")),
    ("记录互动", "interactions:record", ("steward",)),
    ("通知", "appeals:notifications", (ALL,)),
    ("部门与区划", "regions:departments", ("admin", "bureau", "leader", "department")),
    ("指标体系", "assessment:index", ("admin", "bureau", "leader", "department")),
    ("考核排名", "assessment:results", ("admin", "bureau", "leader", "department")),
    ("营商环境模拟", "assessment:db2020", ("admin", "bureau", "leader")),
    ("提升方案", "assessment:plans", ("admin", "bureau", "leader", "department")),
    ("市场主体", "registry:enterprises", ("admin", "bureau", "leader", "department", "steward")),
    ("项目管家", "registry:stewards", ("admin", "bureau", "leader", "department")),
    ("管家覆盖率", "registry:coverage", "registry.coverage"),
    ("模板导入", "imports:index", ("admin", "department")),
    ("电子证照", "licenses:list", ("admin", "bureau", "leader", "department", "steward", "clerk")),
    ("我的证照", "licenses:mine", ("enterprise",)),
    ("证照类型", "licenses:types", ("admin", "department")),
    ("证照核验", "licenses_public:lookup", (ALL,)),
    ("办事指南", "catalog:search", (ALL,)),
    ("搜索同义词", "catalog:synonyms", ("admin",)),
    ("审计日志", "core:audit", ("admin",)),
]


def nav_for(user: Any) -> list[dict[str, str]]:
    """The menu entries this user may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    role = "admin" if user.is_superuser else user.role
    return [{"label": label, "url": reverse(name), "name": name} for label, name, roles in NAV
            if (scopes.may(user, roles) if isinstance(roles, str) else ALL in roles or role in roles)]
