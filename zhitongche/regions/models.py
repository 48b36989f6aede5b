"""Administrative divisions (city → county/zone → township → village) and the departments that serve them."""

from django.db import models

from zhitongche.registry.choices import Category


class Level(models.TextChoices):
    """The tier of a division; a development zone is a territory beside the counties."""

    CITY = "city", "市"
    COUNTY = "county", "区县"
    ZONE = "zone", "开发区"
    TOWNSHIP = "township", "乡镇街道"
    VILLAGE = "village", "村社区"


class Division(models.Model):
    """One administrative division, keyed by its statistical code; a township may be managed by a zone."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    zone = models.ForeignKey(
        "self", verbose_name="托管开发区", null=True, blank=True, on_delete=models.PROTECT,
        related_name="managed_townships", limit_choices_to={"level": Level.ZONE},
    )
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def territory(self) -> "Division | None":
        """The county or zone a township answers to: its zone if one manages it, else its county."""
        if self.level in (Level.COUNTY, Level.ZONE):
            return self
        if self.level == Level.TOWNSHIP:
            return self.zone or self.parent
        if self.level == Level.VILLAGE and self.parent:
            return self.parent.territory
        return None


class DepartmentKind(models.TextChoices):
    """城市部门, 区县政府/部门, 开发区管委会."""

    CITY = "city", "市直部门"
    DISTRICT = "district", "区县"
    ZONE = "zone", "开发区"


class Department(models.Model):
    """A city department, district government or zone committee, with what it is responsible for."""

    code = models.CharField("部门代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        Division, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments"
    )
    responsible_categories = models.JSONField(
        "负责上报的企业类别", default=list, blank=True,
        help_text="、".join(f"{c.value}={c.label}" for c in Category),
    )
    duties = models.TextField("职责", blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def responsible_labels(self) -> list[str]:
        """The categories it reports, in Chinese."""
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.responsible_categories or []]
