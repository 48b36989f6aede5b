"""The catalogue's template kinds `service_items` (CONTRACT.md §4) and `guides`, through the imports framework."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from zhitongche.accounts.models import Role
from zhitongche.imports.bulk import insert_rows, update_rows
from zhitongche.imports.kinds import KEEP, Column, ImportKind, RowError, register_kind
from zhitongche.regions.models import Department, Division

from . import index
from .models import TASK_TYPE_CODES, Guide, GuideLevel, ServiceItem, TaskType

UNCLASSIFIED = "未分类"  # the public lists' placeholder for "no parent item"
CHUNK = 500
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无"}
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、．)）:：]\s*")
_SPLIT_CODES = re.compile(r"[\s、,，;；]+")


def lines(text: str) -> list[str]:
    """One entry per non-empty line, without leading numbering such as "1、" or "(2)"."""
    out = []
    for line in (text or "").replace("\r", "\n").split("\n"):
        line = _NUMBERING.sub("", line.strip()).strip()
        if line:
            out.append(line[:300])
    return out


def parse_bool(text: str) -> bool | None:
    """是/否, yes/no, 1/0 …; None when the text is neither."""
    folded = text.strip().lower()
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return None


def task_type_of(text: str) -> str | None:
    """A task type from its numeric code (1, 20 …), Chinese label (行政许可) or English value."""
    text = text.strip()
    if text in TASK_TYPE_CODES:
        return TASK_TYPE_CODES[text].value
    labels = {t.label: t.value for t in TaskType} | {t.value: t.value for t in TaskType}
    return labels.get(text)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def department_lookup() -> dict[str, tuple[int, str]]:
    """Department code, full name and name without 鞍山市 → (id, name), for linking items to departments."""
    lookup: dict[str, tuple[int, str]] = {}
    for pk, code, name in Department.objects.filter(active=True).values_list("id", "code", "name"):
        for key in (code.upper(), name, name.removeprefix("鞍山市")):
            lookup.setdefault(key, (pk, name))
    return lookup


def _is_admin(user: Any) -> bool:
    return user is None or user.is_superuser or user.role == Role.ADMIN


# --- service_items ---------------------------------------------------------------------------------

ITEM_FIELDS = ("name", "main_item", "department_id", "department_name", "dept_code", "task_type", "area_code",
               "guide_url", "materials", "steps", "legal_limit_days", "promised_days", "fee", "legal_basis", "trips",
               "channels", "in_hall", "metro_area", "cross_province", "province_city", "mobile", "high_frequency")
JSON_FIELDS = {"materials", "steps", "channels"}
FLAG_COLUMNS = {"in_hall": "进驻政务服务大厅", "metro_area": "沈阳都市圈通办", "cross_province": "跨省通办",
                "province_city": "省市联办", "mobile": "掌上办", "high_frequency": "高频事项"}
NEW_ITEM: dict[str, Any] = {"main_item": "", "dept_code": "", "area_code": "", "guide_url": "", "materials": [], "steps": [],
            "legal_limit_days": None, "promised_days": None, "fee": "", "legal_basis": "", "trips": None,
            "channels": [], "in_hall": True, "metro_area": False, "cross_province": False, "province_city": False,
            "mobile": False, "high_frequency": False}


@dataclasses.dataclass
class ItemContext:
    """Lookups for one service-item import, and the items it touched (for the search index)."""

    user: Any
    departments: dict[str, tuple[int, str]]
    existing: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    touched: list[str] = dataclasses.field(default_factory=list)


class ServiceItemImport(ImportKind):
    """政务服务事项清单: the public item-list columns plus the optional guide fields."""

    title = "政务服务事项清单"
    unique_key = "item_code"
    columns = (
        Column("department", "实施部门", required=True, max_length=100, width=22,
               help="部门名称或部门代码；能对应到本市部门时自动关联"),
        Column("main_item", "主项名称", width=28),
        Column("item_name", "事项名称", required=True, width=36),
        Column("item_code", "实施编码", required=True, max_length=64, width=40),
        Column("task_type", "事项类型", required=True, type="choice", choices=tuple(TaskType.labels),
               help="行政许可、公共服务……，或清单中的数字代码（1、20……）"),
        Column("area_code", "行政区划代码", max_length=12),
        Column("dept_code", "部门编码", max_length=32),
        Column("guide_url", "办事指南链接", max_length=500, width=30),
        Column("materials", "申请材料", max_length=10000, width=40, help="每行一项"),
        Column("steps", "办理流程", max_length=5000, width=30, help="每行一步"),
        Column("legal_limit_days", "法定办结时限", type="int", help="工作日"),
        Column("promised_days", "承诺办结时限", type="int", help="工作日"),
        Column("fee", "收费标准", max_length=200),
        Column("legal_basis", "设定依据", max_length=10000, width=30),
        Column("trips", "到现场次数", type="int"),
        Column("channels", "办理渠道", max_length=200, help="每行一种，如：窗口办理、网上办理、掌上办理"),
        *(Column(key, header, type="choice", choices=("是", "否")) for key, header in FLAG_COLUMNS.items()),
    )
    instructions = (
        "第一行是表头，可用中文表头或英文列名（department、main_item、item_name、item_code、task_type、area_code、"
        "dept_code、guide_url、materials、steps、legal_limit_days、promised_days、fee、legal_basis、trips）。",
        "实施编码唯一：已有的编码会更新该事项；同一文件内重复的编码只保留第一次出现的行。",
        "事项类型可填中文名称或清单中的数字代码：1 行政许可、5 行政给付、7 行政确认、8 行政奖励、9 行政裁决、"
        "10 其他行政权力、20 公共服务。",
        "申请材料、办理流程每行一项；时限填工作日数；未填写的可选列保持原值。",
        "部门用户只能导入本部门的事项；平台管理员可导入全部。",
    )

    def may_import(self, user: Any) -> bool:
        """Department officers (their own department's items) and admins."""
        return _is_admin(user) or (user.role == Role.DEPARTMENT and user.department_id is not None)

    def prepare(self, user: Any) -> ItemContext:
        """Departments, and the items already stored."""
        ctx = ItemContext(user, department_lookup())
        for row in ServiceItem.objects.values_list("item_code", "id", *ITEM_FIELDS).iterator(chunk_size=2000):
            ctx.existing[row[0]] = row[1:]
        return ctx

    def validate(self, ctx: ItemContext, row: int, v: dict[str, Any]) -> tuple[Any, list[RowError]]:
        """Type, URL, flags, days, and that the department is the importing officer's own."""
        errors: list[RowError] = []
        task_type = task_type_of(v["task_type"])
        if task_type is None:
            errors.append(RowError(row, "事项类型", "invalid_value", f"未知的事项类型：{v['task_type']}"))
        url = v.get("guide_url") or ""
        if url and not re.match(r"^https?://\S+$", url):
            errors.append(RowError(row, "办事指南链接", "invalid_value", "办事指南链接须以 http:// 或 https:// 开头"))
        for key in ("legal_limit_days", "promised_days", "trips"):
            value = v.get(key)
            if isinstance(value, int) and not 0 <= value <= 3650:
                header = next(c.header for c in self.columns if c.key == key)
                errors.append(RowError(row, header, "invalid_value", f"“{header}”应在 0 到 3650 之间"))
        flags: dict[str, Any] = {}
        for key, header in FLAG_COLUMNS.items():
            text = v.get(key)
            if text is None or text == "":
                flags[key] = KEEP
                continue
            flag = parse_bool(text)
            if flag is None:
                errors.append(RowError(row, header, "invalid_value", f"“{header}”应填“是”或“否”：{text}"))
            flags[key] = flag
        dept = ctx.departments.get(v["department"]) or ctx.departments.get(v["department"].upper())
        user = ctx.user
        if not errors and not _is_admin(user) and (dept is None or dept[0] != user.department_id):
            errors.append(RowError(row, "实施部门", "not_responsible", "只能导入本部门的事项"))
        if errors:
            return None, errors
        main_item = v.get("main_item", "")
        values: dict[str, Any] = {
            "name": v["item_name"], "main_item": "" if main_item == UNCLASSIFIED else main_item,
            "department_id": dept[0] if dept else None, "department_name": dept[1] if dept else v["department"],
            "dept_code": v.get("dept_code", KEEP), "task_type": task_type, "area_code": v.get("area_code", KEEP),
            "guide_url": v.get("guide_url", KEEP),
            "materials": KEEP if "materials" not in v else lines(v["materials"]),
            "steps": KEEP if "steps" not in v else lines(v["steps"]),
            "legal_limit_days": v.get("legal_limit_days", KEEP), "promised_days": v.get("promised_days", KEEP),
            "fee": v.get("fee", KEEP), "legal_basis": v.get("legal_basis", KEEP), "trips": v.get("trips", KEEP),
            "channels": KEEP if "channels" not in v else lines(v["channels"].replace("、", "\n")), **flags,
        }
        for key in ("legal_limit_days", "promised_days", "trips"):
            if values[key] == "":
                values[key] = None
        return (v["item_code"], tuple(values[f] for f in ITEM_FIELDS)), []

    def write(self, ctx: ItemContext, records: list[Any], actor: Any, dry_run: bool) -> tuple[int, int]:
        """Insert new items and update changed ones; unchanged rows are left alone."""
        now = timezone.now()
        inserts, updates = [], []
        for code, values in records:
            old = ctx.existing.get(code)
            if old is None:
                new = tuple(NEW_ITEM[f] if value is KEEP else value for f, value in zip(ITEM_FIELDS, values, strict=True))
                inserts.append((code, *self._db(new), True, now))
                ctx.touched.append(code)
                continue
            new = tuple(old[i + 1] if value is KEEP else value for i, value in enumerate(values))
            if new != tuple(old[1:]):
                updates.append((old[0], *self._db(new), now))
                ctx.touched.append(code)
        if not dry_run:
            table = ServiceItem._meta.db_table
            insert_rows(table, ("item_code", *ITEM_FIELDS, "active", "updated_at"), inserts)
            update_rows(table, "id", (*ITEM_FIELDS, "updated_at"), updates)
        return len(inserts), len(updates)

    @staticmethod
    def _db(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(json.dumps(v, ensure_ascii=False) if f in JSON_FIELDS else v
                     for f, v in zip(ITEM_FIELDS, values, strict=True))

    def finish(self, ctx: ItemContext) -> None:
        """Reindex the items the import created or changed (and the scenarios holding them)."""
        ids: list[int] = []
        for chunk in _chunks(ctx.touched):
            ids.extend(ServiceItem.objects.filter(item_code__in=chunk).values_list("id", flat=True))
        index.update_after_write(items=ids)

    def sample_rows(self) -> list[list[str]]:
        """An example row."""
        return [["鞍山市市场监督管理局", "", "食品经营许可（新办）", "210300-SCJ-0001", "行政许可", "210300000000",
                 "SCJ", "", "食品经营许可申请书\n营业执照\n法定代表人身份证明", "申请\n受理\n审查\n决定", "20", "10",
                 "不收费", "《中华人民共和国食品安全法》第三十五条", "0", "窗口办理、网上办理", "是", "否", "否", "否",
                 "是", "是"]]


# --- guides ------------------------------------------------------------------------------------------

GUIDE_FIELDS = ("title", "level", "organisation", "division_id", "applies_to", "conditions", "materials", "process",
                "time_limit", "fee", "location", "hours", "phone", "complaint_phone")
GUIDE_JSON = {"materials", "process"}
LEVEL_WORDS = {
    GuideLevel.CITY: ("市级", "市", "city"),
    GuideLevel.DISTRICT: ("区县级", "区县", "区级", "县级", "开发区", "district"),
    GuideLevel.TOWNSHIP: ("乡镇（街道）级", "乡镇(街道)级", "乡镇级", "街道级", "乡镇", "街道", "township"),
    GuideLevel.VILLAGE: ("村（社区）级", "村(社区)级", "村级", "社区级", "村", "社区", "village"),
}
DIVISION_LEVELS = {"city": GuideLevel.CITY, "county": GuideLevel.DISTRICT, "zone": GuideLevel.DISTRICT,
                   "township": GuideLevel.TOWNSHIP, "village": GuideLevel.VILLAGE}


def guide_level_of(text: str) -> str | None:
    """A guide level from its Chinese name or key."""
    text = text.strip().lower()
    for level, words in LEVEL_WORDS.items():
        if text in words:
            return level.value
    return None


@dataclasses.dataclass
class GuideContext:
    """Lookups for one guide import."""

    user: Any
    divisions: dict[str, tuple[Any, Any, Any]]  # code → (level, parent, zone)
    items: dict[str, int]
    existing: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    links: dict[int, tuple[int, ...]] = dataclasses.field(default_factory=dict)
    touched: list[str] = dataclasses.field(default_factory=list)

    def territory(self, code: str) -> str | None:
        """The county or zone a division answers to (None for the city)."""
        level, parent, zone = self.divisions[code]
        if level in ("county", "zone"):
            return code
        if level == "township":
            return zone or parent
        if level == "village" and parent:
            return self.territory(parent)
        return None


class GuideImport(ImportKind):
    """办事不找关系指南: one guide per row, at city, district, township or village level."""

    title = "办事指南"
    unique_key = "code"
    columns = (
        Column("code", "指南编号", required=True, max_length=64, width=24),
        Column("title", "指南名称", required=True, width=36),
        Column("level", "层级", required=True, type="choice", choices=tuple(GuideLevel.labels)),
        Column("organisation", "发布单位", required=True, max_length=100, width=28),
        Column("division", "所属区划代码", required=True, type="choice", max_length=12, width=16,
               help="市 6 位、区县 6 位、乡镇街道 9 位、村社区 12 位"),
        Column("items", "关联事项编码", max_length=5000, width=40, help="多个用换行或“、”分隔"),
        Column("applies_to", "适用对象", max_length=2000),
        Column("conditions", "办理条件", max_length=5000),
        Column("materials", "申请材料", max_length=10000, width=40, help="每行一项"),
        Column("process", "办理流程", max_length=5000, width=30, help="每行一步"),
        Column("time_limit", "办理时限", max_length=100),
        Column("fee", "收费标准", max_length=200),
        Column("location", "办理地点", max_length=200, width=30),
        Column("hours", "办公时间", max_length=100),
        Column("phone", "咨询电话", max_length=50),
        Column("complaint_phone", "监督投诉电话", max_length=50),
    )
    instructions = (
        "第一行是表头，请勿修改；从第二行起每行填写一份办事指南。指南编号唯一：已有编号会更新该指南。",
        "层级为 市级、区县级、乡镇（街道）级 或 村（社区）级，须与所属区划代码的层级一致。",
        "关联事项编码填写政务服务事项的实施编码，多个用换行或“、”分隔。",
        "申请材料、办理流程每行一项；未填写的可选列保持原值。",
        "市直部门可导入全市的指南，区县政府和开发区管委会只能导入本辖区的指南。",
    )

    def may_import(self, user: Any) -> bool:
        """Department officers (their territory's guides) and admins."""
        return _is_admin(user) or (user.role == Role.DEPARTMENT and user.department_id is not None)

    def prepare(self, user: Any) -> GuideContext:
        """Divisions, item codes and the guides already stored with their items."""
        divisions = {c: (lv, p, z) for c, lv, p, z in Division.objects.filter(active=True).values_list(
            "code", "level", "parent_id", "zone_id")}
        items = dict(ServiceItem.objects.values_list("item_code", "id"))
        ctx = GuideContext(user, divisions, items)
        for row in Guide.objects.values_list("code", "id", *GUIDE_FIELDS).iterator(chunk_size=2000):
            ctx.existing[row[0]] = row[1:]
        links: dict[int, list[int]] = {}
        for guide_id, item_id in Guide.items.through.objects.values_list("guide_id", "serviceitem_id").iterator(
                chunk_size=5000):
            links.setdefault(guide_id, []).append(item_id)
        ctx.links = {k: tuple(sorted(v)) for k, v in links.items()}
        return ctx

    def _division(self, ctx: GuideContext, code: str) -> str | None:
        code = code.strip()
        if code in ctx.divisions:
            return code
        for cut in (9, 6):  # 12-digit forms padded with zeros
            if len(code) == 12 and code[cut:] == "0" * (12 - cut) and code[:cut] in ctx.divisions:
                return code[:cut]
        return None

    def validate(self, ctx: GuideContext, row: int, v: dict[str, Any]) -> tuple[Any, list[RowError]]:
        """Level, division (of that level, in the importer's territory) and the linked item codes."""
        errors: list[RowError] = []
        level = guide_level_of(v["level"])
        if level is None:
            errors.append(RowError(row, "层级", "invalid_value", f"未知的层级：{v['level']}"))
        division = self._division(ctx, v["division"])
        if division is None:
            errors.append(RowError(row, "所属区划代码", "unknown_region", f"区划代码 {v['division']} 不是本市的区划"))
        elif level and DIVISION_LEVELS.get(ctx.divisions[division][0]) != level:
            errors.append(RowError(row, "所属区划代码", "invalid_value", "区划的层级与指南层级不一致"))
        item_ids: list[int] = []
        unknown = []
        for code in _SPLIT_CODES.split(v.get("items") or ""):
            if code:
                if code in ctx.items:
                    item_ids.append(ctx.items[code])
                else:
                    unknown.append(code)
        if unknown:
            errors.append(RowError(row, "关联事项编码", "unknown_item", f"事项编码不存在：{'、'.join(unknown[:5])}"))
        user = ctx.user
        if not errors and division and not _is_admin(user):
            dept = user.department
            if dept.kind != "city" and ctx.territory(division) != dept.region_id:
                errors.append(RowError(row, "所属区划代码", "outside_region", "只能导入本辖区的办事指南"))
        if errors:
            return None, errors
        values = {
            "title": v["title"], "level": level, "organisation": v["organisation"], "division_id": division,
            **{k: v.get(k, KEEP) for k in ("applies_to", "conditions", "time_limit", "fee", "location", "hours",
                                           "phone", "complaint_phone")},
            "materials": KEEP if "materials" not in v else lines(v["materials"]),
            "process": KEEP if "process" not in v else lines(v["process"]),
        }
        items: Any = KEEP if "items" not in v else tuple(sorted(set(item_ids)))
        return (v["code"], tuple(values[f] for f in GUIDE_FIELDS), items), []

    def write(self, ctx: GuideContext, records: list[Any], actor: Any, dry_run: bool) -> tuple[int, int]:
        """Insert new guides, update changed ones and replace their item links."""
        now = timezone.now()
        inserts, updates, new_links, relink = [], [], [], []
        blank = {"applies_to": "", "conditions": "", "materials": [], "process": [], "time_limit": "", "fee": "",
                 "location": "", "hours": "", "phone": "", "complaint_phone": ""}
        for code, values, items in records:
            old = ctx.existing.get(code)
            if old is None:
                new = tuple(blank[f] if value is KEEP else value for f, value in zip(GUIDE_FIELDS, values, strict=True))
                inserts.append((code, *self._db(new), now))
                new_links.append((code, () if items is KEEP else items))
                ctx.touched.append(code)
                continue
            new = tuple(old[i + 1] if value is KEEP else value for i, value in enumerate(values))
            links_changed = items is not KEEP and items != ctx.links.get(old[0], ())
            if new != tuple(old[1:]) or links_changed:
                updates.append((old[0], *self._db(new), now))
                if links_changed:
                    relink.append((old[0], items))
                ctx.touched.append(code)
        if not dry_run:
            table = Guide._meta.db_table
            insert_rows(table, ("code", *GUIDE_FIELDS, "updated_at"), inserts)
            update_rows(table, "id", (*GUIDE_FIELDS, "updated_at"), updates)
            through = Guide.items.through._meta.db_table
            ids: dict[str, int] = {}
            for chunk in _chunks([code for code, _ in new_links]):
                ids.update(Guide.objects.filter(code__in=chunk).values_list("code", "id"))
            pairs = [(ids[code], item) for code, items in new_links for item in items]
            with connection.cursor() as cursor:
                for chunk in _chunks([guide_id for guide_id, _ in relink]):
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM {through} WHERE guide_id IN ({marks})", list(chunk))  # noqa: S608
            pairs += [(guide_id, item) for guide_id, items in relink for item in items]
            insert_rows(through, ("guide_id", "serviceitem_id"), pairs)
        return len(inserts), len(updates)

    @staticmethod
    def _db(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(json.dumps(v, ensure_ascii=False) if f in GUIDE_JSON else v
                     for f, v in zip(GUIDE_FIELDS, values, strict=True))

    def finish(self, ctx: GuideContext) -> None:
        """Reindex the guides the import created or changed."""
        ids: list[int] = []
        for chunk in _chunks(ctx.touched):
            ids.extend(Guide.objects.filter(code__in=chunk).values_list("id", flat=True))
        index.update_after_write(guides=ids)

    def dropdowns(self) -> dict[str, dict[str, str]]:
        """Levels, and the codes of the city, counties, zones and townships (villages are too many) with names."""
        return {**super().dropdowns(),
                "division": dict(Division.objects.filter(active=True, level__in=["city", "county", "zone", "township"])
                                 .exclude(code__endswith="01", level="county").values_list("code", "name"))}

    def sample_rows(self) -> list[list[str]]:
        """An example row."""
        return [["ZN-210302-0001", "个体工商户设立登记办事指南", "区县级", "鞍山市铁东区人民政府", "210302", "",
                 "辖区内申请设立个体工商户的经营者", "有固定经营场所", "个体工商户登记申请书\n经营者身份证明\n经营场所使用证明",
                 "申请\n受理\n核准\n领照", "当场办结", "不收费", "铁东区政务服务中心一楼", "周一至周五 8:30-17:00",
                 "0412-0000000", "12345"]]


def register() -> None:
    """Publish the catalogue's kinds."""
    register_kind("service_items", ServiceItemImport())
    register_kind("guides", GuideImport())
