"""The registry's template kinds `enterprises` and `stewards` (CONTRACT.md §4)."""

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from zhitongche.accounts.models import Role
from zhitongche.accounts.scopes import is_admin
from zhitongche.imports.bulk import ANALYZE_AFTER, analyze, insert_rows, insert_rows_with_ids, update_rows
from zhitongche.imports.kinds import KEEP, Column, ImportKind, RowError, register_kind
from zhitongche.regions.models import Department, Division, Level

from .choices import Category, EnterpriseKind, EnterpriseStatus
from .models import Assignment, AssignmentRole, Enterprise, Steward, categories_of
from .validators import clean_industry, clean_phone, clean_uscc

CHUNK = 2000
CATEGORY_SEPARATORS = ("、", ",", "，", ";", "；", "/", " ")
ENTERPRISE_FIELDS = ("name", "kind", "legal_rep", "is_key_project", "is_above_scale_industrial",
                     "is_above_limit_trade", "status", "region_id", "township_id", "industry", "contact", "phone")
NEW_DEFAULTS = {"kind": EnterpriseKind.COMPANY.value, "legal_rep": "", "is_key_project": False,
                "is_above_scale_industrial": False, "is_above_limit_trade": False,
                "status": EnterpriseStatus.OPERATING.value, "township_id": None, "industry": "", "contact": "",
                "phone": ""}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _labels(choices: Any) -> dict[str, str]:
    """Chinese label or English value → value."""
    return {**{c.label: c.value for c in choices}, **{c.value: c.value for c in choices}}


KIND_VALUES = _labels(EnterpriseKind)
STATUS_VALUES = _labels(EnterpriseStatus)
CATEGORY_VALUES = _labels(Category)
KIND_HELP = "/".join(EnterpriseKind.labels)
STATUS_HELP = "/".join(EnterpriseStatus.labels)
CATEGORY_HELP = "/".join(Category.labels)
OTHER = Category.OTHER.value
KEY_PROJECT = Category.KEY_PROJECT.value
ABOVE_SCALE = Category.ABOVE_SCALE_INDUSTRIAL.value
ABOVE_LIMIT = Category.ABOVE_LIMIT_TRADE.value
ONLY_OTHER = frozenset({OTHER})


@dataclasses.dataclass
class Responsibility:
    """Which rows the importing user may report: everything, some categories city-wide, or one territory."""

    everything: bool = False
    categories: frozenset[str] = frozenset()
    region: str | None = None

    def allows(self, categories: Iterable[str], region: str | None) -> bool:
        """True when a row of these categories in this region is the user's to report."""
        if self.everything:
            return True
        cats = set(categories)
        if self.region is not None:
            return region == self.region and cats <= ONLY_OTHER
        return bool(cats & self.categories)


def responsibility_of(user: Any) -> Responsibility:
    """The contract's responsibility rule for a user (admins: everything; other roles: nothing)."""
    if user is None or is_admin(user):
        return Responsibility(everything=True)
    dept = user.department if user.role == Role.DEPARTMENT else None
    if dept is None:
        return Responsibility()
    if dept.kind in ("district", "zone"):
        return Responsibility(region=dept.region_id)
    return Responsibility(categories=frozenset(c for c in dept.responsible_categories or []
                                               if c != OTHER))


@functools.lru_cache(maxsize=256)
def _parse_categories(text: str) -> tuple[list[str], tuple[bool, bool, bool], bool]:
    """企业类别 cell → (category values, the three flags, whether every part was known and consistent);
    empty is 其他. Cached: a file repeats a handful of values."""
    if not text:
        return [OTHER], (False, False, False), True
    for sep in CATEGORY_SEPARATORS[1:]:
        text = text.replace(sep, "、")
    parts = [p for p in text.split("、") if p]
    categories = sorted({CATEGORY_VALUES[p] for p in parts if p in CATEGORY_VALUES})
    known = all(p in CATEGORY_VALUES for p in parts) and not (OTHER in categories and len(categories) > 1)
    return categories, (KEY_PROJECT in categories, ABOVE_SCALE in categories, ABOVE_LIMIT in categories), known


@dataclasses.dataclass
class EnterpriseContext:
    """Lookups for one enterprise import."""

    responsibility: Responsibility
    territories: dict[str, str]
    townships: dict[str, tuple[str | None, str | None]]
    stewards: dict[str, tuple[int, bool]]
    existing: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    inserted: int = 0


IDX = {f: i for i, f in enumerate(ENTERPRISE_FIELDS)}
DEFAULTS = tuple(NEW_DEFAULTS.get(f) for f in ENTERPRISE_FIELDS)


# A valid row is a plain tuple (row number, USCC, values in ENTERPRISE_FIELDS order with KEEP for absent
# columns, steward id): tuples are small and pickle fast when the spool writes them to disk.
ROW, USCC, VALUES, STEWARD = 0, 1, 2, 3


class EnterpriseImport(ImportKind):
    """企业(项目)信息上报模板."""

    title = "企业(项目)信息上报模板"
    unique_key = "uscc"
    columns = (
        Column("uscc", "统一社会信用代码", required=True, max_length=18, width=24,
               help="18 位，按 GB 32100 校验"),
        Column("name", "企业名称", required=True, width=32),
        Column("kind", "市场主体类型", type="choice", choices=tuple(EnterpriseKind.labels)),
        Column("legal_rep", "法定代表人", max_length=64),
        Column("category", "企业类别", type="multichoice", choices=tuple(Category.labels), width=20,
               help="可多选，用“、”连接，如：重点项目、规上工业"),
        Column("status", "经营状态", type="choice", choices=tuple(EnterpriseStatus.labels)),
        Column("region", "所属区县代码", type="choice", help="6 位区县或开发区代码"),
        Column("township", "乡镇(街道)代码", type="choice", width=22, help="9 位代码，须在所属区县内"),
        Column("industry", "国民经济行业代码", max_length=8, help="GB/T 4754 门类字母或代码"),
        Column("contact", "联系人", max_length=64),
        Column("phone", "联系电话", max_length=20, help="手机或带区号的固定电话"),
        Column("steward_phone", "管家手机号", max_length=11, help="填写则指定该管家为主责管家"),
    )
    instructions = (
        "第一行是表头，请勿修改；从第二行起每行填写一户市场主体。",
        "统一社会信用代码必填，须为 18 位有效代码；同一文件内重复的代码只保留第一次出现的行。",
        "企业类别可多选，用“、”连接；不填视为“其他”。",
        "市发改委上报重点项目、市工信局上报规上工业、市商务局上报限上商贸企业（全市范围）；"
        "各区县政府和开发区管委会上报本辖区内其他市场主体。不属于本单位上报范围的行将被拒绝（not_responsible）。",
        "所属区县代码和乡镇(街道)代码请从下拉列表或“代码表”工作表中选择，各代码的名称见“代码对照”工作表。",
        "联系电话可填手机号或带区号的固定电话（如 0412-5551234）。",
        "管家手机号须为已登记的项目管家；填写后该管家成为主责管家。",
        "整个文件校验通过的行一次写入；有问题的行不会写入，可下载“错误清单”修改后重新上传。"
        "重复上传同一文件不会产生重复数据。",
    )

    def may_import(self, user: Any) -> bool:
        """Department officers with a reporting responsibility (and admins)."""
        r = responsibility_of(user)
        return r.everything or bool(r.categories) or r.region is not None

    def dropdowns(self) -> dict[str, dict[str, str]]:
        """Labels for the coded columns, and the region and township codes of the city with their names."""
        codes = super().dropdowns()
        codes["region"] = dict(Division.objects.filter(level__in=[Level.COUNTY, Level.ZONE], active=True)
                               .exclude(code__endswith="01").values_list("code", "name"))
        codes["township"] = dict(Division.objects.filter(level=Level.TOWNSHIP, active=True)
                                 .values_list("code", "name"))
        return codes

    def prepare(self, user: Any) -> EnterpriseContext:
        """Divisions, stewards by mobile and the user's responsibility."""
        territories = dict(Division.objects.filter(level__in=[Level.COUNTY, Level.ZONE], active=True)
                           .values_list("code", "level"))
        townships: dict[str, tuple[str | None, str | None]] = {code: (parent, zone) for code, parent, zone in Division.objects.filter(
            level=Level.TOWNSHIP, active=True).values_list("code", "parent_id", "zone_id")}
        stewards = {phone: (pk, active) for pk, phone, active in Steward.objects.values_list("id", "phone", "active")}
        return EnterpriseContext(responsibility_of(user), territories, townships, stewards)

    def validate(self, ctx: EnterpriseContext, row: int, v: dict[str, Any]) -> tuple[Any, list[RowError]]:
        """Every rule of the contract that needs only this row."""
        # Runs for every row of a file (194,000 at the reference city): plain locals, no per-field dict.
        errors: list[RowError] = []
        get = v.get
        uscc = clean_uscc(v["uscc"])
        if uscc is None:
            errors.append(RowError(row, "统一社会信用代码", "invalid_uscc",
                                   f"统一社会信用代码无效：{v['uscc']}（须为 18 位，校验位正确）"))
        kind: Any = KEEP
        if get("kind"):
            kind = KIND_VALUES.get(v["kind"])
            if kind is None:
                errors.append(RowError(row, "市场主体类型", "invalid_value", f"市场主体类型应为 {KIND_HELP}：{v['kind']}"))
        categories: Sequence[str] | None = None
        flags: tuple[Any, Any, Any] = (KEEP, KEEP, KEEP)
        if "category" in v:
            categories, flags, known = _parse_categories(v["category"])
            if not known:
                errors.append(RowError(row, "企业类别", "invalid_value",
                                       f"企业类别应为 {CATEGORY_HELP}（多个用“、”连接）：{v['category']}"))
        status: Any = KEEP
        if get("status"):
            status = STATUS_VALUES.get(v["status"])
            if status is None:
                errors.append(RowError(row, "经营状态", "invalid_value", f"经营状态应为 {STATUS_HELP}：{v['status']}"))
        region = get("region") or None
        region_id: Any = KEEP
        if "region" in v:
            if not region:
                errors.append(RowError(row, "所属区县代码", "missing", "“所属区县代码”不能为空"))
            elif region not in ctx.territories:
                errors.append(RowError(row, "所属区县代码", "unknown_region",
                                       f"所属区县代码 {region} 不是本市的区县或开发区"))
            region_id = region
        township_id: Any = KEEP
        if get("township"):
            township_id = v["township"]
            township = ctx.townships.get(township_id)
            if township is None:
                errors.append(RowError(row, "乡镇(街道)代码", "unknown_region",
                                       f"乡镇(街道)代码 {township_id} 不是本市的乡镇(街道)"))
            elif region and region in ctx.territories and region not in township:
                errors.append(RowError(row, "乡镇(街道)代码", "outside_region",
                                       f"乡镇(街道) {township_id} 不在所属区县 {region} 内"))
        elif "township" in v:
            township_id = None
        industry: Any = KEEP
        if get("industry"):
            industry = clean_industry(v["industry"])
            if industry is None:
                errors.append(RowError(row, "国民经济行业代码", "invalid_value",
                                       f"国民经济行业代码应为 GB/T 4754 门类字母或代码：{v['industry']}"))
        elif "industry" in v:
            industry = ""
        phone: Any = KEEP
        if get("phone"):
            phone = clean_phone(v["phone"])
            if phone is None:
                errors.append(RowError(row, "联系电话", "invalid_phone",
                                       f"联系电话应为手机号或带区号的固定电话：{v['phone']}"))
        elif "phone" in v:
            phone = ""
        steward_id = None
        if get("steward_phone"):
            mobile = clean_phone(v["steward_phone"], mobile_only=True)
            steward = ctx.stewards.get(mobile or "")
            if mobile is None:
                errors.append(RowError(row, "管家手机号", "invalid_phone",
                                       f"管家手机号应为 11 位手机号：{v['steward_phone']}"))
            elif steward is None or not steward[1]:
                errors.append(RowError(row, "管家手机号", "unknown_steward", f"手机号 {mobile} 不是在岗的已登记项目管家"))
            else:
                steward_id = steward[0]
        if errors:
            return None, errors
        if categories is not None and not ctx.responsibility.allows(categories, region):
            return None, [RowError(row, "企业类别", "not_responsible", "该行不属于本单位的上报范围（按企业类别和所属区县）")]
        values = (v["name"], kind, get("legal_rep", KEEP), *flags, status, region_id, township_id, industry,
                  get("contact", KEEP), phone)
        return (row, uscc or "", values, steward_id), []

    def review(self, ctx: EnterpriseContext, records: list[Any]) -> tuple[list[Any], list[RowError]]:
        """Load the existing entities of the file; a user may change only those they are responsible for,
        and a new entity needs its region."""
        cols = ", ".join(f"e.{f}" for f in ENTERPRISE_FIELDS)
        select = (f"SELECT e.uscc, e.id, {cols}, a.steward_id FROM registry_enterprise e "  # noqa: S608
                  "LEFT JOIN registry_assignment a ON a.enterprise_id = e.id AND a.role = 'primary' "
                  "AND a.until IS NULL WHERE e.uscc ")
        ctx.existing = {}  # only this batch's: bounded memory
        usccs = [r[USCC] for r in records]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(select + "= ANY(%s)", [usccs])  # one array parameter: one query per batch
                ctx.existing = {row[0]: row[1:] for row in cursor.fetchall()}
            else:
                for chunk in _chunks(usccs):
                    cursor.execute(select + f"IN ({', '.join(['%s'] * len(chunk))})", list(chunk))
                    ctx.existing.update((row[0], row[1:]) for row in cursor.fetchall())
        kept, errors = [], []
        for r in records:
            old = ctx.existing.get(r[USCC])
            if old is None:
                if r[VALUES][IDX["region_id"]] is KEEP:
                    errors.append(RowError(r[ROW], "所属区县代码", "missing", "新增企业须填写“所属区县代码”"))
                    continue
                if r[VALUES][IDX["is_key_project"]] is KEEP and not ctx.responsibility.allows(
                        [OTHER], r[VALUES][IDX["region_id"]]):
                    errors.append(RowError(r[ROW], "企业类别", "not_responsible", "该行不属于本单位的上报范围"))
                    continue
            else:
                flags = [bool(x) for x in old[4:7]]
                new_flags = [flags[i] if r[VALUES][IDX[f]] is KEEP else r[VALUES][IDX[f]] for i, f in enumerate(
                    ("is_key_project", "is_above_scale_industrial", "is_above_limit_trade"))]
                new_region = old[8] if r[VALUES][IDX["region_id"]] is KEEP else r[VALUES][IDX["region_id"]]
                if not (ctx.responsibility.allows(categories_of(*flags), old[8])
                        and ctx.responsibility.allows(categories_of(*new_flags), new_region)):
                    errors.append(RowError(r[ROW], "统一社会信用代码", "not_responsible",
                                           "该企业已登记且不属于本单位的上报范围，不能由本单位修改"))
                    continue
                township = r[VALUES][IDX["township_id"]]
                if township not in (KEEP, None) and r[VALUES][IDX["region_id"]] is KEEP \
                        and old[8] not in ctx.townships.get(township, (None, None)):
                    errors.append(RowError(r[ROW], "乡镇(街道)代码", "outside_region",
                                           f"乡镇(街道) {township} 不在已登记的所属区县 {old[8]} 内"))
                    continue
                if r[VALUES][IDX["township_id"]] is KEEP and old[9] and r[VALUES][IDX["region_id"]] is not KEEP:
                    parent_zone = ctx.townships.get(old[9], (None, None))
                    if r[VALUES][IDX["region_id"]] not in parent_zone:
                        errors.append(RowError(r[ROW], "乡镇(街道)代码", "outside_region",
                                               f"已登记的乡镇(街道) {old[9]} 不在所属区县 {r[VALUES][IDX['region_id']]} 内"))
                        continue
            kept.append(r)
        return kept, errors

    def write(self, ctx: EnterpriseContext, records: list[Any], actor: Any,
              dry_run: bool) -> tuple[int, int]:
        """Insert new entities, update changed ones, (re)assign primary stewards; unchanged rows do nothing."""
        # Adapted for the database once, not once per row and column by the driver.
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        today = timezone.localdate()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        new_primary: list[tuple[str, int]] = []
        reassigned: list[tuple[int, int]] = []
        ended: list[int] = []
        for _row, uscc, values, steward in records:
            old = ctx.existing.get(uscc)
            if old is None:
                inserts.append((uscc, *[d if v is KEEP else v for v, d in zip(values, DEFAULTS, strict=True)],
                                now, now))
                if steward:
                    new_primary.append((uscc, steward))
                continue
            current = (*old[1:4], bool(old[4]), bool(old[5]), bool(old[6]), *old[7:13])  # SQLite flags are 0/1
            merged = tuple(c if v is KEEP else v for v, c in zip(values, current, strict=True))
            changed = merged != current
            reassign = steward is not None and steward != old[13]
            if changed:
                updates.append((old[0], *merged, now))
            if reassign:
                if old[13] is not None:
                    ended.append(old[0])
                reassigned.append((old[0], steward))
            if reassign and not changed:
                updates.append(())  # counted, nothing to write
        updated = len(updates)
        if dry_run:
            return len(inserts), updated
        table = Enterprise._meta.db_table
        # Statistics are refreshed once, in finish(), not after every batch.
        ids = insert_rows_with_ids(table, "uscc", ("uscc", *ENTERPRISE_FIELDS, "created_at", "updated_at"), inserts,
                                   wanted=[u for u, _ in new_primary], analyze=False, references_in_bulk=True)
        ctx.inserted += len(inserts)
        update_rows(table, "id", (*ENTERPRISE_FIELDS, "updated_at"), [u for u in updates if u])
        with connection.cursor() as cursor:
            for chunk in _chunks(ended):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"UPDATE registry_assignment SET until = %s WHERE role = 'primary' "  # noqa: S608
                               f"AND until IS NULL AND enterprise_id IN ({marks})", [today, *chunk])
        primary = AssignmentRole.PRIMARY.value
        insert_rows(Assignment._meta.db_table, ("enterprise_id", "steward_id", "role", "since"),
                    [*((ids[u], s, primary, today) for u, s in new_primary),
                     *((e, s, primary, today) for e, s in reassigned)], analyze=False, references_in_bulk=True)
        return len(inserts), updated

    def finish(self, ctx: EnterpriseContext) -> None:
        """Refresh the coverage figures in the same transaction."""
        from .services import coverage_rebuild

        if ctx.inserted >= ANALYZE_AFTER:
            analyze(Enterprise._meta.db_table, Assignment._meta.db_table)
        coverage_rebuild()

    def sample_rows(self) -> list[list[str]]:
        """An example row."""
        return [["91210300MA0QC0001X", "鞍山示例钢铁有限公司", "企业", "张三", "规上工业", "投产运营", "210302",
                 "210302002", "C31", "李四", "0412-5551234", "13904120000"]]


@dataclasses.dataclass
class StewardContext:
    """Lookups for one steward import."""

    user: Any
    departments: dict[str, tuple[int, str, str]]
    regions: set[str]
    existing: dict[str, tuple[Any, ...]]


class StewardImport(ImportKind):
    """管家信息上报模板."""

    title = "管家信息上报模板"
    unique_key = "phone"
    columns = (
        Column("name", "姓名", required=True, max_length=64),
        Column("phone", "手机号", required=True, max_length=11, help="11 位手机号，唯一"),
        Column("department", "所属单位", required=True, type="choice", max_length=32, help="部门代码"),
        Column("title", "职务", max_length=64),
        Column("region", "所属区县代码", type="choice", help="6 位区县或开发区代码，不填为所属单位的区域"),
    )
    instructions = (
        "第一行是表头，请勿修改；从第二行起每行填写一名项目管家。",
        "手机号是管家的唯一标识：已登记的手机号会更新姓名、单位、职务和区县。",
        "所属单位填写部门代码（见下拉列表）；各部门只能上报本单位的管家。",
        "整个文件校验通过的行一次写入；有问题的行可下载“错误清单”修改后重新上传。",
    )

    def may_import(self, user: Any) -> bool:
        """Department officers (their own department's stewards) and admins."""
        return user.role == Role.DEPARTMENT or is_admin(user)

    def dropdowns(self) -> dict[str, dict[str, str]]:
        """Department codes and region codes, with their names."""
        return {"department": dict(Department.objects.filter(active=True).values_list("code", "name")),
                "region": dict(Division.objects.filter(level__in=[Level.CITY, Level.COUNTY, Level.ZONE], active=True)
                               .exclude(code__endswith="01").values_list("code", "name"))}

    def prepare(self, user: Any) -> StewardContext:
        """Departments, regions and the registered stewards."""
        departments = {code: (pk, kind, region) for pk, code, kind, region in Department.objects.filter(
            active=True).values_list("id", "code", "kind", "region_id")}
        regions = set(Division.objects.filter(level__in=[Level.CITY, Level.COUNTY, Level.ZONE], active=True)
                      .values_list("code", flat=True))
        existing = {s[1]: s for s in Steward.objects.values_list("id", "phone", "name", "department_id", "title",
                                                                 "region_id")}
        return StewardContext(user, departments, regions, existing)

    def validate(self, ctx: StewardContext, row: int, v: dict[str, Any]) -> tuple[Any, list[RowError]]:
        """Mobile, department code, region, and that the department is the importing user's own."""
        errors: list[RowError] = []
        phone = clean_phone(v["phone"], mobile_only=True)
        if phone is None:
            errors.append(RowError(row, "手机号", "invalid_phone", f"手机号应为 11 位手机号：{v['phone']}"))
        dept = ctx.departments.get(v["department"].upper())
        if dept is None:
            errors.append(RowError(row, "所属单位", "invalid_value", f"部门代码 {v['department']} 不存在"))
        region = v.get("region") or (dept[2] if dept else None)
        if region and region not in ctx.regions:
            errors.append(RowError(row, "所属区县代码", "unknown_region", f"区县代码 {region} 不是本市的区县或开发区"))
        user = ctx.user
        if not errors and not (user is None or is_admin(user)):
            own = user.department
            if dept is None or own is None or dept[0] != own.pk:
                errors.append(RowError(row, "所属单位", "not_responsible", "只能上报本单位的项目管家"))
            elif own.kind in ("district", "zone") and region != own.region_id:
                errors.append(RowError(row, "所属区县代码", "outside_region", "只能上报本辖区的项目管家"))
            elif phone in ctx.existing and ctx.existing[phone][3] != own.pk:
                errors.append(RowError(row, "手机号", "not_responsible", "该手机号已登记为其他单位的管家"))
        if errors or dept is None:
            return None, errors
        return (phone, v["name"], dept[0], v.get("title", KEEP), region), []

    def write(self, ctx: StewardContext, records: list[Any], actor: Any, dry_run: bool) -> tuple[int, int]:
        """Insert new stewards, update changed ones."""
        inserts, updates = [], []
        for phone, name, dept_id, title, region in records:
            old = ctx.existing.get(phone)
            if old is None:
                inserts.append((name, phone, dept_id, "" if title is KEEP else title, region, True))
                continue
            new = (name, dept_id, old[4] if title is KEEP else title, region)
            if new != tuple(old[i] for i in (2, 3, 4, 5)):
                updates.append((old[0], *new))
        if not dry_run:
            insert_rows(Steward._meta.db_table, ("name", "phone", "department_id", "title", "region_id", "active"),
                        inserts)
            update_rows(Steward._meta.db_table, "id", ("name", "department_id", "title", "region_id"), updates)
        return len(inserts), len(updates)

    def sample_rows(self) -> list[list[str]]:
        """An example row."""
        return [["王伟", "13904120001", "D210302", "项目管家", "210302"]]


def register() -> None:
    """Publish the registry's kinds."""
    register_kind("enterprises", EnterpriseImport())
    register_kind("stewards", StewardImport())

