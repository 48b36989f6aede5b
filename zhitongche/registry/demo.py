"""Demo registry: a few enterprises and stewards per district, every enterprise assigned a primary steward."""

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from zhitongche.regions.models import Department, Division, Level

from .choices import EnterpriseKind
from .identifiers import make_uscc
from .models import Assignment, Enterprise, Steward

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TRADES = ["钢铁", "机械", "菌业", "纺织", "食品", "物流", "商贸", "建材", "电子", "化工", "餐饮", "医药"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Create the small demo registry once (idempotent: does nothing if enterprises exist)."""
    if Enterprise.objects.exists():
        return {"enterprises": Enterprise.objects.count(), "created": 0}
    rng = random.Random(210300)  # noqa: S311 — deterministic demo data, not security
    today = datetime.date(2026, 1, 5)
    territories = list(Division.objects.filter(level__in=[Level.COUNTY, Level.ZONE], active=True))
    serial = 1
    with transaction.atomic():
        for t_index, territory in enumerate(territories):
            dept = Department.objects.filter(region=territory).first() or Department.objects.get(code="YSJ")
            stewards = [
                Steward.objects.create(name=_name(rng), phone=f"139{t_index:02d}{i:06d}"[:11], department=dept,
                                       title="项目管家", region=territory)
                for i in range(2)
            ]
            townships = list(Division.objects.filter(level=Level.TOWNSHIP, active=True, parent=territory)) or list(
                territory.managed_townships.all())
            for i in range(5):
                kind = EnterpriseKind.INDIVIDUAL if i == 4 else EnterpriseKind.COMPANY
                township = rng.choice(townships) if townships else None
                ent = Enterprise.objects.create(
                    uscc=make_uscc(territory.code, serial, kind), name=f"鞍山{territory.name[:2]}{rng.choice(TRADES)}"
                    f"{'经营部' if kind == EnterpriseKind.INDIVIDUAL else rng.choice(FORMS)}{serial:03d}",
                    kind=kind, legal_rep=_name(rng), region=territory, township=township,
                    is_key_project=i == 0, is_above_scale_industrial=i == 1, is_above_limit_trade=i == 2,
                    contact=_name(rng), phone=f"1380412{serial:04d}",
                )
                Assignment.objects.create(enterprise=ent, steward=stewards[i % 2], since=today)
                serial += 1
    return {"enterprises": Enterprise.objects.count(), "stewards": Steward.objects.count()}
