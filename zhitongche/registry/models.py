"""Market entities, stewards, grids and the assignment of a responsible steward to each entity."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import Category, EnterpriseKind, EnterpriseStatus


class Grid(models.Model):
    """网格: a service area inside a township, served by some stewards."""

    code = models.CharField("网格编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    township = models.ForeignKey(
        "regions.Division", verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="grids"
    )
    stewards: "models.ManyToManyField[Steward, Any]" = models.ManyToManyField("Steward", verbose_name="网格管家", blank=True, related_name="grids")

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A market entity (企业, 个体工商户 …) identified by its 统一社会信用代码."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200)
    kind = models.CharField("市场主体类型", max_length=16, choices=EnterpriseKind.choices,
                            default=EnterpriseKind.COMPANY)
    legal_rep = models.CharField("法定代表人", max_length=64, blank=True)
    # Categories are flags, not a list, so that each is an indexable column on both engines;
    # an entity with none of them is category `other`.
    is_key_project = models.BooleanField(Category.KEY_PROJECT.label, default=False)
    is_above_scale_industrial = models.BooleanField(Category.ABOVE_SCALE_INDUSTRIAL.label, default=False)
    is_above_limit_trade = models.BooleanField(Category.ABOVE_LIMIT_TRADE.label, default=False)
    status = models.CharField("经营状态", max_length=16, choices=EnterpriseStatus.choices,
                              default=EnterpriseStatus.OPERATING)
    region = models.ForeignKey(  # indexed by (region, status) below
        "regions.Division", verbose_name="所属区县/开发区", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    township = models.ForeignKey(
        "regions.Division", verbose_name="乡镇(街道)", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    industry = models.CharField("国民经济行业代码", max_length=8, blank=True)
    contact = models.CharField("联系人", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    grid = models.ForeignKey(Grid, verbose_name="网格", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="enterprises")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"
        ordering = ["id"]
        # Declared here rather than with db_index=True, which on PostgreSQL adds a second `_like` index to every
        # text column; nothing filters these by prefix, and each index slows the 194,000-row import (uscc keeps
        # its `_like` index: the registry list searches by USCC prefix).
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["name"], name="registry_enterprise_name"),
            models.Index(fields=["status"], name="registry_enterprise_status"),
            models.Index(fields=["township"], name="registry_enterprise_township"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def categories(self) -> list[str]:
        """The category values of this entity, `other` when no flag is set."""
        return categories_of(self.is_key_project, self.is_above_scale_industrial, self.is_above_limit_trade)

    @property
    def category_labels(self) -> str:
        """The categories as the pages show them, e.g. 重点项目、规上工业."""
        return "、".join(str(Category(c).label) for c in self.categories)


CATEGORY_FIELDS = {
    Category.KEY_PROJECT: "is_key_project",
    Category.ABOVE_SCALE_INDUSTRIAL: "is_above_scale_industrial",
    Category.ABOVE_LIMIT_TRADE: "is_above_limit_trade",
}


def categories_of(*flags: bool) -> list[str]:
    """The category values of the three flags in CATEGORY_FIELDS order, `other` when none is set."""
    return [c.value for c, on in zip(CATEGORY_FIELDS, flags, strict=True) if on] or [Category.OTHER.value]


def category_q(category: str, prefix: str = "") -> Q:
    """The filter for entities of one category (`other` = none of the three flags)."""
    if category == Category.OTHER:
        return Q(**{f"{prefix}{f}": False for f in CATEGORY_FIELDS.values()})
    return Q(**{f"{prefix}{CATEGORY_FIELDS[Category(category)]}": True})


class Steward(models.Model):
    """项目管家: a government officer responsible for some enterprises; the mobile number is unique."""

    name = models.CharField("姓名", max_length=64)
    phone = models.CharField("手机号", max_length=11, unique=True)
    department = models.ForeignKey(
        "regions.Department", verbose_name="所属单位", on_delete=models.PROTECT, related_name="stewards"
    )
    title = models.CharField("职务", max_length=64, blank=True)
    region = models.ForeignKey(
        "regions.Division", verbose_name="所属区县", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("在岗", default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="steward",
    )

    class Meta:
        verbose_name = "项目管家"
        verbose_name_plural = "项目管家"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AssignmentRole(models.TextChoices):
    """主责管家 or 备岗管家."""

    PRIMARY = "primary", "主责"
    BACKUP = "backup", "备岗"


class Assignment(models.Model):
    """A steward's responsibility for an enterprise over a period; at most one active primary per entity."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="assignments")
    steward = models.ForeignKey(Steward, verbose_name="管家", on_delete=models.PROTECT, related_name="assignments",
                                db_index=False)  # indexed by (steward, until) below
    role = models.CharField("角色", max_length=8, choices=AssignmentRole.choices, default=AssignmentRole.PRIMARY)
    since = models.DateField("起始日期")
    until = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "管家分配"
        verbose_name_plural = "管家分配"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(role="primary", until__isnull=True),
                name="one_active_primary_steward",
            ),
        ]
        indexes = [models.Index(fields=["steward", "until"])]

    def __str__(self) -> str:
        return f"{self.enterprise} ← {self.steward} ({self.get_role_display()})"


class CoverageCell(models.Model):
    """Operating entities and those with an active primary steward, per region × township × grid × category
    flags: a summary rebuilt by the services that write in bulk and adjusted by single assignments, so that
    the coverage figures never scan the whole registry."""

    region = models.ForeignKey("regions.Division", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    township = models.ForeignKey("regions.Division", null=True, on_delete=models.CASCADE, related_name="+",
                                 db_constraint=False)
    grid = models.ForeignKey(Grid, null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    is_key_project = models.BooleanField(default=False)
    is_above_scale_industrial = models.BooleanField(default=False)
    is_above_limit_trade = models.BooleanField(default=False)
    operating = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "覆盖率汇总"
        verbose_name_plural = "覆盖率汇总"

    def __str__(self) -> str:
        return f"{self.region_id}/{self.township_id}/{self.grid_id}: {self.covered}/{self.operating}"
