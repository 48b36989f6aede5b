"""Indicator systems (versioned trees), observations, scored results, DB2020 scenarios and improvement plans."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Framework(models.TextChoices):
    """Where an indicator system comes from."""

    NDRC = "ndrc", "国家发展改革委营商环境评价"
    BREADY = "bready", "世界银行 B-READY"
    LOCAL = "local", "本地考核"


class Direction(models.TextChoices):
    """Whether a larger observed value is better."""

    HIGHER = "higher", "越高越好"
    LOWER = "lower", "越低越好"


class DataSource(models.TextChoices):
    """How an indicator's observations arrive."""

    ENTERED = "entered", "页面录入"
    IMPORTED = "imported", "模板导入"
    COMPUTED = "computed", "平台数据计算"


class UnitGroup(models.TextChoices):
    """Who is ranked against whom: district governments and zones, or city departments."""

    DISTRICT = "district", "区县和开发区"
    DEPARTMENT = "department", "市直部门"


class IndicatorSystem(models.Model):
    """One version of an indicator system; frozen once results point at it, after which edits make a new version."""

    code = models.CharField("体系代码", max_length=32)
    name = models.CharField("名称", max_length=100)
    framework = models.CharField("来源", max_length=10, choices=Framework.choices, default=Framework.LOCAL)
    version = models.PositiveIntegerField("版本", default=1)
    frozen = models.BooleanField("已冻结（有考核结果）", default=False)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = "指标体系"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="assessment_system_code_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


class Indicator(models.Model):
    """A node of a system's tree; a leaf is scored from observations against its frontier and worst bound."""

    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系", on_delete=models.CASCADE,
                               related_name="indicators")
    parent = models.ForeignKey("self", verbose_name="上级指标", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    code = models.CharField("指标代码", max_length=32)
    name = models.CharField("名称", max_length=100)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    direction = models.CharField("方向", max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    best = models.FloatField("最优值（前沿）", null=True, blank=True)
    worst = models.FloatField("最差值", null=True, blank=True)
    target = models.FloatField("目标值", null=True, blank=True,
                               help_text="未填最优值时，以目标值为满分线")
    weight = models.FloatField("权重", default=1.0)
    source = models.CharField("数据来源", max_length=10, choices=DataSource.choices, default=DataSource.ENTERED)
    computed_key = models.CharField("计算函数", max_length=64, blank=True)
    department = models.ForeignKey("regions.Department", verbose_name="责任部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    local = models.BooleanField("本地指标", default=False)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["system", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="assessment_indicator_code"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="assessment_indicator_weight_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def frontier(self) -> float | None:
        """The value that scores 100: the best bound, or the target where no best bound is set."""
        return self.best if self.best is not None else self.target


class Observation(models.Model):
    """One measured value of an indicator for a unit and period; keyed by codes so it survives new versions."""

    system_code = models.CharField("体系代码", max_length=32)
    indicator_code = models.CharField("指标代码", max_length=32)
    unit = models.ForeignKey("regions.Department", verbose_name="被考核单位", on_delete=models.PROTECT,
                             related_name="+")
    period = models.CharField("考核期", max_length=10)
    value = models.FloatField("观测值")
    source = models.CharField("数据来源", max_length=10, choices=DataSource.choices, default=DataSource.ENTERED)
    source_note = models.CharField("来源说明", max_length=200, blank=True,
                                   help_text="如第三方评估机构名称和报告")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "观测值"
        verbose_name_plural = "观测值"
        ordering = ["system_code", "period", "unit", "indicator_code"]
        constraints = [models.UniqueConstraint(fields=["system_code", "indicator_code", "unit", "period"],
                                               name="assessment_observation_unique")]
        indexes = [models.Index(fields=["system_code", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.unit_id} {self.period} = {self.value:g}"


class Result(models.Model):
    """The score and rank of one unit for one period under one system version."""

    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系版本", on_delete=models.PROTECT,
                               related_name="results")
    unit = models.ForeignKey("regions.Department", verbose_name="被考核单位", on_delete=models.PROTECT,
                             related_name="+")
    group = models.CharField("排名组", max_length=10, choices=UnitGroup.choices)
    period = models.CharField("考核期", max_length=10)
    score = models.FloatField("得分")
    rank = models.PositiveIntegerField("名次")
    of = models.PositiveIntegerField("参评单位数")
    coverage = models.FloatField("有数据指标权重占比", default=1.0)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["period", "group", "rank", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["system", "unit", "period"], name="assessment_result_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period}：{self.score:.2f}（第 {self.rank} 名）"


class ResultItem(models.Model):
    """One indicator's value and score inside a result, with the observation it came from (leaves only)."""

    result = models.ForeignKey(Result, verbose_name="考核结果", on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    observation = models.ForeignKey(Observation, verbose_name="观测值", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    value = models.FloatField("计分时的观测值", null=True, blank=True)
    score = models.FloatField("得分", null=True, blank=True)
    effective_weight = models.FloatField("实际权重（同级重新归一）", default=0.0)

    class Meta:
        verbose_name = "结果明细"
        verbose_name_plural = "结果明细"
        ordering = ["result", "indicator__order", "indicator__code"]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"


class Db2020Scenario(models.Model):
    """A saved set of a city's raw DB2020 indicators (the baseline or a what-if) with its simulated result."""

    region = models.ForeignKey("regions.Division", verbose_name="城市/区域", on_delete=models.PROTECT,
                               related_name="+")
    period = models.CharField("期次", max_length=10)
    name = models.CharField("方案名称", max_length=100)
    baseline = models.BooleanField("基准数据", default=False)
    raw = models.JSONField("原始指标")
    result = models.JSONField("模拟结果")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保存人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "营商环境模拟方案"
        verbose_name_plural = "营商环境模拟方案"
        ordering = ["region", "-period", "-baseline", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "period", "name"], name="assessment_scenario_name")]

    def __str__(self) -> str:
        return f"{self.period} {self.name}"


class PlanStatus(models.TextChoices):
    """A plan version is drafted, then published; a later version supersedes it."""

    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已印发"
    SUPERSEDED = "superseded", "已被新版本替代"


class ImprovementPlan(models.Model):
    """优化提升方案: a numbered version (1.0, 2.0 …) of the actions a region takes on its weak topics."""

    region = models.ForeignKey("regions.Division", verbose_name="城市/区域", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("方案名称", max_length=200)
    major = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "优化提升方案"
        verbose_name_plural = "优化提升方案"
        ordering = ["region", "-major"]
        constraints = [models.UniqueConstraint(fields=["region", "major"], name="assessment_plan_version")]

    def __str__(self) -> str:
        return f"{self.title} {self.version}"

    @property
    def version(self) -> str:
        """The displayed version number, e.g. 2.0."""
        return f"{self.major}.0"


class ActionStatus(models.TextChoices):
    """State of one improvement action."""

    PLANNED = "planned", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    DROPPED = "dropped", "已取消"


ACTION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ActionStatus.PLANNED: (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED),
    ActionStatus.IN_PROGRESS: (ActionStatus.DONE, ActionStatus.DROPPED, ActionStatus.PLANNED),
    ActionStatus.DONE: (ActionStatus.IN_PROGRESS,),
    ActionStatus.DROPPED: (ActionStatus.PLANNED,),
}


class PlanAction(models.Model):
    """One action of a plan: for a weak DB2020 topic or indicator, an owner department, a deadline and a status."""

    plan = models.ForeignKey(ImprovementPlan, verbose_name="方案", on_delete=models.CASCADE, related_name="actions")
    topic = models.CharField("针对的专题或指标", max_length=64)
    title = models.CharField("举措", max_length=300)
    owner = models.ForeignKey("regions.Department", verbose_name="牵头部门", on_delete=models.PROTECT,
                              related_name="+")
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)

    class Meta:
        verbose_name = "提升举措"
        verbose_name_plural = "提升举措"
        ordering = ["plan", "deadline", "id"]

    def __str__(self) -> str:
        return self.title
