"""Reads of the registry, each taking the acting user; coverage figures come from the summary table."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from zhitongche.accounts import scopes
from zhitongche.core.errors import Forbidden, NotFound
from zhitongche.imports.models import ImportJob, ImportStatus
from zhitongche.regions.models import Department, Division

from .choices import Category, EnterpriseStatus
from .models import (
    Assignment,
    AssignmentRole,
    CoverageCell,
    Enterprise,
    Grid,
    Steward,
    categories_of,
    category_q,
)


def _active_primary() -> Exists:
    return Exists(Assignment.objects.filter(enterprise_id=OuterRef("pk"), role=AssignmentRole.PRIMARY,
                                            until__isnull=True))


def enterprise_list(*, user: Any, q: str = "", region: str = "", township: str = "", grid: int | None = None,
                    category: str = "", status: str = "", covered: str = "", steward: int | None = None,
                    ) -> QuerySet[Enterprise]:
    """Visible entities filtered; `q` matches the start of the USCC or part of the name."""
    qs = scopes.visible(user, Enterprise.objects.select_related("region", "township", "grid"))
    if q:
        q = q.strip()
        qs = qs.filter(uscc=q.upper()) if len(q) == 18 and q.isalnum() else qs.filter(
            Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if region:
        qs = qs.filter(region_id=region)
    if township:
        qs = qs.filter(township_id=township)
    if grid:
        qs = qs.filter(grid_id=grid)
    if category in Category.values:
        qs = qs.filter(category_q(category))
    if status in EnterpriseStatus.values:
        qs = qs.filter(status=status)
    if covered in ("yes", "no"):
        qs = qs.filter(_active_primary()) if covered == "yes" else qs.exclude(_active_primary())
    if steward:  # their enterprises as primary steward: the number steward_list() shows links here
        qs = qs.filter(assignments__steward_id=steward, assignments__role=AssignmentRole.PRIMARY,
                       assignments__until__isnull=True)
    return qs.order_by("id")


def enterprise_get(*, user: Any, pk: int | None = None, uscc: str | None = None) -> Enterprise:
    """One visible entity by id or USCC, or NotFound."""
    lookup = {"pk": pk} if pk is not None else {"uscc": (uscc or "").upper()}
    return scopes.get_visible(user, Enterprise.objects.select_related("region", "township", "grid"), **lookup)


def enterprise_assignments(*, enterprise: Enterprise) -> QuerySet[Assignment]:
    """The entity's assignments, current first (the entity was already checked as visible)."""
    return (Assignment.objects.filter(enterprise=enterprise).select_related("steward", "steward__department")
            .order_by("until", "-since"))


def primary_stewards(enterprises: list[Enterprise]) -> dict[int, Steward]:
    """Enterprise id → its active primary steward, in one query for a page of entities."""
    rows = Assignment.objects.filter(enterprise__in=enterprises, role=AssignmentRole.PRIMARY,
                                     until__isnull=True).select_related("steward")
    return {a.enterprise_id: a.steward for a in rows}


def steward_list(*, user: Any, q: str = "", region: str = "", department: str = "",
                 active: str = "") -> QuerySet[Steward]:
    """Visible stewards with the number of enterprises they are currently primary for."""
    return _with_enterprise_count(_stewards(user=user, q=q, region=region, department=department, active=active))


def steward_choices(*, user: Any, region: str) -> QuerySet[Steward]:
    """Visible active stewards of a region for a picker (no counting: that groups every assignment)."""
    return _stewards(user=user, region=region, active="yes")


def _stewards(*, user: Any, q: str = "", region: str = "", department: str = "", active: str = "") -> QuerySet[Steward]:
    qs = scopes.visible(user, Steward.objects.select_related("department", "region"))
    if q:
        qs = qs.filter(Q(name__contains=q.strip()) | Q(phone__startswith=q.strip()))
    if region:
        qs = qs.filter(region_id=region)
    if department:
        qs = qs.filter(department__code=department)
    if active in ("yes", "no"):
        qs = qs.filter(active=active == "yes")
    return qs.order_by("id")


def _with_enterprise_count(qs: QuerySet[Steward]) -> QuerySet[Steward]:
    return qs.annotate(enterprise_count=Count(
        "assignments", filter=Q(assignments__role=AssignmentRole.PRIMARY, assignments__until__isnull=True)))


def steward_get(*, user: Any, pk: int) -> Steward:
    """One visible steward with the number of enterprises they are currently primary for, or NotFound."""
    return scopes.get_visible(user, _with_enterprise_count(
        Steward.objects.select_related("department", "region", "user")), pk=pk)


def grid_list(*, user: Any, township: str = "") -> QuerySet[Grid]:
    """Visible grids (admins and bureau officers), optionally of one township."""
    qs = scopes.visible(user, Grid.objects.select_related("township"))
    return qs.filter(township_id=township) if township else qs


def _rate(covered: int, operating: int) -> float:
    return round(100.0 * covered / operating, 1) if operating else 0.0


def coverage(*, user: Any) -> dict[str, Any]:
    """Operating entities, those with a primary steward, the coverage % and the stewards registered — in
    total and by region, township, grid, category and responsible department, within the user's scope. Refused
    (403) to the roles whose scope holds no territory (stewards, enterprises): theirs would be all zeros."""
    if not scopes.may(user, "registry.coverage"):
        raise Forbidden("管家覆盖率面向营商局、部门、综合窗口和市领导")
    cells = list(scopes.visible(user, CoverageCell.objects.all()).values_list(
        "region_id", "township_id", "grid_id", "is_key_project", "is_above_scale_industrial",
        "is_above_limit_trade", "operating", "covered"))
    by: dict[str, dict[Any, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in
                                           ("region", "township", "grid", "category", "department")}
    departments = list(Department.objects.filter(active=True).exclude(responsible_categories=[])
                       .values_list("code", "name", "kind", "region_id", "responsible_categories"))
    city_dept = {c: d[0] for d in departments if d[2] == "city" for c in d[4]}
    territory_dept = {d[3]: d[0] for d in departments if d[2] != "city"}
    total = [0, 0]
    responsible: dict[tuple[Any, ...], list[tuple[str, str]]] = {}  # (region, flags) → category and department keys
    for region, township, grid, kp, asi, alt, operating, covered in cells:
        keys = responsible.get((region, kp, asi, alt))
        if keys is None:
            categories = categories_of(kp, asi, alt)
            keys = [("category", c) for c in categories]
            if categories != [Category.OTHER.value]:
                keys += [("department", city_dept[c]) for c in categories if c in city_dept]
            elif region in territory_dept:
                keys.append(("department", territory_dept[region]))
            responsible[(region, kp, asi, alt)] = keys
        for dim, key in (("region", region), ("township", township), ("grid", grid), *keys):
            if key is None:
                continue
            counts = by[dim][key]
            counts[0] += operating
            counts[1] += covered
        total[0] += operating
        total[1] += covered
    stewards = scopes.visible(user, Steward.objects.filter(active=True))
    stewards_by_region = dict(stewards.values_list("region_id").annotate(n=Count("id")))
    stewards_by_dept = dict(stewards.values_list("department__code").annotate(n=Count("id")))
    # Stewards per grid and (distinct) per township from the grid–steward links: a few thousand pairs read
    # once, cheaper than two grouped joins.
    grid_info = {g: (name, township) for g, name, township in Grid.objects.values_list("id", "name", "township_id")}
    grid_stewards: dict[int, int] = defaultdict(int)
    town_sets: dict[str, set[int]] = defaultdict(set)
    for grid_id, steward_id in Grid.stewards.through.objects.values_list("grid_id", "steward_id"):
        grid_stewards[grid_id] += 1
        town_sets[grid_info[grid_id][1]].add(steward_id)
    township_stewards = {t: len(s) for t, s in town_sets.items()}
    names = dict(Division.objects.filter(code__in=[*by["region"], *by["township"]]).values_list("code", "name"))
    dept_names = {d[0]: d[1] for d in departments}

    dept_query = {d[0]: (f"category={d[4][0]}" if d[2] == "city" else f"region={d[3]}&category=other")
                  for d in departments}

    def rows(dim: str, label: Any, stewards_of: Any) -> list[dict[str, Any]]:
        # `query`: the filter of the entity list behind the row's numbers, for the page's links.
        # A grid's row also says its township, for the page's table of one township's grids.
        return [{"code": str(key), "name": label(key), "operating": v[0], "covered": v[1], "uncovered": v[0] - v[1],
                 "coverage": _rate(v[1], v[0]), "stewards": stewards_of(key),
                 "query": dept_query.get(str(key), "") if dim == "department" else f"{dim}={key}",
                 **({"township": grid_info.get(key, ("", ""))[1]} if dim == "grid" else {})}
                for key, v in sorted(by[dim].items(), key=lambda kv: str(kv[0]))]

    return {
        "operating": total[0], "covered": total[1], "uncovered": total[0] - total[1],
        "coverage": _rate(total[1], total[0]),
        "stewards": stewards.count(),
        "by_region": rows("region", lambda k: names.get(k, k), lambda k: stewards_by_region.get(k, 0)),
        "by_township": rows("township", lambda k: names.get(k, k), lambda k: township_stewards.get(k, 0)),
        "by_grid": rows("grid", lambda k: grid_info.get(k, ("", ""))[0], lambda k: grid_stewards.get(k, 0)),
        "by_category": rows("category", lambda k: Category(k).label, lambda k: stewards_by_dept.get(
            city_dept.get(k, ""), 0)),
        "by_department": rows("department", lambda k: dept_names.get(k, k), lambda k: stewards_by_dept.get(k, 0)),
    }


def entry_progress(*, user: Any) -> list[dict[str, Any]]:
    """信息填报情况: per reporting department (and so per district), the rows reported through imports, the
    last import and the rejection rate, plus the entities it is responsible for today (others: NotFound)."""
    if not scopes.may(user, "registry.progress"):
        raise NotFound()
    depts = Department.objects.filter(active=True).exclude(responsible_categories=[]).select_related("region")
    stats = {r["department_id"]: r for r in ImportJob.objects.filter(
        kind="enterprises", status=ImportStatus.DONE, dry_run=False, department__isnull=False).values(
        "department_id").annotate(total=Sum("total"), created=Sum("created"), updated=Sum("updated"),
                                  rejected=Sum("rejected"), last=Max("finished_at"), jobs=Count("id"))}
    figures = coverage(user=user)["by_department"]
    responsible = {r["code"]: r["operating"] for r in figures}
    out = []
    for d in depts:
        s: dict[str, Any] = dict(stats.get(d.pk) or {})
        total = s.get("total") or 0
        out.append({"code": d.code, "name": d.name, "kind": d.get_kind_display(), "region": d.region.name,
                    "jobs": s.get("jobs", 0), "rows": total, "created": s.get("created") or 0,
                    "updated": s.get("updated") or 0, "rejected": s.get("rejected") or 0,
                    "rejection_rate": _rate(s.get("rejected") or 0, total), "last": s.get("last"),
                    "responsible_operating": responsible.get(d.code, 0)})
    return out
