"""Users with one role and the scope fields that role needs; API tokens stored only as hashes."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    """The roles of DESIGN.md; `public` needs no account."""

    ADMIN = "admin", "平台管理员"
    BUREAU = "bureau", "营商局"
    DEPARTMENT = "department", "职能部门"
    STEWARD = "steward", "项目管家"
    ENTERPRISE = "enterprise", "企业"
    OVERSEER = "overseer", "特约监督员"
    LEADER = "leader", "市领导"
    CLERK = "clerk", "综合窗口"


# Which scope field each role must have; enforced by database constraints below.
ROLE_NEEDS = {
    Role.DEPARTMENT: "department",
    Role.ENTERPRISE: "enterprise",
    Role.BUREAU: "region",
    Role.LEADER: "region",
    Role.CLERK: "region",
}

# Written by logins, read only by them (the token lookup leaves them deferred; see migration 0004).
LOGIN_BOOKKEEPING = ("last_login", "failed_logins", "locked_until")


class User(AbstractUser):
    """A platform account: one role, and the department, region or enterprise that bounds what it sees."""

    role = models.CharField("角色", max_length=16, choices=Role.choices, db_index=True)
    display_name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    department = models.ForeignKey(
        "regions.Department", verbose_name="所属部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    region = models.ForeignKey(
        "regions.Division", verbose_name="管辖区域", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", verbose_name="所属企业", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    large_type = models.BooleanField("大字号高对比度模式", default=False)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=role) | Q(**{f"{field}__isnull": False}),
                name=f"user_{role}_has_{field}",
            )
            for role, field in ROLE_NEEDS.items()
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        """The role's Chinese name."""
        return Role(self.role).label if self.role else ""


class ApiToken(models.Model):
    """A bearer token: only its SHA-256 is stored; shown once at creation; revocable."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=12)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
