"""Demo registry. `small`: a few enterprises and stewards per territory. `anshan`: the reference city's
volumes — about 194,000 operating entities and 7,283 stewards over the real divisions, grids per township,
every entity with a primary steward — written with the bulk loaders in one transaction per stage."""

import datetime
import math
import random
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zhitongche.imports.bulk import insert_rows
from zhitongche.regions.models import Department, Division, Level

from .choices import EnterpriseKind, EnterpriseStatus
from .identifiers import make_uscc
from .models import Assignment, Enterprise, Grid, Steward
from .services import coverage_rebuild

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
TRADES = ["钢铁", "机械", "菌业", "纺织", "食品", "物流", "商贸", "建材", "电子", "化工", "餐饮", "医药"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司"]
ANSHAN_ENTERPRISES = 194_000
ANSHAN_STEWARDS = 7_283
# Shares of entities by territory (海城 is the largest economy; zones are small) — an approximation.
TERRITORY_WEIGHT = {"210302": 18, "210303": 12, "210304": 12, "210311": 7, "210321": 8, "210323": 8,
                    "210381": 27, "210371": 4, "210372": 2, "210373": 2}
KEY_PROJECTS, ABOVE_SCALE, ABOVE_LIMIT = 480, 1_020, 1_530
INDIVIDUAL_SHARE = 0.68


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _territories() -> list[tuple[Division, list[str]]]:
    """Each county or zone with the townships it answers for (a zone-managed township goes to its zone)."""
    out = []
    for t in Division.objects.filter(level__in=[Level.COUNTY, Level.ZONE], active=True).order_by("code"):
        if t.level == Level.ZONE:
            towns = list(t.managed_townships.filter(active=True).values_list("code", flat=True))
        else:
            towns = list(Division.objects.filter(level=Level.TOWNSHIP, active=True, parent=t, zone__isnull=True)
                         .values_list("code", flat=True))
        out.append((t, towns))
    return out


def _department(territory: Division) -> Department:
    return Department.objects.filter(region=territory).first() or Department.objects.get(code="YSJ")


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Create the demo registry once (idempotent); `anshan` adds the city-scale volumes on top of `small`."""
    summary = _small()
    if scale == "anshan" and Enterprise.objects.count() < ANSHAN_ENTERPRISES // 2:
        summary = _anshan(progress)
    return summary


def _small() -> dict[str, Any]:
    if Enterprise.objects.exists():
        return {"enterprises": Enterprise.objects.count(), "created": 0}
    rng = random.Random(210300)  # noqa: S311 — deterministic demo data, not security
    today = datetime.date(2026, 1, 5)
    serial = 1
    with transaction.atomic():
        for t_index, (territory, towns) in enumerate(_territories()):
            dept = _department(territory)
            stewards = [
                Steward.objects.create(name=_name(rng), phone=f"139{t_index:02d}{i:06d}"[:11], department=dept,
                                       title="项目管家", region=territory)
                for i in range(2)
            ]
            grids: list[Grid] = []
            for g_index, town in enumerate(towns[:2]):
                grid = Grid.objects.create(code=f"{town}G01", name=f"{Division.objects.get(code=town).name}第1网格",
                                           township_id=town)
                grid.stewards.add(stewards[g_index % 2])
                grids.append(grid)
            for i in range(5):
                kind = EnterpriseKind.INDIVIDUAL if i == 4 else EnterpriseKind.COMPANY
                home = grids[i % len(grids)] if grids else None
                ent = Enterprise.objects.create(
                    uscc=make_uscc(territory.code, serial, kind), name=f"鞍山{territory.name[:2]}{rng.choice(TRADES)}"
                    f"{'经营部' if kind == EnterpriseKind.INDIVIDUAL else rng.choice(FORMS)}{serial:03d}",
                    kind=kind, legal_rep=_name(rng), region=territory,
                    township_id=home.township_id if home else (rng.choice(towns) if towns else None), grid=home,
                    is_key_project=i == 0, is_above_scale_industrial=i == 1, is_above_limit_trade=i == 2,
                    contact=_name(rng), phone=f"1380412{serial:04d}",
                )
                Assignment.objects.create(enterprise=ent, steward=stewards[i % 2], since=today)
                serial += 1
        coverage_rebuild()
    return {"enterprises": Enterprise.objects.count(), "stewards": Steward.objects.count()}


def _anshan(progress: Callable[[str], None] | None) -> dict[str, Any]:
    rng = random.Random(194000)  # noqa: S311 — deterministic demo data, not security
    say = progress or (lambda _msg: None)
    territories = [(t, towns) for t, towns in _territories() if towns and t.code in TERRITORY_WEIGHT]
    weight_sum = sum(TERRITORY_WEIGHT[t.code] for t, _ in territories)
    existing_stewards = Steward.objects.count()
    today = timezone.localdate()
    now = timezone.now()
    ent_table, steward_table = Enterprise._meta.db_table, Steward._meta.db_table
    serial = 100_000
    with transaction.atomic():
        # Stewards, in proportion to the territory's entities; each territory's grids share its stewards.
        steward_rows = []
        quota: dict[str, int] = {}
        for t_index, (t, _towns) in enumerate(territories):
            n_ent = ANSHAN_ENTERPRISES * TERRITORY_WEIGHT[t.code] // weight_sum
            quota[t.code] = n_ent
            n_st = max(1, round((ANSHAN_STEWARDS - existing_stewards) * TERRITORY_WEIGHT[t.code] / weight_sum))
            dept = _department(t)
            for i in range(n_st):
                steward_rows.append((_name(rng), f"15{t_index:02d}{i:07d}", dept.pk, "项目管家",
                                     t.code, True))
        insert_rows(steward_table, ("name", "phone", "department_id", "title", "region_id", "active"), steward_rows)
        say(f"  管家 {len(steward_rows)} 名")
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, region_id FROM registry_steward WHERE title = %s AND id > %s ORDER BY id",
                           ["项目管家", 0])
            by_region: dict[str, list[int]] = {}
            for pk, region in cursor.fetchall():
                by_region.setdefault(region, []).append(pk)
        # Grids: about one per 200 entities of a township, each served by a slice of the territory's stewards.
        grid_rows: list[tuple[str, str, str]] = []
        town_names = dict(Division.objects.filter(level=Level.TOWNSHIP).values_list("code", "name"))
        for t, towns in territories:
            per_town = quota[t.code] // len(towns)
            n_grids = max(1, math.ceil(per_town / 200))
            for town in towns:
                for g in range(n_grids):
                    grid_rows.append((f"{town}G{g + 2:02d}", f"{town_names.get(town, town)}第{g + 2}网格", town))
        existing_codes = set(Grid.objects.values_list("code", flat=True))
        grid_rows = [g for g in grid_rows if g[0] not in existing_codes]
        insert_rows(Grid._meta.db_table, ("code", "name", "township_id"), grid_rows)
        grids_by_town: dict[str, list[int]] = {}
        for pk, town in Grid.objects.values_list("id", "township_id").order_by("id"):
            grids_by_town.setdefault(town, []).append(pk)
        say(f"  网格 {len(grid_rows)} 个")
        # Entities: categories at the city's shares, the rest other; most are individual businesses.
        ent_rows = []
        plan: list[tuple[str, int]] = []
        for t, towns in territories:
            for _ in range(quota[t.code]):
                town = rng.choice(towns)
                grid = rng.choice(grids_by_town[town])
                plan.append((t.code, grid))
                ent_rows.append(town)
        total = len(plan)
        flags = [(False, False, False)] * total
        picks = rng.sample(range(total), KEY_PROJECTS + ABOVE_SCALE + ABOVE_LIMIT)
        for n, i in enumerate(picks):
            flags[i] = (n < KEY_PROJECTS, KEY_PROJECTS <= n < KEY_PROJECTS + ABOVE_SCALE, n >= KEY_PROJECTS + ABOVE_SCALE)
        rows = []
        for i, ((region, grid), town) in enumerate(zip(plan, ent_rows, strict=True)):
            kp, asi, alt = flags[i]
            individual = not (kp or asi or alt) and rng.random() < INDIVIDUAL_SHARE / 0.985
            kind = EnterpriseKind.INDIVIDUAL.value if individual else EnterpriseKind.COMPANY.value
            status = EnterpriseStatus.CONSTRUCTING.value if kp and i % 3 == 0 else EnterpriseStatus.OPERATING.value
            suffix = "经营部" if individual else FORMS[i % 3]
            rows.append((make_uscc(region, serial + i, kind), f"鞍山{TRADES[i % 12]}{suffix}{serial + i}", kind,
                         _name(rng), kp, asi, alt, status, region, town, grid, "", "", f"138{(serial + i) % 10**8:08d}",
                         now, now))
        insert_rows(ent_table, ("uscc", "name", "kind", "legal_rep", "is_key_project", "is_above_scale_industrial",
                                "is_above_limit_trade", "status", "region_id", "township_id", "grid_id", "industry",
                                "contact", "phone", "created_at", "updated_at"), rows)
        say(f"  市场主体 {len(rows)} 户")
        del rows
        # Each territory's stewards are dealt out over its grids (about seven per grid); a grid's entities go
        # round-robin to the grid's stewards.
        grid_territory = {}
        for t, towns in territories:
            for town in towns:
                for g in grids_by_town.get(town, []):
                    grid_territory[g] = t.code
        serving: dict[int, list[int]] = {}
        for code in {c for c in grid_territory.values()}:
            mine = sorted(g for g, c in grid_territory.items() if c == code)
            pool = by_region.get(code) or [s for v in by_region.values() for s in v]
            for i, steward in enumerate(pool):
                serving.setdefault(mine[i % len(mine)], []).append(steward)
            for i, g in enumerate(mine):
                serving.setdefault(g, [pool[i % len(pool)]])
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, region_id, grid_id FROM registry_enterprise WHERE id NOT IN "
                           "(SELECT enterprise_id FROM registry_assignment) ORDER BY id")
            todo = cursor.fetchall()
        assignments = []
        grid_links = {(g, s) for g, stewards in serving.items() for s in stewards}
        counters: dict[Any, int] = {}
        everyone = [s for v in by_region.values() for s in v]
        for pk, region, grid in todo:
            pool = serving.get(grid) or by_region.get(region) or everyone
            n = counters.get(grid or region, 0)
            counters[grid or region] = n + 1
            assignments.append((pk, pool[n % len(pool)], "primary", today))
        insert_rows(Assignment._meta.db_table, ("enterprise_id", "steward_id", "role", "since"), assignments)
        through = Grid.stewards.through
        grid_links -= set(through.objects.values_list("grid_id", "steward_id"))
        insert_rows(through._meta.db_table, ("grid_id", "steward_id"), sorted(grid_links))
        say(f"  管家分配 {len(assignments)} 条")
        coverage_rebuild()
    return {"enterprises": Enterprise.objects.count(), "stewards": Steward.objects.count(),
            "grids": Grid.objects.count()}
