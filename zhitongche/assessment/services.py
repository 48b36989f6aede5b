"""Writes of the assessment app: systems and their versions, observations, results, scenarios and plans."""

import datetime
import math
from collections import defaultdict
from typing import Any, cast

from django.db import transaction
from django.db.models import Max

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from zhitongche.regions.models import Department, Division

from . import computed, db2020, scoring
from .models import (
    ACTION_TRANSITIONS,
    ActionStatus,
    DataSource,
    Db2020Scenario,
    Direction,
    Framework,
    ImprovementPlan,
    Indicator,
    IndicatorSystem,
    Observation,
    PlanAction,
    PlanStatus,
    Result,
    ResultItem,
    UnitGroup,
)
from .periods import clean_period

INDICATOR_FIELDS = ("code", "name", "unit", "direction", "best", "worst", "target", "weight", "source",
                    "computed_key", "department", "parent", "local", "order")
MAX_VALUE = 1e12


# --- validation helpers ---------------------------------------------------------------------------


def _text(value: Any, field: str, label: str, max_length: int, required: bool = True) -> str:
    """A trimmed string of bounded length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{label}应为文本", code="invalid_value", details={"field": field})
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", code="missing", details={"field": field})
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字符", code="too_long", details={"field": field})
    return value


def _number(value: Any, field: str, label: str, required: bool = True, minimum: float | None = None) -> float | None:
    """A finite number (numeric text accepted from forms and spreadsheets), or None when optional and empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{label}不能为空", code="missing", details={"field": field})
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{label}应为数字", code="not_a_number", details={"field": field})
    try:
        number = float(value.strip().replace("，", "").replace(",", "") if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(f"{label}应为数字，收到：{str(value)[:40]}", code="not_a_number",
                           details={"field": field}) from exc
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        raise InvalidInput(f"{label}应为有限数字", code="not_a_number", details={"field": field})
    if minimum is not None and number < minimum:
        raise InvalidInput(f"{label}不能小于 {minimum:g}", code="out_of_range", details={"field": field})
    return number


# Units whose quantity cannot be negative (a score, a duration, a count, money). Not "%": a growth rate can be.
NON_NEGATIVE_UNITS = frozenset({"分", "天", "小时", "个", "次", "户", "家", "项", "件", "元", "万元"})


def _observed(value: Any, leaf: Indicator) -> float:
    """An observation's value for `leaf`: a number its unit allows. A rate or score whose best is 100 (越高越好) is a
    share, from 0 to 100 — a mistyped 150 would otherwise score full marks."""
    share = leaf.unit in ("%", "分") and leaf.best == 100 and leaf.direction == Direction.HIGHER
    number = cast(float, _number(value, "value", "观测值", minimum=0 if share or leaf.unit in NON_NEGATIVE_UNITS else None))
    if share and number > 100:
        raise InvalidInput(f"观测值不能超过 100（单位：{leaf.unit}，最优值 100）", code="out_of_range",
                           details={"field": "value"})
    return number


def _choice(value: Any, field: str, label: str, choices: Any, default: str | None = None) -> str:
    """One of a TextChoices' values."""
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices.values:
        raise InvalidInput(f"{label}应为 {'、'.join(choices.values)} 之一", code="invalid_choice",
                           details={"field": field})
    return value


def _department(code: Any, field: str, label: str, required: bool = True) -> Department | None:
    """An active department by code."""
    if code in (None, "") and not required:
        return None
    department = Department.objects.filter(code=str(code).strip(), active=True).first() if isinstance(
        code, str | int) else None
    if department is None:
        raise InvalidInput(f"{label}「{str(code)[:32]}」不存在", code="unknown_department", details={"field": field})
    return department


def unit_group(unit: Department) -> str:
    """District governments and zone committees are ranked together, city departments together."""
    return UnitGroup.DEPARTMENT if unit.kind == "city" else UnitGroup.DISTRICT


# --- systems and versions -------------------------------------------------------------------------


def latest_system(code: str) -> IndicatorSystem:
    """The newest version of a system."""
    system = IndicatorSystem.objects.filter(code=code).order_by("-version").first()
    if system is None:
        raise NotFound(f"指标体系 {code} 不存在")
    return system


def system_create(*, actor: Any, code: Any, name: Any, framework: Any = Framework.LOCAL,
                  description: Any = "") -> IndicatorSystem:
    """Create version 1 of a new (local) indicator system; admins only."""
    scopes.require(actor, "assessment.system.change")
    code = _text(code, "code", "体系代码", 32).upper()
    name = _text(name, "name", "名称", 100)
    framework = _choice(framework, "framework", "来源", Framework, Framework.LOCAL)
    description = _text(description, "description", "说明", 2000, required=False)
    with transaction.atomic():
        if IndicatorSystem.objects.filter(code=code).exists():
            raise Conflict(f"指标体系代码 {code} 已存在", code="duplicate_system")
        system = IndicatorSystem.objects.create(code=code, name=name, framework=framework, description=description)
        audit.record(actor=actor, action="assessment.system.create", obj=system,
                     changes={"code": [None, code], "name": [None, name]})
    return system


def _clone(system: IndicatorSystem, actor: Any) -> IndicatorSystem:
    """Copy a frozen version with all its indicators as the next, editable version (inside a transaction)."""
    newest = IndicatorSystem.objects.filter(code=system.code).aggregate(v=Max("version"))["v"] or system.version
    clone = IndicatorSystem.objects.create(code=system.code, name=system.name, framework=system.framework,
                                           version=newest + 1, description=system.description)
    mapping: dict[int, Indicator] = {}
    pending = list(system.indicators.order_by("id"))
    # Parents first: a parent's id is smaller only by convention, so loop until every node found its parent.
    while pending:
        rest = []
        for ind in pending:
            if ind.parent_id is not None and ind.parent_id not in mapping:
                rest.append(ind)
                continue
            old_id = ind.pk
            ind.pk = None
            ind.system = clone
            ind.parent = mapping[ind.parent_id] if ind.parent_id is not None else None
            ind.save()
            mapping[old_id] = ind
        if len(rest) == len(pending):
            raise Conflict("指标树存在环，无法生成新版本", code="broken_tree")
        pending = rest
    audit.record(actor=actor, action="assessment.system.version", obj=clone,
                 changes={"version": [system.version, clone.version]})
    return clone


def _editable(system: IndicatorSystem, actor: Any) -> IndicatorSystem:
    """The newest version of the system, cloned first when results already point at it."""
    latest = IndicatorSystem.objects.select_for_update().filter(code=system.code).order_by("-version").first()
    if latest is None:
        raise NotFound()
    return _clone(latest, actor) if latest.frozen else latest


def _indicator_values(data: dict[str, Any], system: IndicatorSystem, current: Indicator | None) -> dict[str, Any]:
    """Validated indicator fields (a partial update keeps the current values of fields not given)."""
    def given(key: str, default: Any) -> Any:
        return data[key] if key in data else (getattr(current, key) if current is not None else default)

    values: dict[str, Any] = {
        "name": _text(given("name", None), "name", "名称", 100),
        "unit": _text(given("unit", ""), "unit", "计量单位", 20, required=False),
        "direction": _choice(given("direction", Direction.HIGHER), "direction", "方向", Direction),
        "best": _number(given("best", None), "best", "最优值", required=False),
        "worst": _number(given("worst", None), "worst", "最差值", required=False),
        "target": _number(given("target", None), "target", "目标值", required=False),
        "weight": _number(given("weight", 1.0), "weight", "权重", minimum=0),
        "source": _choice(given("source", DataSource.ENTERED), "source", "数据来源", DataSource),
        "computed_key": _text(given("computed_key", ""), "computed_key", "计算函数", 64, required=False),
        "order": int(_number(given("order", 0), "order", "排序", minimum=0) or 0),
    }
    if "department" in data:
        values["department"] = _department(data["department"], "department", "责任部门", required=False)
    elif current is not None:
        values["department"] = current.department
    frontier = values["best"] if values["best"] is not None else values["target"]
    if (frontier is None) != (values["worst"] is None):
        raise InvalidInput("最差值与最优值（或目标值）须同时填写", code="missing",
                           details={"field": "worst" if values["worst"] is None else "best"})
    if frontier is not None and values["worst"] is not None:
        if frontier == values["worst"]:
            raise InvalidInput("最优值（或目标值）不能等于最差值", code="invalid_bounds", details={"field": "worst"})
        if (frontier > values["worst"]) != (values["direction"] == Direction.HIGHER):
            raise InvalidInput("方向与上下限不一致：越高越好的指标最优值应大于最差值，反之亦然",
                               code="invalid_bounds", details={"field": "direction"})
    if values["source"] == DataSource.COMPUTED and values["computed_key"] not in computed.registered():
        raise InvalidInput(f"计算函数「{values['computed_key']}」未注册；可选：{'、'.join(computed.registered())}",
                           code="unknown_computed", details={"field": "computed_key"})
    if values["source"] != DataSource.COMPUTED:
        values["computed_key"] = ""
    return values


def indicator_add(*, actor: Any, system: IndicatorSystem, data: dict[str, Any]) -> Indicator:
    """Add a (local or second-level) indicator; a system with results gets a new version first."""
    scopes.require(actor, "assessment.system.change")
    code = _text(data.get("code"), "code", "指标代码", 32).upper()
    parent_code = _text(data.get("parent"), "parent", "上级指标代码", 32, required=False).upper()
    with transaction.atomic():
        target_system = _editable(system, actor)
        parent = None
        if parent_code:
            parent = target_system.indicators.filter(code=parent_code).first()
            if parent is None:
                raise InvalidInput(f"上级指标 {parent_code} 不在该体系中", code="unknown_parent",
                                   details={"field": "parent"})
        values = _indicator_values(data, target_system, None)
        if target_system.indicators.filter(code=code).exists():
            raise Conflict(f"指标代码 {code} 在该体系中已存在", code="duplicate_indicator")
        indicator = Indicator.objects.create(system=target_system, parent=parent, code=code,
                                             local=bool(data.get("local", True)), **values)
        audit.record(actor=actor, action="assessment.indicator.add", obj=indicator,
                     changes=audit.diff({}, audit.snapshot(indicator, INDICATOR_FIELDS)))
    return indicator


def indicator_update(*, actor: Any, system: IndicatorSystem, code: str, data: dict[str, Any]) -> Indicator:
    """Change an indicator's name, bounds, weight, source or department; frozen versions are not rewritten."""
    scopes.require(actor, "assessment.system.change")
    with transaction.atomic():
        target_system = _editable(system, actor)
        indicator = target_system.indicators.select_for_update().filter(code=str(code).upper()).first()
        if indicator is None:
            raise NotFound(f"指标 {code} 不存在")
        before = audit.snapshot(indicator, INDICATOR_FIELDS)
        values = _indicator_values(data, target_system, indicator)
        for key, value in values.items():
            setattr(indicator, key, value)
        indicator.save(update_fields=list(values))
        audit.record(actor=actor, action="assessment.indicator.update", obj=indicator,
                     changes=audit.diff(before, audit.snapshot(indicator, INDICATOR_FIELDS)))
    return indicator


# --- observations ---------------------------------------------------------------------------------


def _leaf(system: IndicatorSystem, code: Any, field: str = "indicator") -> Indicator:
    """A leaf indicator of the system's newest version that takes entered or imported values."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("指标代码不能为空", code="missing", details={"field": field})
    indicator = (Indicator.objects.filter(system__code=system.code, code=code.strip().upper())
                 .order_by("-system__version").first())
    if indicator is None:
        raise InvalidInput(f"指标 {code.strip()[:32]} 不在体系 {system.code} 中", code="unknown_indicator",
                           details={"field": field})
    if indicator.children.exists():
        raise InvalidInput(f"指标 {indicator.code} 有下级指标，请录入下级指标的观测值", code="not_a_leaf",
                           details={"field": field})
    if indicator.source == DataSource.COMPUTED:
        raise InvalidInput(f"指标 {indicator.code} 由平台数据计算，不能手工录入", code="computed_indicator",
                           details={"field": field})
    return indicator


def _check_unit(actor: Any, unit: Department | None) -> Department:
    """The unit exists, the actor sees it and may enter observations for it."""
    if unit is None:
        raise InvalidInput("被考核单位不存在", code="unknown_department", details={"field": "unit"})
    scopes.require(actor, "assessment.observation.enter", unit)
    return unit


def observation_set(*, actor: Any, system: IndicatorSystem, indicator: Any, unit: Any, period: Any,
                    value: Any, source_note: Any = "", source: str = DataSource.ENTERED) -> Observation:
    """Enter or correct one observation (one per indicator, unit and period)."""
    unit_obj = _check_unit(actor, _department(unit, "unit", "被考核单位") if not isinstance(unit, Department)
                           else unit)
    leaf = _leaf(system, indicator)
    period = clean_period(period)
    number = _observed(value, leaf)
    note = _text(source_note, "source_note", "来源说明", 200, required=False)
    with transaction.atomic():
        obs, previous = _upsert_observation(system.code, leaf.code, unit_obj, period, number, source, note, actor)
        audit.record(actor=actor, action="assessment.observation.update" if previous else
                     "assessment.observation.create", obj=obs,
                     changes=audit.diff(previous or {}, {"value": number, "source": source}))
    return obs


def _upsert_observation(system_code: str, indicator_code: str, unit: Department, period: str, value: Any,
                        source: str, note: str, actor: Any) -> tuple[Observation, dict[str, Any] | None]:
    """Create or overwrite one observation row (inside the caller's transaction); returns it and the value and
    source it had before (None when created)."""
    # order_by("pk"): the default ordering joins the unit, and FOR UPDATE would lock its department row too.
    obs = (Observation.objects.select_for_update()
           .filter(system_code=system_code, indicator_code=indicator_code, unit=unit, period=period)
           .order_by("pk").first())
    user = actor if getattr(actor, "is_authenticated", False) else None
    if obs is None:
        return Observation.objects.create(system_code=system_code, indicator_code=indicator_code, unit=unit,
                                          period=period, value=value, source=source, source_note=note,
                                          entered_by=user), None
    previous = {"value": obs.value, "source": obs.source}
    obs.value, obs.source, obs.source_note, obs.entered_by = value, source, note, user
    obs.save(update_fields=["value", "source", "source_note", "entered_by", "updated_at"])
    return obs, previous


IMPORT_COLUMNS = {
    "unit": ("单位代码", "unit"),
    "indicator": ("指标代码", "indicator"),
    "period": ("考核期", "period"),
    "value": ("观测值", "value"),
    "source_note": ("来源说明", "source_note"),
}


def observation_import(*, actor: Any, system: IndicatorSystem, rows: list[list[Any]], default_note: str = "",
                       dry_run: bool = False) -> dict[str, Any]:
    """Import observations from a sheet (header in row 1); every row is validated before any is written,
    valid rows are written in one transaction, each marked imported with its source (e.g. 第三方评估)."""
    report: dict[str, Any] = {"total": 0, "created": 0, "updated": 0, "rejected": 0, "errors": []}
    if not rows:
        report["errors"].append({"row": 1, "column": "", "code": "empty_file", "message": "文件为空"})
        return report
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    positions: dict[str, int] = {}
    for key, names in IMPORT_COLUMNS.items():
        for index, name in enumerate(header):
            if name in names:
                positions[key] = index
    missing = [IMPORT_COLUMNS[key][0] for key in ("unit", "indicator", "period", "value") if key not in positions]
    if missing:
        report["errors"].append({"row": 1, "column": "、".join(missing), "code": "missing_column",
                                 "message": f"缺少表头：{'、'.join(missing)}"})
        return report
    valid: list[tuple[Department, Indicator, str, float, str]] = []
    seen: set[tuple[str, str, str]] = set()
    # A sheet repeats a few units and indicators over many rows: look each up once.
    units: dict[Any, Department | None] = {}
    leaves: dict[Any, Indicator] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: (row[index] if index < len(row) else None) for key, index in positions.items()}
        if all(cell in (None, "") for cell in cells.values()):
            continue
        report["total"] += 1
        try:
            unit_key, leaf_key = (type(cells["unit"]), cells["unit"]), (type(cells["indicator"]), cells["indicator"])
            if unit_key not in units:
                units[unit_key] = _department(cells["unit"], "unit", "被考核单位")
            unit = _check_unit(actor, units[unit_key])
            if leaf_key not in leaves:
                leaves[leaf_key] = _leaf(system, str(cells["indicator"]) if cells["indicator"] is not None else None)
            leaf = leaves[leaf_key]
            period = clean_period(str(cells["period"]) if cells["period"] is not None else "")
            value = _observed(cells["value"], leaf)
            note = _text(str(cells.get("source_note") or "") or default_note, "source_note", "来源说明", 200,
                         required=False)
            row_key = (unit.code, leaf.code, period)
            if row_key in seen:
                raise InvalidInput("文件中重复：同一单位、指标和考核期出现多次", code="duplicate_in_file",
                                   details={"field": "indicator"})
            seen.add(row_key)
            valid.append((unit, leaf, period, value, note))
        except Forbidden:
            report["rejected"] += 1
            report["errors"].append({"row": number, "column": "单位代码", "code": "not_responsible",
                                     "message": "该单位不在您的管辖区域内"})
        except DomainError as exc:
            field = str(exc.details.get("field", ""))
            report["rejected"] += 1
            report["errors"].append({"row": number, "column": IMPORT_COLUMNS.get(field, (field,))[0],
                                     "code": exc.code, "message": exc.message})
    if dry_run or not valid:
        return report
    with transaction.atomic():
        for unit, leaf, period, value, note in valid:
            _, previous = _upsert_observation(system.code, leaf.code, unit, period, value, DataSource.IMPORTED,
                                              note, actor)
            report["updated" if previous else "created"] += 1
        audit.record(actor=actor, action="assessment.observation.import", object_type="assessment.observation",
                     object_id=system.code, object_repr=f"{system.name} 导入",
                     changes={"created": report["created"], "updated": report["updated"]})
    return report


# --- scoring and ranking --------------------------------------------------------------------------


def _tree(indicators: list[Indicator]) -> list[scoring.Node]:
    """The scorer's view of an indicator list."""
    nodes = {ind.pk: scoring.Node(code=ind.code, weight=ind.weight, frontier=ind.frontier, worst=ind.worst)
             for ind in indicators}
    roots = []
    for ind in indicators:
        if ind.parent_id is None:
            roots.append(nodes[ind.pk])
        else:
            nodes[ind.parent_id].children.append(nodes[ind.pk])
    return roots


def _refresh_computed(system: IndicatorSystem, leaves: list[Indicator], period: str, actor: Any) -> int:
    """Write the observations of computed leaves from their registered functions; returns how many."""
    written = 0
    units = list(Department.objects.filter(active=True))
    for leaf in leaves:
        if leaf.source != DataSource.COMPUTED or not leaf.computed_key:
            continue
        entry = computed.registered().get(leaf.computed_key)
        for unit in units:
            value = computed.compute(leaf.computed_key, unit, period)
            if value is None or not math.isfinite(value):
                continue
            _upsert_observation(system.code, leaf.code, unit, period, float(value), DataSource.COMPUTED,
                                entry.label if entry else leaf.computed_key, actor)
            written += 1
    return written


def compute_results(*, actor: Any, system: IndicatorSystem, period: Any) -> list[Result]:
    """Score every unit with observations for the period under this version, rank each group, freeze the
    version; results of other versions are left as they are."""
    scopes.require(actor, "assessment.compute")
    return score_period(system=system, period=clean_period(period), actor=actor)


def score_period(*, system: IndicatorSystem, period: str, actor: Any) -> list[Result]:
    """The scoring itself, without the permission check (for compute_results and the demo loader)."""
    with transaction.atomic():
        system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
        indicators = list(system.indicators.all())
        parents = {ind.parent_id for ind in indicators if ind.parent_id}
        leaves = [ind for ind in indicators if ind.pk not in parents]
        computed_rows = _refresh_computed(system, leaves, period, actor)
        leaf_codes = {ind.code for ind in leaves}
        observations: dict[int, dict[str, Observation]] = defaultdict(dict)
        for obs in Observation.objects.filter(system_code=system.code, period=period,
                                              indicator_code__in=leaf_codes).select_related("unit"):
            observations[obs.unit_id][obs.indicator_code] = obs
        roots = _tree(indicators)
        Result.objects.filter(system=system, period=period).delete()
        by_group: dict[str, dict[Any, float]] = defaultdict(dict)
        pending: list[tuple[Result, scoring.Scored, dict[str, Observation]]] = []
        for unit_obs in observations.values():
            unit = next(iter(unit_obs.values())).unit
            scored = scoring.score_tree(roots, {code: obs.value for code, obs in unit_obs.items()})
            if scored.overall is None:
                continue
            group = unit_group(unit)
            by_group[group][unit.pk] = scored.overall
            pending.append((Result(system=system, unit=unit, group=group, period=period, score=scored.overall,
                                   coverage=scored.coverage), scored, unit_obs))
        ranks: dict[str, dict[Any, int]] = {group: scoring.competition_ranks(scores)
                                            for group, scores in by_group.items()}
        for result, _, _ in pending:
            result.rank, result.of = ranks[result.group][result.unit_id], len(by_group[result.group])
        results = Result.objects.bulk_create([result for result, _, _ in pending])
        ResultItem.objects.bulk_create([
            ResultItem(result=result, indicator=ind, observation=unit_obs.get(ind.code),
                       value=unit_obs[ind.code].value if ind.code in unit_obs else None,
                       score=scored.scores.get(ind.code), effective_weight=scored.effective_weights.get(ind.code, 0))
            for result, scored, unit_obs in pending
            for ind in indicators
        ], batch_size=2000)
        if not system.frozen:
            system.frozen = True
            system.save(update_fields=["frozen"])
        audit.record(actor=actor, action="assessment.compute", obj=system,
                     changes={"period": period, "results": len(results), "computed_observations": computed_rows})
    return results


# --- Doing Business scenarios ---------------------------------------------------------------------


def _region(region: Any) -> Division:
    """The city or a county/zone."""
    division = region if isinstance(region, Division) else Division.objects.filter(
        code=str(region), level__in=["city", "county", "zone"]).first()
    if division is None:
        raise InvalidInput("区域不存在", code="unknown_region", details={"field": "region"})
    return division


def scenario_save(*, actor: Any, region: Any, period: Any, name: Any, raw: dict[str, Any],
                  baseline: bool = False) -> Db2020Scenario:
    """Validate and score a city's raw DB2020 indicators and save them as the baseline or a named what-if."""
    division = _region(region)
    scopes.require(actor, "assessment.scenario.save", division)
    period = clean_period(period)
    name = "基准数据" if baseline else _text(name, "name", "方案名称", 100)
    try:
        values = db2020.parse_raw(raw)
        result = db2020.simulate(raw)
    except db2020.RawInputError as exc:
        raise InvalidInput(exc.message, code=exc.code, details={"field": exc.field}) from exc
    stored = {key: values[key] for key in db2020.RAW_COLUMNS if key in raw}
    with transaction.atomic():
        scenario = (Db2020Scenario.objects.select_for_update()
                    .filter(region=division, period=period, name=name).first())
        before = scenario.result if scenario else None
        if scenario is None:
            scenario = Db2020Scenario.objects.create(region=division, period=period, name=name, baseline=baseline,
                                                     raw=stored, result=result, created_by=actor)
        else:
            scenario.raw, scenario.result, scenario.created_by = stored, result, actor
            scenario.save(update_fields=["raw", "result", "created_by", "updated_at"])
        audit.record(actor=actor, action="assessment.scenario.save", obj=scenario,
                     changes={"score": [before["score"] if before else None, result["score"]],
                              "rank": [before["rank"] if before else None, result["rank"]]})
    return scenario


# --- improvement plans ----------------------------------------------------------------------------


def plan_create(*, actor: Any, region: Any, title: Any) -> ImprovementPlan:
    """Start the next numbered version of a region's plan, carrying over the unfinished actions."""
    division = _region(region)
    scopes.require(actor, "assessment.plan.change", division)
    title = _text(title, "title", "方案名称", 200)
    with transaction.atomic():
        previous = (ImprovementPlan.objects.select_for_update().filter(region=division).order_by("-major").first())
        plan = ImprovementPlan.objects.create(region=division, title=title, major=(previous.major + 1) if previous
                                              else 1, created_by=actor)
        if previous is not None:
            carried = [PlanAction(plan=plan, topic=a.topic, title=a.title, owner_id=a.owner_id, deadline=a.deadline,
                                  status=a.status)
                       for a in previous.actions.exclude(status__in=[ActionStatus.DONE, ActionStatus.DROPPED])]
            PlanAction.objects.bulk_create(carried)
        audit.record(actor=actor, action="assessment.plan.create", obj=plan,
                     changes={"version": [previous.version if previous else None, plan.version]})
    return plan


def plan_publish(*, actor: Any, plan: ImprovementPlan) -> ImprovementPlan:
    """Publish a draft version; the previously published version becomes superseded."""
    with transaction.atomic():
        plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
        scopes.require(actor, "assessment.plan.change", plan.region)
        if plan.status != PlanStatus.DRAFT:
            raise Conflict("只有草稿可以印发", code="invalid_state")
        for old in ImprovementPlan.objects.select_for_update().filter(region=plan.region,
                                                                       status=PlanStatus.PUBLISHED):
            old.status = PlanStatus.SUPERSEDED
            old.save(update_fields=["status"])
        plan.status = PlanStatus.PUBLISHED
        plan.save(update_fields=["status"])
        audit.record(actor=actor, action="assessment.plan.publish", obj=plan,
                     changes={"status": [PlanStatus.DRAFT, PlanStatus.PUBLISHED]})
    return plan


def action_add(*, actor: Any, plan: ImprovementPlan, topic: Any, title: Any, owner: Any,
               deadline: Any) -> PlanAction:
    """Add an action to a plan version that is not superseded."""
    scopes.require(actor, "assessment.plan.change", plan.region)
    topic = _text(topic, "topic", "针对的专题或指标", 64)
    title = _text(title, "title", "举措", 300)
    owner_dept = _department(owner, "owner", "牵头部门")
    assert owner_dept is not None
    if isinstance(deadline, str):
        try:
            deadline = datetime.date.fromisoformat(deadline.strip())
        except ValueError as exc:
            raise InvalidInput("完成时限应为日期，如 2026-06-30", code="invalid_date",
                               details={"field": "deadline"}) from exc
    if not isinstance(deadline, datetime.date):
        raise InvalidInput("完成时限不能为空", code="missing", details={"field": "deadline"})
    with transaction.atomic():
        plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == PlanStatus.SUPERSEDED:
            raise Conflict("该版本已被新版本替代，请在新版本中添加举措", code="invalid_state")
        action = PlanAction.objects.create(plan=plan, topic=topic, title=title, owner=owner_dept, deadline=deadline)
        audit.record(actor=actor, action="assessment.action.add", obj=action,
                     changes={"title": [None, title], "owner": [None, owner_dept.code]})
    return action


def action_set_status(*, actor: Any, action: PlanAction, status: Any) -> PlanAction:
    """Move an action along ACTION_TRANSITIONS."""
    status = _choice(status, "status", "状态", ActionStatus)
    with transaction.atomic():
        action = PlanAction.objects.select_for_update().select_related("plan").get(pk=action.pk)
        scopes.require(actor, "assessment.action.status", action)
        if status not in ACTION_TRANSITIONS[action.status]:
            raise Conflict(f"举措不能从「{ActionStatus(action.status).label}」改为「{ActionStatus(status).label}」",
                           code="invalid_transition")
        before = action.status
        action.status = status
        action.save(update_fields=["status"])
        audit.record(actor=actor, action="assessment.action.status", obj=action, changes={"status": [before, status]})
    return action
