"""The shipped indicator systems: NDRC's 18 first-level indicators, B-READY's 10 topics × 3 pillars, and a local
system with indicators computed from the platform's records (data/business_environment_indicator_frameworks.csv)."""

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from zhitongche.regions.models import Department

from .models import DataSource, Direction, Framework, Indicator, IndicatorSystem

DATA = Path(__file__).parent / "data" / "business_environment_indicator_frameworks.csv"

# Responsible departments of the NDRC indicators in the reference city (by department code; missing = bureau).
NDRC_DEPARTMENTS = {
    "CN01": "SCJ", "CN02": "RSJ", "CN03": "ZJJ", "CN04": "CZJ", "CN05": "FGW", "CN06": "FGW", "CN07": "SWJJ",
    "CN08": "ZRJ", "CN09": "FGW", "CN10": "SCJ", "CN11": "SCJ", "CN12": "SWJ", "CN13": "SWU", "CN14": "SFJ",
    "CN15": "SFJ", "CN16": "SCJ", "CN17": "YSJ", "CN18": "FGW",
}

SYSTEMS = {
    "NDRC": ("国家营商环境评价指标体系（18 项一级指标）", Framework.NDRC, "NDRC_China_BE_Evaluation_2020"),
    "BREADY": ("世界银行 B-READY 宜商环境评估（10 个专题 × 3 个支柱）", Framework.BREADY, "WorldBank_B-READY"),
}

LOCAL_CODE = "ASLOCAL"
LOCAL_INDICATORS: list[dict[str, Any]] = [
    {"code": "L01", "name": "管家覆盖率", "unit": "%", "best": 100.0, "worst": 50.0, "weight": 2.0,
     "source": DataSource.COMPUTED, "computed_key": "registry_coverage", "department": "YSJ"},
    {"code": "L02", "name": "诉求满意率", "unit": "%", "best": 100.0, "worst": 60.0, "weight": 3.0,
     "source": DataSource.COMPUTED, "computed_key": "appeal_satisfaction", "department": "YSJ"},
    {"code": "L03", "name": "法治环境（第三方评估）", "unit": "分", "best": 100.0, "worst": 0.0, "weight": 2.0,
     "source": DataSource.IMPORTED, "department": "SFJ"},
    {"code": "L04", "name": "政务诚信（失信问题整改率）", "unit": "%", "best": 100.0, "worst": 0.0, "weight": 1.0,
     "source": DataSource.ENTERED, "department": "FGW"},
    {"code": "L05", "name": "开办企业平均用时", "unit": "天", "direction": Direction.LOWER, "best": 0.5,
     "worst": 10.0, "weight": 1.0, "source": DataSource.ENTERED, "department": "SCJ"},
    {"code": "L06", "name": "重点产业链项目落地数", "unit": "个", "target": 20.0, "worst": 0.0, "weight": 1.0,
     "source": DataSource.ENTERED, "department": "GXJ"},
]


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _department(code: str | None) -> Department | None:
    return Department.objects.filter(code=code).first() if code else None


def _system(code: str, name: str, framework: str, description: str) -> tuple[IndicatorSystem, bool]:
    """Version 1 of a shipped system, created once."""
    existing = IndicatorSystem.objects.filter(code=code).order_by("version").first()
    if existing is not None:
        return existing, False
    return IndicatorSystem.objects.create(code=code, name=name, framework=framework, description=description), True


def load_frameworks() -> dict[str, int]:
    """Create the shipped systems if they do not exist yet (idempotent); returns indicators created."""
    from .computed import registered  # noqa: F401 — make sure the built-in functions are registered

    rows = _rows()
    created = 0
    with transaction.atomic():
        ndrc, new = _system("NDRC", SYSTEMS["NDRC"][0], Framework.NDRC,
                            "《中国营商环境报告2020》18 项一级指标；二级指标由管理员按年度评价方案添加。"
                            "一级指标默认按 0–100 分的评价得分录入。")
        if new:
            for order, row in enumerate(r for r in rows if r["framework"] == SYSTEMS["NDRC"][2]):
                Indicator.objects.create(system=ndrc, code=row["code"], name=row["name_zh"], unit="分", best=100.0,
                                         worst=0.0, weight=1.0, source=DataSource.IMPORTED, order=order,
                                         department=_department(NDRC_DEPARTMENTS.get(row["code"], "YSJ")))
                created += 1
        bready, new = _system("BREADY", SYSTEMS["BREADY"][0], Framework.BREADY,
                              "世界银行 B-READY：10 个专题，每个专题按监管框架、公共服务、运行效率三个支柱评分（0–100）。"
                              "贯穿各专题的主题：数字技术应用、环境可持续性、性别。")
        if new:
            topics = [r for r in rows if r["framework"] == SYSTEMS["BREADY"][2] and r["level"] == "topic"]
            pillars = [r for r in rows if r["framework"] == SYSTEMS["BREADY"][2] and r["level"] == "pillar"]
            for order, topic in enumerate(topics):
                parent = Indicator.objects.create(system=bready, code=topic["code"], name=topic["name_zh"],
                                                  weight=1.0, order=order * 10)
                created += 1
                for p_order, pillar in enumerate(pillars):
                    Indicator.objects.create(
                        system=bready, parent=parent, code=f"{topic['code']}-{pillar['code'][3:]}",
                        name=f"{topic['name_zh']}·{pillar['name_zh']}", unit="分", best=100.0, worst=0.0,
                        weight=1.0, source=DataSource.IMPORTED, order=order * 10 + p_order + 1)
                    created += 1
        local, new = _system(LOCAL_CODE, "鞍山市营商环境考核指标（本地）", Framework.LOCAL,
                             "本地考核：管家覆盖率和诉求满意率由平台数据计算，法治环境取第三方评估结果，其余由营商局录入。")
        if new:
            for order, spec in enumerate(LOCAL_INDICATORS):
                values = dict(spec)
                department = _department(values.pop("department", None))
                Indicator.objects.create(system=local, order=order, local=True, department=department, **values)
                created += 1
    return {"indicators_created": created}
