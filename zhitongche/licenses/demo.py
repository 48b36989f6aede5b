"""Demo licences: the licence types of data/license_types.csv and licences for the demo enterprises.

small: a few licences per demo enterprise; the demo enterprise user's enterprise gets a business
licence, a food licence and a 人力资源服务许可证 (which `dept_rsj` can change, renew and revoke), and a
licence with a version chain. anshan: every enterprise gets a business licence and about one other
licence in four, issued in bulk (no signatures: signing is lazy), about 1.25 licences per enterprise.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from zhitongche.core.calendar import SHANGHAI
from zhitongche.regions.models import Department
from zhitongche.registry.models import Enterprise

from .models import License, LicenseType
from .services import bulk_issue, license_type_upsert

DEMO_ACTOR = "演示数据"
SAMPLES = {
    "registeredCapital": ["500 万元", "1000 万元", "200 万元", "3000 万元"],
    "establishedOn": ["2012-05-18", "2016-03-09", "2019-11-21", "2021-07-01"],
    "businessScope": ["一般项目：机械设备销售；技术服务", "热食类食品制售；冷食类食品制售", "货物进出口；技术进出口",
                      "普通货运；货物专用运输（集装箱）"],
    "mainBusiness": ["餐饮服务经营者", "食品销售经营者", "单位食堂"],
    "foodCategory": ["粮食加工品", "食用油、油脂及其制品", "饮料", "糕点"],
    "serviceScope": ["职业介绍；人才供求信息收集和发布；就业和创业指导", "人力资源管理咨询；人力资源外包"],
    "qualification": ["建筑工程施工总承包二级", "市政公用工程施工总承包三级"],
    "qualificationLevel": ["二级", "三级"],
    "permitScope": ["建筑施工", "危险化学品生产"],
    "industryCategory": ["黑色金属冶炼和压延加工业", "金属制品业", "食品制造业"],
    "mainPollutants": ["废气；废水", "废气"],
    "medicalSubjects": ["内科；外科；口腔科", "预防保健科；全科医疗科"],
    "permitItems": ["住宿；游泳场所", "压力容器制造"],
    "schoolType": ["民办职业培训学校"], "schoolLevel": ["职业技能培训"],
    "industry": ["旅馆业", "公章刻制业"],
    "specification": ["10 米 × 3 米 单面"],
    "annualVolume": ["12", "35"], "waterUse": ["工业用水", "生活用水"],
}


@dataclass(frozen=True)
class _Holder:
    """What the loader needs of an enterprise (millions of model instances would not fit in memory)."""

    pk: int
    name: str
    legal_rep: str
    contact: str
    region_name: str


def _values(lt: LicenseType, holder: Any, rng: random.Random) -> dict[str, str]:
    region = holder.region_name or "鞍山市"
    values = {}
    for spec in lt.fields or []:
        key = spec["key"]
        if key in ("legalRepresentative", "principal", "qualityManager"):
            values[key] = holder.legal_rep or holder.contact or "张伟"
        elif key in ("address", "businessPremises", "productionAddress", "intakeLocation"):
            values[key] = f"辽宁省鞍山市{region}{rng.choice(['胜利路', '建国大道', '人民路', '千山路'])}{rng.randint(1, 300)}号"
        else:
            values[key] = rng.choice(SAMPLES.get(key, [spec["label"] + "（演示）"]))
    return values


def load_types() -> int:
    """Create or update the demo licence types whose departments exist."""
    with open(Path(__file__).parent / "data" / "license_types.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    departments = set(Department.objects.values_list("code", flat=True))
    for row in rows:
        if row["department"] not in departments:
            continue
        fields = []
        for spec in row["fields"].split("|"):
            key, label, required = spec.split(":")
            fields.append({"key": key, "label": label, "required": required == "1"})
        license_type_upsert(actor=DEMO_ACTOR, code=row["code"], name=row["name"], department=row["department"],
                            valid_years=int(row["valid_years"]), fields=fields, layout=row["layout"])
    return LicenseType.objects.count()


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Load the types, then licences once (idempotent: nothing is issued if any licence exists)."""
    types = load_types()
    if License.objects.exists():
        return {"license_types": types, "licenses": License.objects.count(), "created": 0}
    rng = random.Random(2103)  # noqa: S311 — deterministic demo data
    by_code = {t.code: t for t in LicenseType.objects.select_related("department")}
    others = [t for code, t in by_code.items() if code not in ("YYZZ",)]
    start_base = datetime.datetime(2024, 1, 8, 9, 0, tzinfo=SHANGHAI)
    plan: dict[str, list[tuple[Any, dict[str, str], datetime.datetime]]] = {}
    enterprises = (_Holder(*row) for row in Enterprise.objects.order_by("id").values_list(
        "id", "name", "legal_rep", "contact", "region__name").iterator(chunk_size=5000))
    share = 0.25 if scale == "anshan" else 1.0
    for holder in enterprises:
        start = start_base + datetime.timedelta(days=rng.randint(0, 640), minutes=rng.randint(0, 600))
        if "YYZZ" in by_code:
            plan.setdefault("YYZZ", []).append((holder, _values(by_code["YYZZ"], holder, rng), start))
        if others and rng.random() < share:
            lt = rng.choice(others)
            plan.setdefault(lt.code, []).append((holder, _values(lt, holder, rng), start))
    created = 0
    for code, rows in plan.items():
        with transaction.atomic():
            created += bulk_issue(license_type=by_code[code], rows=rows)
        if progress and scale == "anshan":
            progress(f"  {by_code[code].name}：{len(rows)} 张")
    created += _demo_enterprise_licences(by_code, rng)
    return {"license_types": types, "licenses": License.objects.count(), "created": created}


def _demo_enterprise_licences(by_code: dict[str, LicenseType], rng: random.Random) -> int:
    """The demo enterprise user's 人力资源服务许可证 and food licence, the food one with a change history."""
    from zhitongche.accounts.models import User

    from .services import license_change, license_issue

    owner = User.objects.filter(username="enterprise").select_related("enterprise__region").first()
    rsj = User.objects.filter(username="dept_rsj").first()
    if owner is None or owner.enterprise is None or rsj is None or "RLZY" not in by_code:
        return 0
    holder = _Holder(owner.enterprise.pk, owner.enterprise.name, owner.enterprise.legal_rep, owner.enterprise.contact,
                     owner.enterprise.region.name)
    uscc = owner.enterprise.uscc
    lic = license_issue(actor=rsj, type_code="RLZY", holder=uscc, fields=_values(by_code["RLZY"], holder, rng))
    license_change(actor=rsj, identifier=lic.identifier, fields={"serviceScope": "职业介绍；人力资源外包；人才测评"},
                   note="演示：增加服务范围")
    issued = 2
    if "LWPQ" in by_code:
        license_issue(actor=rsj, type_code="LWPQ", holder=uscc, fields=_values(by_code["LWPQ"], holder, rng))
        issued += 1
    return issued
