"""Service items, guides at four levels, bundled scenarios, the colloquial synonym table and the search index."""

from django.db import models


class TaskType(models.TextChoices):
    """The kind of government power or service an item is (国家政务服务事项基本目录 convention)."""

    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    LEVY = "levy", "行政征收"
    PAYMENT = "payment", "行政给付"
    INSPECTION = "inspection", "行政检查"
    CONFIRMATION = "confirmation", "行政确认"
    REWARD = "reward", "行政奖励"
    ADJUDICATION = "adjudication", "行政裁决"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


# The numeric `task_type` of the public item lists (data/SOURCES.md).
TASK_TYPE_CODES = {
    "1": TaskType.LICENSING, "2": TaskType.PENALTY, "3": TaskType.COERCION, "4": TaskType.LEVY,
    "5": TaskType.PAYMENT, "6": TaskType.INSPECTION, "7": TaskType.CONFIRMATION, "8": TaskType.REWARD,
    "9": TaskType.ADJUDICATION, "10": TaskType.OTHER_POWER, "20": TaskType.PUBLIC_SERVICE,
}


class ServiceItem(models.Model):
    """One government service item (政务服务事项) with its guide fields; `item_code` is the implementation code."""

    item_code = models.CharField("实施编码", max_length=64, unique=True)
    name = models.CharField("事项名称", max_length=200)
    main_item = models.CharField("主项名称", max_length=200, blank=True)
    department = models.ForeignKey("regions.Department", verbose_name="实施部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="service_items")
    department_name = models.CharField("实施部门名称", max_length=100,
                                       help_text="导入时的部门名称；能对应到本市部门时同时关联部门")
    dept_code = models.CharField("部门编码", max_length=32, blank=True)
    task_type = models.CharField("事项类型", max_length=16, choices=TaskType.choices, db_index=True)
    area_code = models.CharField("行政区划代码", max_length=12, blank=True)
    guide_url = models.URLField("办事指南链接", max_length=500, blank=True)
    materials = models.JSONField("申请材料", default=list, blank=True)
    steps = models.JSONField("办理流程", default=list, blank=True)
    legal_limit_days = models.PositiveSmallIntegerField("法定办结时限（工作日）", null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    fee = models.CharField("收费标准", max_length=200, blank=True)
    legal_basis = models.TextField("设定依据", blank=True)
    trips = models.PositiveSmallIntegerField("到现场次数", null=True, blank=True)
    channels = models.JSONField("办理渠道", default=list, blank=True)
    in_hall = models.BooleanField("进驻政务服务大厅", default=True)
    metro_area = models.BooleanField("沈阳都市圈通办", default=False, db_index=True)
    cross_province = models.BooleanField("跨省通办", default=False, db_index=True)
    province_city = models.BooleanField("省市联办", default=False, db_index=True)
    mobile = models.BooleanField("掌上办", default=False)
    high_frequency = models.BooleanField("高频事项", default=False, db_index=True)
    active = models.BooleanField("有效", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class GuideLevel(models.TextChoices):
    """Where a guide was written: city, county/zone, township/street, village/community."""

    CITY = "city", "市级"
    DISTRICT = "district", "区县级"
    TOWNSHIP = "township", "乡镇（街道）级"
    VILLAGE = "village", "村（社区）级"


# Which division levels a guide of each level may belong to.
GUIDE_DIVISION_LEVELS = {
    GuideLevel.CITY: ("city",),
    GuideLevel.DISTRICT: ("county", "zone"),
    GuideLevel.TOWNSHIP: ("township",),
    GuideLevel.VILLAGE: ("village",),
}


class Guide(models.Model):
    """A 办事不找关系指南: what to bring, where to go and whom to call, published by an organisation of a division."""

    code = models.CharField("指南编号", max_length=64, unique=True)
    title = models.CharField("指南名称", max_length=200)
    level = models.CharField("层级", max_length=10, choices=GuideLevel.choices, db_index=True)
    organisation = models.CharField("发布单位", max_length=100)
    division = models.ForeignKey("regions.Division", verbose_name="所属区划", on_delete=models.PROTECT,
                                 related_name="guides")
    applies_to = models.TextField("适用对象", blank=True)
    conditions = models.TextField("办理条件", blank=True)
    materials = models.JSONField("申请材料", default=list, blank=True)
    process = models.JSONField("办理流程", default=list, blank=True)
    time_limit = models.CharField("办理时限", max_length=100, blank=True)
    fee = models.CharField("收费标准", max_length=200, blank=True)
    location = models.CharField("办理地点", max_length=200, blank=True)
    hours = models.CharField("办公时间", max_length=100, blank=True)
    phone = models.CharField("咨询电话", max_length=50, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=50, blank=True)
    items = models.ManyToManyField(ServiceItem, verbose_name="关联事项", blank=True, related_name="guides")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "办事指南"
        verbose_name_plural = "办事指南"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Scenario(models.Model):
    """一件事一次办: items done together; its savings are computed from the items (see scenarios.py), never stored."""

    code = models.SlugField("场景编号", max_length=64, unique=True)
    title = models.CharField("场景名称", max_length=100)
    description = models.TextField("说明", blank=True)
    department = models.ForeignKey("regions.Department", verbose_name="牵头部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="scenarios")
    items = models.ManyToManyField(ServiceItem, verbose_name="包含事项", through="ScenarioItem",
                                   related_name="scenarios")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "一件事一次办场景"
        verbose_name_plural = "一件事一次办场景"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ScenarioItem(models.Model):
    """One item of a scenario, in the order a person would otherwise do them."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="scenario_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["scenario", "item"], name="catalog_scenario_item_once")]

    def __str__(self) -> str:
        return f"{self.scenario_id}:{self.item_id}"


class SearchSynonym(models.Model):
    """An everyday expression and the formal term of item names it stands for; editing it makes the index stale."""

    colloquial = models.CharField("口语说法", max_length=50)
    formal = models.CharField("规范用语", max_length=50)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "搜索同义词"
        verbose_name_plural = "搜索同义词"
        ordering = ["colloquial", "formal"]
        constraints = [models.UniqueConstraint(fields=["colloquial", "formal"], name="catalog_synonym_unique")]

    def __str__(self) -> str:
        return f"{self.colloquial} → {self.formal}"


class SearchState(models.Model):
    """The one row saying which synonym table version the processes and the index use, and whether it is stale."""

    synonyms_version = models.PositiveIntegerField("同义词版本", default=1)
    indexed_version = models.PositiveIntegerField("索引所用同义词版本", default=0)
    doc_count = models.PositiveIntegerField("索引文档数", default=0)
    reindexed_at = models.DateTimeField("最近重建", null=True, blank=True)

    class Meta:
        verbose_name = "搜索索引状态"
        verbose_name_plural = "搜索索引状态"

    def __str__(self) -> str:
        return f"同义词 v{self.synonyms_version} / 索引 v{self.indexed_version}"

    @property
    def stale(self) -> bool:
        """True when the synonym table changed after the index was built."""
        return self.indexed_version != self.synonyms_version


class DocKind(models.TextChoices):
    """What a search document stands for."""

    ITEM = "item", "事项"
    GUIDE = "guide", "指南"
    SCENARIO = "scenario", "一件事"


class SearchDoc(models.Model):
    """One row of the search index: the tokens of an item, guide or scenario and the fields search filters on.

    SQLite mirrors title_terms/body_terms into the FTS5 tables `catalog_searchfts` (items, scenarios) and
    `catalog_guidefts` (guides) by triggers; PostgreSQL adds a
    generated weighted tsvector column `search_vector` with a GIN index (both in migration 0002).
    """

    kind = models.CharField(max_length=10, choices=DocKind.choices)
    object_id = models.BigIntegerField()
    code = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    department = models.CharField(max_length=100, blank=True)
    department_ref = models.BigIntegerField(null=True, blank=True)  # regions.Department id, for the filter
    task_type = models.CharField(max_length=16, blank=True)
    level = models.CharField(max_length=10, blank=True)
    metro_area = models.BooleanField(default=False)
    cross_province = models.BooleanField(default=False)
    province_city = models.BooleanField(default=False)
    follow_up = models.BooleanField(default=False)
    title_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="catalog_searchdoc_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class SearchTerm(models.Model):
    """How many documents hold each term: which query words are distinctive, and (PostgreSQL) the IDF ts_rank lacks."""

    term = models.CharField(max_length=100, primary_key=True)
    ndoc = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.term
