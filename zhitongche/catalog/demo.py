"""Demo catalogue for the reference city: 986 items, guides at four levels, a handful of 一件事一次办 scenarios.

The item list is a real county's public list (四川省广安市广安区, data/SOURCES.md) used as a stand-in until
鞍山's own list is imported: its departments are mapped onto 鞍山's, and the guide fields the list lacks
(materials, steps, time limits, fees, trips, flags) are generated from the item type — plausible, not
official. `--scale anshan` writes about 23,000 guides in bulk; `small` about 1,600.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhitongche.imports.bulk import insert_rows
from zhitongche.regions.models import Department, Division
from zhitongche.regions.services import department_upsert

from . import index
from .imports import ServiceItemImport
from .models import Guide, Scenario, ScenarioItem, ServiceItem
from .textproc import CATALOGUE_CSV

DEMO_ACTOR = "演示数据"
ITEMS = 986  # the reference city's figure
# Departments the stand-in list needs that the regions demo does not seed (44 departments in all).
EXTRA_DEPARTMENTS = [
    ("MZJ", "鞍山市民政局"), ("CL", "鞍山市残疾人联合会"), ("TYJ", "鞍山市退役军人事务局"), ("QXJ", "鞍山市气象局"),
    ("YCJ", "鞍山市烟草专卖局"), ("ZFB", "鞍山市人民政府办公室"), ("TZB", "中共鞍山市委统战部"),
    ("XFJ", "鞍山市消防救援支队"), ("TJJ", "鞍山市统计局"), ("GJJ", "鞍山市住房公积金管理中心"), ("SJB", "鞍山市数据局"),
    ("GGZY", "鞍山市公共资源交易中心"),
]
# Guang'an district body → the 鞍山 department code that does the same work.
DEPARTMENT_MAP = {
    "区行政审批局": "YSJ", "区人社局": "RSJ", "区交通运输局": "JTJ", "广安区税务局": "SWU", "区住建局": "ZJJ",
    "区自然资源和规划局": "ZRJ", "区公安分局": "GAJ", "区医疗保障局": "YBJ", "区文广旅局": "WLJ", "区教科体局": "JYJ",
    "区农业农村局": "NYJ", "区司法局": "SFJ", "区卫健局": "WJW", "区民政局": "MZJ", "区市监局": "SCJ", "区林业局": "ZRJ",
    "区生态环境局": "SJJ", "区残联": "CL", "区水务局": "SWJJ", "区应急管理局": "YJJ", "区政府办": "ZFB",
    "区烟草专卖局": "YCJ", "区气象局": "QXJ", "区退役军人事务局": "TYJ", "区财政局": "CZJ", "区委办": "ZFB",
    "区综合执法局": "CGJ", "区发改局": "FGW", "区公管办": "GGZY", "区商务局": "SWJ", "区委统战部": "TZB",
    "区经信局": "GXJ", "区消防大队": "XFJ", "区统计局": "TJJ",
}
STEPS = {
    "licensing": ["申请", "受理", "审查", "决定", "送达"],
    "payment": ["申请", "受理", "审核", "公示", "发放"],
    "confirmation": ["申请", "受理", "审核", "办结"],
    "public_service": ["申请", "受理", "办结"],
}
DAYS = {"licensing": (20, 5), "payment": (20, 10), "confirmation": (10, 3), "public_service": (5, 0),
        "other_power": (20, 7), "reward": (30, 15), "adjudication": (60, 30)}
# Items of the scenarios get the materials a window really asks for, so that merging them is meaningful.
MATERIALS = {
    "个体工商户设立登记": ["个体工商户登记申请书", "经营者居民身份证", "经营场所使用证明"],
    "食品小经营店备案发放": ["食品小经营店备案申请表", "营业执照（副本）复印件", "经营者居民身份证复印件", "经营场所使用证明",
                     "从业人员健康证明"],
    "食品行业从业人员预防性体检合格证办理": ["居民身份证", "近期一寸免冠照片"],
    "规范户外招牌设施设置": ["户外招牌设置申请表", "营业执照复印件", "经营场所使用证明", "招牌设计效果图"],
    "个体工商户信息确认（县级行使）": ["营业执照", "经营者居民身份证"],
    "《出生医学证明》首次签发": ["父母双方居民身份证", "新生儿出生信息（分娩医院提供）"],
    "户口登记": ["《出生医学证明》", "父母双方居民身份证", "父母双方居民户口簿", "结婚证"],
    "城乡居民参保登记": ["居民户口簿", "居民身份证或《出生医学证明》"],
    "社会保障卡申领": ["居民身份证", "近期一寸免冠照片", "居民户口簿"],
    "医保电子凭证申领": ["居民身份证"],
    "公司设立登记": ["公司登记（备案）申请书", "公司章程", "股东主体资格证明", "法定代表人居民身份证", "住所使用证明"],
    "一照一码户信息确认（县级行使）": ["营业执照（副本）", "法定代表人居民身份证"],
    "发票票种核定（县级行使）": ["纳税人领用发票票种核定表", "营业执照复印件", "经办人居民身份证"],
    "企业社会保险登记": ["社会保险登记表", "营业执照（副本）复印件", "法定代表人居民身份证复印件"],
    "单位参保登记": ["单位参保登记表", "营业执照复印件", "法定代表人居民身份证"],
    "企业职工参保登记": ["职工参保登记表", "职工居民身份证复印件", "劳动合同"],
    "就业登记": ["就业登记表", "居民身份证", "劳动合同"],
    "灵活就业人员企业职工基本养老保险参保登记": ["灵活就业人员参保登记表", "居民身份证"],
}
SCENARIOS = [
    ("kaiban-canyindian", "开办餐饮店", "SCJ", "开一家小饭馆：营业执照、食品经营备案、从业人员健康证和门头招牌一次办好。",
     ["个体工商户设立登记", "食品小经营店备案发放", "食品行业从业人员预防性体检合格证办理", "规范户外招牌设施设置",
      "个体工商户信息确认（县级行使）"]),
    ("xinshenger-chusheng", "新生儿出生", "WJW", "孩子出生后的出生医学证明、上户口、医保参保、社保卡一次办好。",
     ["《出生医学证明》首次签发", "户口登记", "城乡居民参保登记", "社会保障卡申领", "医保电子凭证申领"]),
    ("qiye-kaiban", "企业开办", "YSJ", "新开公司：设立登记、税务信息确认、发票、社保和医保登记、员工参保一次办好。",
     ["公司设立登记", "一照一码户信息确认（县级行使）", "发票票种核定（县级行使）", "企业社会保险登记", "单位参保登记",
      "企业职工参保登记"]),
    ("linghuo-jiuye", "灵活就业参保", "RSJ", "打零工、开网约车等灵活就业人员：就业登记、养老和医疗参保、社保卡一次办好。",
     ["就业登记", "灵活就业人员企业职工基本养老保险参保登记", "城乡居民参保登记", "社会保障卡申领"]),
]
# Guides per level: (territories or divisions, items per division) for each scale.
SCALES: dict[str, dict[str, Any]] = {"small": {"district": 20, "township": 2, "village": 2, "villages": 100},
          "anshan": {"district": 450, "township": 60, "village": 10, "villages": None}}
HOURS = "周一至周五 8:30—11:30，13:00—17:00（法定节假日除外）"


def _h(text: str) -> int:
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:8], 16)


def _departments() -> dict[str, str]:
    for code, name in EXTRA_DEPARTMENTS:
        if not Department.objects.filter(code=code).exists():
            department_upsert(actor=DEMO_ACTOR, code=code, name=name, kind="city")
    return dict(Department.objects.values_list("code", "name"))


def _item_rows(names: dict[str, str]) -> list[dict[str, Any]]:
    """The stand-in list: 986 of its 1,135 items (every scenario item kept), with generated guide fields."""
    with open(CATALOGUE_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keep = {name for *_, items in SCENARIOS for name in items}
    rows.sort(key=lambda r: (r["item_name"] not in keep, _h(r["item_code"])))
    chosen = sorted(rows[:ITEMS], key=lambda r: rows.index(r))
    # The reference city's figures: 117 items 沈阳都市圈通办 and 109 跨省通办, picked by hash.
    metro = {r["item_code"] for r in sorted(chosen, key=lambda r: _h(r["item_code"] + "metro"))[:117]}
    cross = {r["item_code"] for r in sorted(chosen, key=lambda r: _h(r["item_code"] + "cross"))[:109]}
    out = []
    for r in chosen:
        code = r["item_code"]
        task_type = {"1": "licensing", "5": "payment", "7": "confirmation", "20": "public_service"}.get(
            r["task_type"], "other_power")
        legal, promised = DAYS.get(task_type, (20, 7))
        h = _h(code)
        mobile = task_type in ("public_service", "confirmation") and h % 3 == 0
        materials = MATERIALS.get(r["item_name"]) or [f"{r['item_name']}申请表", "申请人居民身份证",
                                                        *(["营业执照（副本）复印件"] if task_type == "licensing" else [])]
        out.append({
            "department": names[DEPARTMENT_MAP[r["department"]]], "main_item": r["main_item"],
            "item_name": r["item_name"], "item_code": code, "task_type": r["task_type"], "area_code": r["area_code"],
            "dept_code": r["dept_code"], "guide_url": r["guide_url"], "materials": "\n".join(materials),
            "steps": "\n".join(STEPS.get(task_type, ["申请", "受理", "审查", "决定"])),
            "legal_limit_days": legal, "promised_days": promised + h % 3 if promised else 0,
            "fee": "不收费", "legal_basis": "", "trips": 0 if mobile else 1,
            "channels": "窗口办理、网上办理" + ("、掌上办理" if mobile else ""),
            "metro_area": "是" if code in metro else "否", "cross_province": "是" if code in cross else "否",
            "province_city": "是" if (h >> 4) % 20 == 0 else "否", "mobile": "是" if mobile else "否",
            "high_frequency": "是" if r["item_name"] in keep or h % 10 == 0 else "否",
        })
    return out


def _load_items(rows: list[dict[str, Any]]) -> tuple[int, int]:
    handler = ServiceItemImport()
    ctx = handler.prepare(None)
    records = []
    for number, row in enumerate(rows, start=2):
        record, errors = handler.validate(ctx, number, row)
        if errors:
            raise RuntimeError(f"demo item row {number}: {errors}")
        records.append(record)
    return handler.write(ctx, records, None, False)


def _guides(scale: str, items: list[tuple[int, str, str, list[Any], list[Any], int | None, int, str]]) -> int:
    """Guides at four levels, written in bulk; existing codes are left alone."""
    config = SCALES[scale]
    divisions = list(Division.objects.filter(active=True).values_list("code", "name", "level", "parent_id"))
    names = {code: name for code, name, _, _ in divisions}
    territories = [(c, n) for c, n, lv, _ in divisions if lv in ("county", "zone") and not c.endswith("01")]
    townships = [(c, n, p) for c, n, lv, p in divisions if lv == "township"]
    villages = [(c, n, p) for c, n, lv, p in divisions if lv == "village"][:config["villages"]]
    city = next(c for c, _, lv, _ in divisions if lv == "city")
    by_public = sorted(items, key=lambda it: (it[6] != 1, _h(it[1])))  # high-frequency first
    plan: list[tuple[str, str, str, str, Any]] = []
    for it in items:
        plan.append(("city", city, it[7], "鞍山市政务服务中心", it))
    for code, name in territories:
        org = f"{name}{'管理委员会' if code.startswith('2103') and code[4] == '7' else '人民政府'}"
        for it in by_public[:config["district"]]:
            plan.append(("district", code, org, f"{name}政务服务中心", it))
    for code, name, parent in townships:
        for it in by_public[:config["township"]]:
            plan.append(("township", code, f"{name}便民服务中心", f"{names.get(parent, '')}{name}便民服务中心", it))
    for code, name, parent in villages:
        for it in by_public[:config["village"]]:
            plan.append(("village", code, f"{name}便民服务站", f"{names.get(parent, '')}{name}便民服务站", it))
    existing = set(Guide.objects.values_list("code", flat=True))
    now = timezone.now()
    rows, links = [], []
    for level, division, org, place, (item_id, _code, name, materials, steps, days, _, _) in plan:
        code = f"ZN-{division}-{item_id:05d}"
        if code in existing:
            continue
        existing.add(code)
        rows.append((code, f"{name}办事指南", level, org[:100], division, f"在{names[division]}办理“{name}”的个人和单位",
                     "材料齐全、符合法定形式", json.dumps(materials, ensure_ascii=False), json.dumps(steps, ensure_ascii=False),
                     "即办" if not days else f"{days} 个工作日", "不收费", place[:200], HOURS,
                     f"0412-{2000000 + _h(code) % 7000000}", "12345", now))
        links.append((code, item_id))
    columns = ("code", "title", "level", "organisation", "division_id", "applies_to", "conditions", "materials",
               "process", "time_limit", "fee", "location", "hours", "phone", "complaint_phone", "updated_at")
    for i in range(0, len(rows), 5000):
        insert_rows(Guide._meta.db_table, columns, rows[i:i + 5000])
    ids = dict(Guide.objects.filter(code__startswith="ZN-").values_list("code", "id"))
    insert_rows(Guide.items.through._meta.db_table, ("guide_id", "serviceitem_id"),
                [(ids[code], item_id) for code, item_id in links])
    return len(rows)


def _scenarios(names: dict[str, str]) -> int:
    created = 0
    by_name = dict(ServiceItem.objects.values_list("name", "id"))
    departments = dict(Department.objects.values_list("code", "id"))
    for code, title, dept, description, item_names in SCENARIOS:
        scenario, new = Scenario.objects.get_or_create(
            code=code, defaults={"title": title, "description": description, "department_id": departments.get(dept)})
        created += new
        if new:
            ScenarioItem.objects.bulk_create([ScenarioItem(scenario=scenario, item_id=by_name[n], position=i)
                                              for i, n in enumerate(item_names) if n in by_name])
    return created


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Departments, items, guides and scenarios (idempotent), then the search index."""
    with transaction.atomic():
        names = _departments()
        created, updated = _load_items(_item_rows(names))
        items = [(pk, code, name, materials, steps, promised, 1 if hf else 0, dept or "")
                 for pk, code, name, materials, steps, promised, hf, dept in ServiceItem.objects.filter(active=True)
                 .order_by("id").values_list("id", "item_code", "name", "materials", "steps", "promised_days",
                                             "high_frequency", "department_name")]
        guides = _guides(scale, items)
        scenarios = _scenarios(names)
    if progress:
        progress("  重建办事指南搜索索引 …")
    result = index.reindex()
    return {"items_created": created, "items_updated": updated, "guides_created": guides,
            "scenarios_created": scenarios, "index": result}
