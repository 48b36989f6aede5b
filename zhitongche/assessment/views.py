"""Assessment pages: indicator systems, observations, results and rankings, Doing Business simulation, plans."""

import json
import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.core.errors import DomainError, InvalidInput, NotFound
from zhitongche.core.forms import refused_field
from zhitongche.core.htmx import render_page
from zhitongche.regions.models import Division

from . import computed, db2020, selectors, services
from .exports import xlsx_response
from .forms import (
    ActionForm,
    ActionStatusForm,
    ComputeForm,
    ImportForm,
    IndicatorForm,
    ObservationForm,
    PlanForm,
    SystemForm,
    topic_choices,
)
from .models import ACTION_TRANSITIONS, ActionStatus, DataSource, PlanAction, UnitGroup
from .periods import clean_period

PARTICIPANTS = (Role.ADMIN, Role.BUREAU, Role.LEADER, Role.DEPARTMENT)


def _participant(request: HttpRequest) -> Any:
    """The user, if their role takes part in assessment; others get 404 like any out-of-scope page."""
    user: Any = request.user
    if not (scopes.is_admin(user) or user.role in PARTICIPANTS):
        raise NotFound()
    return user


def _user_region(user: Any) -> Division | None:
    """The region a bureau officer or leader works for; the city for admins."""
    if scopes.is_admin(user):
        return Division.objects.filter(level="city").order_by("code").first()
    if user.role in (Role.BUREAU, Role.LEADER):
        return user.region
    return None


def _current_period() -> str:
    return str(timezone.localdate().year)


def _period_or_current(value: str | None) -> str:
    """A valid period from the query string, else the current year (a page shows; saving validates again)."""
    try:
        return clean_period(value)
    except InvalidInput:
        return _current_period()


# --- overview and systems -------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The systems, the latest rankings and the entry points of the app."""
    user = _participant(request)
    form = SystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        system = services.system_create(actor=user, **form.cleaned_data)
        messages.success(request, f"已新建指标体系 {system.code}")
        return redirect("assessment:system", code=system.code)
    systems = selectors.system_list(user=user)
    own_results = []
    if user.role == Role.DEPARTMENT:
        own_results = list(scopes.visible(user, selectors.Result.objects.select_related("system", "unit"))
                           .order_by("-period", "system__code"))
    return render(request, "assessment/index.html", {
        "systems": systems, "form": form, "may_edit": scopes.may(user, "assessment.system.change"),
        "own_results": own_results,
    })


@login_required
def system_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A system's indicator tree (any version), its versions, and the admin's add-indicator form."""
    user = _participant(request)
    version = request.GET.get("version")
    system = selectors.system_get(user=user, code=code, version=int(version) if version and version.isdigit()
                                  else None)
    rows = selectors.flatten(selectors.indicator_tree(system=system))
    labels = {key: entry.label for key, entry in computed.registered().items()}
    for row in rows:  # a computed indicator's function by its Chinese name
        row["computed_label"] = labels.get(row["node"].computed_key, row["node"].computed_key)
    may_edit = scopes.may(user, "assessment.system.change")
    parents = [(r["node"].code, f"{r['node'].code} {r['node'].name}") for r in rows]
    form = IndicatorForm(request.POST or None, parents=parents, initial={"source": DataSource.ENTERED})
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_add(actor=user, system=system, data=form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(refused_field(form, exc), exc.message)
        else:
            note = "（体系已有考核结果，已生成新版本）" if indicator.system_id != system.pk else ""
            messages.success(request, f"已添加指标 {indicator.code}{note}")
            return redirect("assessment:system", code=indicator.system.code)
    versions = selectors.system_versions(user=user, code=system.code)  # newest first
    return render(request, "assessment/system.html", {
        "system": system, "rows": rows, "versions": versions, "form": form, "may_edit": may_edit,
        "is_latest": system.pk == versions[0].pk,
    })


@login_required
def indicator_edit(request: HttpRequest, code: str, indicator: str) -> HttpResponse:
    """Edit one indicator of the newest version (admins); a frozen version is copied to a new one first."""
    user = _participant(request)
    system = selectors.system_get(user=user, code=code)
    node = system.indicators.filter(code=indicator).select_related("department").first()
    if node is None:
        raise NotFound()
    if not scopes.may(user, "assessment.system.change"):
        raise DomainError("forbidden", "只有平台管理员可以修改指标体系", status=403)
    initial = {key: getattr(node, key) for key in ("name", "unit", "direction", "best", "worst", "target", "weight",
                                                   "source", "computed_key")}
    initial["department"] = node.department.code if node.department else ""
    form = IndicatorForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.indicator_update(actor=user, system=system, code=node.code, data=form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(refused_field(form, exc), exc.message)
        else:
            messages.success(request, f"已修改指标 {changed.code}（体系第 {changed.system.version} 版）")
            return redirect("assessment:system", code=system.code)
    return render(request, "assessment/indicator_edit.html", {"system": system, "node": node, "form": form})


# --- observations ---------------------------------------------------------------------------------


def _entry_context(user: Any, system: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Leaf indicators that take entered values, and the units the user may enter for."""
    rows = selectors.flatten(selectors.indicator_tree(system=system))
    indicators = [(r["node"].code, f"{r['node'].code} {r['node'].name}") for r in rows
                  if r["leaf"] and r["node"].source != DataSource.COMPUTED]
    units = [(u.code, u.name) for u in selectors.entry_units(user=user)]
    return indicators, units


@login_required
def observations(request: HttpRequest) -> HttpResponse:
    """Observations of a system: list, entry form and .xlsx import (bureau, in their region)."""
    user = _participant(request)
    systems = selectors.system_list(user=user)
    if not systems:
        raise NotFound()
    code = request.GET.get("system") or systems[0].code
    system = selectors.system_get(user=user, code=code)
    indicators, units = _entry_context(user, system)
    may_enter = bool(units) and (user.role == Role.BUREAU or scopes.is_admin(user))
    # The page has two forms: the import's submit button names it, and only the form sent is checked.
    importing = request.method == "POST" and ("file" in request.FILES or request.POST.get("form") == "import")
    form = ObservationForm(request.POST if request.method == "POST" and not importing else None,
                           indicators=indicators, units=units, initial={"period": _current_period()})
    import_form = ImportForm(auto_id="import_%s")  # its own ids: both forms have a source_note field
    report = None
    if importing:
        import_form = ImportForm(request.POST, request.FILES, auto_id="import_%s")
        if import_form.is_valid():
            report = _import(user, system, import_form)
    elif request.method == "POST" and form.is_valid():
        try:
            services.observation_set(actor=user, system=system, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(refused_field(form, exc), exc.message)
        else:
            messages.success(request, "观测值已保存")
            return redirect(f"{reverse('assessment:observations')}?system={system.code}")
    rows = selectors.observation_list(user=user, system_code=system.code, period=request.GET.get("period"),
                                      unit=request.GET.get("unit"))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    names = {r["node"].code: r["node"].name for r in selectors.flatten(selectors.indicator_tree(system=system))}
    for obs in page:
        obs.indicator_name = names.get(obs.indicator_code, "")  # type: ignore[attr-defined]
    return render_page(request, "assessment/observations.html", "assessment/partials/_observation_table.html", {
        "system": system, "systems": systems, "page": page, "form": form, "import_form": import_form,
        "report": report, "may_enter": may_enter,
        "periods": selectors.periods(user=user, system_code=system.code),
    })


def _import(user: Any, system: Any, form: ImportForm) -> dict[str, Any]:
    """Run an uploaded observation file through the import service."""
    from .exports import read_rows

    try:
        rows = read_rows(form.cleaned_data["file"])
    except ValueError as exc:
        return {"total": 0, "created": 0, "updated": 0, "rejected": 0,
                "errors": [{"row": 1, "column": "", "code": "invalid_file", "message": str(exc)}]}
    return services.observation_import(actor=user, system=system, rows=rows,
                                       default_note=form.cleaned_data["source_note"],
                                       dry_run=form.cleaned_data["dry_run"])


@login_required
def observation_template(request: HttpRequest) -> HttpResponse:
    """The observation import template of a system, with one example row per leaf indicator."""
    user = _participant(request)
    system = selectors.system_get(user=user, code=request.GET.get("system", ""))
    indicators, units = _entry_context(user, system)
    unit = units[0][0] if units else "D210302"
    headers = [names[0] for names in services.IMPORT_COLUMNS.values()]
    rows = [(unit, code, _current_period(), None, "") for code, _ in indicators]
    return xlsx_response(f"{system.code}_观测值导入模板.xlsx", "观测值", headers, rows)


# --- results --------------------------------------------------------------------------------------


def _results_context(user: Any, request: HttpRequest) -> dict[str, Any]:
    systems = selectors.system_list(user=user)
    if not systems:
        raise NotFound()
    code = request.GET.get("system") or systems[0].code
    system = selectors.system_get(user=user, code=code)
    period_list = selectors.periods(user=user, system_code=system.code)
    period = request.GET.get("period") or (period_list[0] if period_list else _current_period())
    group = request.GET.get("group") if request.GET.get("group") in UnitGroup.values else None
    results = selectors.ranking(user=user, system_code=system.code, period=period, group=group)
    return {"system": system, "systems": systems, "periods": period_list, "period": period, "group": group,
            "groups": UnitGroup.choices, "results": results}


@login_required
def results(request: HttpRequest) -> HttpResponse:
    """Ranking of a period with trends, charts, compute form (city bureau) and export."""
    user = _participant(request)
    context = _results_context(user, request)
    system = context["system"]
    form = ComputeForm(request.POST or None, initial={"period": context["period"]})
    if request.method == "POST" and form.is_valid():
        try:
            computed = services.compute_results(actor=user, system=system, period=form.cleaned_data["period"])
        except InvalidInput as exc:
            form.add_error("period", exc.message)
        else:
            messages.success(request, f"已计算 {len(computed)} 个单位的得分和排名")
            return redirect(f"{reverse('assessment:results')}?system={system.code}&period="
                            f"{form.cleaned_data['period'].strip().upper()}")
    bars = {"names": [r.unit.name for r in context["results"]],
            "scores": [round(r.score, 2) for r in context["results"]]}
    context.update({
        "form": form, "may_compute": scopes.may(user, "assessment.compute"), "bars": bars,
        "trend": selectors.trend(user=user, system_code=system.code, group=context["group"]),
    })
    return render_page(request, "assessment/results.html", "assessment/partials/_results_table.html", context)


@login_required
def results_export(request: HttpRequest) -> HttpResponse:
    """The ranking table as .xlsx."""
    user = _participant(request)
    context = _results_context(user, request)
    rows = [(r.rank, r.of, r.unit.code, r.unit.name, r.get_group_display(), round(r.score, 2),
             None if r.delta is None else round(r.delta, 2), round(100 * r.coverage, 1), r.system.version)
            for r in context["results"]]
    return xlsx_response(f"{context['system'].code}_{context['period']}_排名.xlsx", "排名",
                         ["名次", "参评数", "单位代码", "单位", "排名组", "得分", "较上期", "有数据权重占比%", "体系版本"],
                         rows)


@login_required
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's score drilled down to every indicator and the observation behind it."""
    user = _participant(request)
    result = selectors.result_get(user=user, pk=pk)
    rows = selectors.result_items(result=result)
    # Only first-level indicators with data: a spoke at 0 would read as a bad score, not as no data.
    scored = [r for r in rows if r["depth"] == 0 and r["item"] and r["item"].score is not None]
    radar = {"indicators": [{"name": r["node"].name, "max": 100} for r in scored],
             "values": [round(r["item"].score, 2) for r in scored]}
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{result.unit.name}_{result.period}_得分明细.xlsx", "得分明细",
                             ["指标代码", "指标", "层级", "权重", "实际权重", "观测值", "得分", "数据来源", "来源说明"],
                             [(r["node"].code, r["node"].name, r["depth"] + 1, r["node"].weight,
                               _round(r["item"].effective_weight if r["item"] else None, 4),
                               r["item"].value if r["item"] else None,
                               _round(r["item"].score if r["item"] else None, 2),
                               r["item"].observation.get_source_display() if r["item"] and r["item"].observation
                               else "", r["item"].observation.source_note if r["item"] and r["item"].observation
                               else "") for r in rows])
    return render(request, "assessment/result.html", {"result": result, "rows": rows, "radar": radar})


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# --- Doing Business -------------------------------------------------------------------------------


def raw_from_post(data: Any) -> dict[str, Any]:
    """Raw DB2020 values from a form: empty = unknown, numbers parsed, anything else passed on for the engine to
    refuse with the field's name."""
    raw: dict[str, Any] = {}
    for field in db2020.RAW_COLUMNS:
        text = str(data.get(field, "")).strip()
        if field.endswith("_no_practice"):
            raw[field] = 1 if text == "1" else 0
        elif field in db2020.STATUS_CHOICES:
            raw[field] = text or None
        elif not text:
            raw[field] = None
        else:
            try:
                number = float(text.replace(",", ""))
                raw[field] = number if math.isfinite(number) else text
            except ValueError:
                raw[field] = text
    return raw


def _groups(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The raw columns grouped by topic for the form, with values and the kind of input."""
    groups: dict[str, dict[str, Any]] = {t: {"topic": t, "label": db2020.TOPIC_LABELS[t], "fields": []}
                                         for t in db2020.TOPICS}
    for field in db2020.RAW_COLUMNS:
        topic = db2020.TOPIC_PREFIXES[field.split("_", 1)[0]]
        value = raw.get(field)
        kind = "flag" if field.endswith("_no_practice") else "status" if field in db2020.STATUS_CHOICES else "number"
        groups[topic]["fields"].append({
            "name": field, "label": db2020.FIELD_LABELS[field].split("·", 1)[-1], "kind": kind,
            "value": "" if value is None else (f"{value:g}" if isinstance(value, float) else value),
            "choices": [(c, db2020.STATUS_LABELS.get(c, c)) for c in db2020.STATUS_CHOICES.get(field, ())],
            "scored": field in db2020.BOUNDS,
        })
    return list(groups.values())


def _mark_open(groups: list[dict[str, Any]], error: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Open the topic group that holds the field an error names."""
    field = (error or {}).get("field")
    for group in groups:
        group["open"] = any(f["name"] == field for f in group["fields"])
    return groups


def _simulate(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(result, None) or (None, error with field and message)."""
    try:
        return db2020.simulate(raw), None
    except db2020.RawInputError as exc:
        return None, {"field": exc.field, "label": db2020.FIELD_LABELS.get(exc.field, exc.field),
                      "message": exc.message, "code": exc.code}


def _result_context(user: Any, region: Division | None, result: dict[str, Any] | None,
                    baseline: Any) -> dict[str, Any]:
    """What the result panel shows: topics against frontier and the two cities, plan progress, radar data."""
    if result is None:
        return {"result": None}
    rows = selectors.comparison(result)
    progress = selectors.plan_progress(user=user, region=region)
    for row in rows:
        row["progress"] = progress["by_topic"].get(row["topic"]) if progress else None
    base = baseline.result if baseline is not None else None
    cities = {row.code: row for row in db2020.published_table().cities}
    return {
        "result": result, "rows": rows, "plan": progress["plan"] if progress else None, "baseline": base,
        "delta": round(result["score"] - base["score"], 3) if base else None,
        "rank_move": base["rank"] - result["rank"] if base else None,
        "beijing": cities["CHN_Beij"], "shanghai": cities["CHN"],
        "china": next((row for row in db2020.published_table().economies if row.code == "CHIN"), None),
        "radar": {"indicators": [{"name": r["label"], "max": 100} for r in rows],
                  "series": [{"name": "模拟", "value": [r["score"] for r in rows]},
                             {"name": "北京", "value": [r["beijing"] for r in rows]},
                             {"name": "上海", "value": [r["shanghai"] for r in rows]}]},
    }


def _db_region(request: HttpRequest) -> Division:
    user = _participant(request)
    region = _user_region(user)
    if region is None:
        raise NotFound()
    return region


def _economy_choices() -> list[tuple[str, str]]:
    table, names = db2020.published_table(), db2020.economy_names_zh()
    return [("CHN_Beij", "中国北京（已发布城市数据）"), ("CHN", "中国上海（已发布城市数据）")] + [
        (row.code, f"{row.rank}. {names[row.iso3 or '']}") for row in table.economies]


@login_required
def db2020_page(request: HttpRequest) -> HttpResponse:
    """Enter, import or pre-fill the city's raw DB2020 indicators; see topics, score and rank; save scenarios."""
    user = request.user
    region = _db_region(request)
    period = _period_or_current(request.GET.get("period") or request.POST.get("period"))
    scenarios = list(selectors.scenario_list(user=user, region=region))
    baseline = next((s for s in scenarios if s.baseline and s.period == period), None)
    error = None
    source_label = ""
    if request.method == "POST":
        raw = raw_from_post(request.POST)
        try:
            scenario = services.scenario_save(actor=user, region=region, period=period,
                                              name=request.POST.get("name", ""),
                                              raw=raw, baseline=request.POST.get("baseline") == "1")
        except InvalidInput as exc:
            error = {"field": exc.details.get("field"), "message": exc.message}
            error["label"] = db2020.FIELD_LABELS.get(str(error["field"]), "")
        else:
            messages.success(request, f"已保存「{scenario.name}」：{scenario.result['score']:.3f} 分，"
                                      f"第 {scenario.result['rank']} 名")
            return redirect(f"{reverse('assessment:db2020')}?period={scenario.period}&scenario={scenario.pk}")
    elif request.GET.get("prefill"):
        code = request.GET["prefill"]
        try:
            raw = db2020.published_raw(code)
        except KeyError as exc:
            raise NotFound("没有该经济体或城市的已发布数据") from exc
        source_label = dict(_economy_choices()).get(code, code)
    elif request.GET.get("scenario"):
        chosen = selectors.scenario_get(user=user, pk=request.GET["scenario"])
        raw = dict(chosen.raw)
        period = chosen.period
        source_label = f"已保存方案：{chosen.period} {chosen.name}"
    elif baseline is not None:
        raw = dict(baseline.raw)
        source_label = f"{baseline.period} 基准数据"
    else:
        raw = {}
    result, sim_error = _simulate(raw) if raw else (None, None)
    context: dict[str, Any] = {
        "region": region, "period": period, "error": error or (sim_error if raw else None),
        "scenarios": scenarios, "may_save": scopes.may(user, "assessment.scenario.save", region),
        "economies": _economy_choices(), "source_label": source_label, "raw_json": json.dumps(raw),
        "scored_fields": [(f, db2020.FIELD_LABELS[f]) for f in db2020.BOUNDS],
        "current_scenario": request.GET.get("scenario", ""),
    }
    context["groups"] = _mark_open(_groups(raw), context["error"])
    context.update(_result_context(user, region, result, baseline))
    return render(request, "assessment/db2020.html", context, status=400 if error else 200)


@login_required
@require_POST
def db2020_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the result panel for the values currently in the form (nothing is saved)."""
    user = request.user
    region = _db_region(request)
    period = request.POST.get("period") or _current_period()
    baseline = selectors.scenario_list(user=user, region=region, period=period).filter(baseline=True).first()
    result, error = _simulate(raw_from_post(request.POST))
    context = {"error": error, "region": region}
    context.update(_result_context(user, region, result, baseline))
    return render(request, "assessment/partials/_db_result.html", context)


def _partial_status(request: HttpRequest, context: dict[str, Any]) -> int:
    """400 for refused input, except to htmx, which swaps only 2xx answers into the page (the fragment itself
    carries the error message)."""
    return 400 if context.get("error") and not getattr(request, "htmx", False) else 200


@login_required
@require_POST
def db2020_whatif(request: HttpRequest) -> HttpResponse:
    """htmx: change one indicator of the shown values and see the score and the rank move."""
    _db_region(request)
    try:
        base_raw = json.loads(request.POST.get("base", "{}"))
    except ValueError:
        base_raw = None
    field = request.POST.get("field", "")
    context: dict[str, Any] = {"field": field, "label": db2020.FIELD_LABELS.get(field, "")}
    if not isinstance(base_raw, dict) or field not in db2020.BOUNDS:
        context["error"] = {"message": "请选择要调整的指标"}
        return render(request, "assessment/partials/_whatif.html", context, status=_partial_status(request, context))
    if not request.POST.get("value", "").strip():
        context["hint"] = "输入调整后的数值，即可看到总分和名次的变化。"
        return render(request, "assessment/partials/_whatif.html", context)
    base, base_error = _simulate(base_raw)
    changed_raw = dict(base_raw)
    changed_raw[field] = raw_from_post({field: request.POST.get("value", "")})[field]
    changed, error = _simulate(changed_raw)
    context.update({"base": base, "changed": changed, "error": base_error or error,
                    "old_value": base_raw.get(field), "new_value": changed_raw.get(field)})
    if base and changed:
        context["topics"] = [
            {"label": db2020.TOPIC_LABELS[t], "before": base["topics"][t], "after": changed["topics"][t],
             "delta": round(changed["topics"][t] - base["topics"][t], 3)}
            for t in db2020.TOPICS if changed["topics"][t] != base["topics"][t]]
        context["delta"] = round(changed["score"] - base["score"], 3)
        context["rank_move"] = base["rank"] - changed["rank"]
    return render(request, "assessment/partials/_whatif.html", context, status=_partial_status(request, context))


@login_required
@require_POST
def db2020_import(request: HttpRequest) -> HttpResponse:
    """Read raw DB2020 indicators from an .xlsx (field key or Chinese label in column A, value in column B)."""
    from .exports import read_rows

    user = request.user
    region = _db_region(request)
    period = request.POST.get("period") or _current_period()
    form = ImportForm(request.POST, request.FILES)
    raw: dict[str, Any] = {}
    problems: list[str] = []
    if not form.is_valid():
        problems.append("请选择 .xlsx 文件")
    else:
        try:
            rows = read_rows(form.cleaned_data["file"], max_rows=500)
        except ValueError as exc:
            rows = []
            problems.append(str(exc))
        by_label = {label: key for key, label in db2020.FIELD_LABELS.items()}
        values: dict[str, Any] = {}
        for number, row in enumerate(rows, start=1):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            key = by_label.get(key, key)
            if key not in db2020.FIELD_LABELS:
                if number > 1:
                    problems.append(f"第 {number} 行：未知指标「{key[:40]}」")
                continue
            values[key] = "" if len(row) < 2 or row[1] is None else str(row[1])
        raw = raw_from_post(values)
    result, error = _simulate(raw) if raw else (None, None)
    baseline = selectors.scenario_list(user=user, region=region, period=period).filter(baseline=True).first()
    context = {
        "region": region, "period": period, "groups": _mark_open(_groups(raw), error), "error": error,
        "problems": problems,
        "scenarios": list(selectors.scenario_list(user=user, region=region)),
        "may_save": scopes.may(user, "assessment.scenario.save", region), "economies": _economy_choices(),
        "source_label": "导入的 Excel 文件（尚未保存）", "raw_json": json.dumps(raw),
        "scored_fields": [(f, db2020.FIELD_LABELS[f]) for f in db2020.BOUNDS],
    }
    context.update(_result_context(user, region, result, baseline))
    return render(request, "assessment/db2020.html", context, status=400 if problems else 200)


@login_required
def db2020_template(request: HttpRequest) -> HttpResponse:
    """The raw DB2020 import template: every field with its Chinese label (Beijing's values as an example)."""
    _db_region(request)
    example = db2020.published_raw("CHN_Beij")
    return xlsx_response("营商环境2020原始指标模板.xlsx", "原始指标", ["指标", "数值", "字段"],
                         [(label, example.get(key), key) for key, label in db2020.FIELD_LABELS.items()])


@login_required
def db2020_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved scenario's topic comparison as .xlsx."""
    _db_region(request)
    scenario = selectors.scenario_get(user=request.user, pk=pk)
    rows = selectors.comparison(scenario.result)
    table = [(r["label"], r["score"], r["frontier"], r["beijing"], r["shanghai"], r["gap_frontier"],
              r["gap_best_city"]) for r in rows]
    table.append(("总分 / 名次", scenario.result["score"], None, None, None, None,
                  f"第 {scenario.result['rank']} 名 / {scenario.result['of']}"))
    return xlsx_response(f"{scenario.period}_{scenario.name}_营商环境模拟.xlsx", "专题得分",
                         ["专题", "模拟得分", "前沿", "北京", "上海", "与前沿差距", "与京沪较优者差距"], table)


# --- improvement plans ----------------------------------------------------------------------------


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """The region's plan versions with their actions and progress; new versions and actions (bureau)."""
    user = _participant(request)
    region = _user_region(user)
    plan_list = list(selectors.plan_list(user=user, region=region if user.role != Role.DEPARTMENT else None))
    chosen_id = request.GET.get("plan")
    plan = next((p for p in plan_list if str(p.pk) == chosen_id), plan_list[0] if plan_list else None)
    may_change = region is not None and scopes.may(user, "assessment.plan.change", region)
    plan_form = PlanForm(request.POST if request.POST.get("form") == "plan" else None, auto_id="plan_%s")
    action_form = ActionForm(request.POST if request.POST.get("form") == "action" else None, auto_id="action_%s")
    if request.method == "POST":
        target = _plan_post(request, user, region, plan, plan_form, action_form)
        if target is not None:
            return target
    actions = list(selectors.plan_actions(user=user, plan=plan)) if plan else []
    labels = dict(topic_choices())
    for action in actions:
        action.topic_label = labels.get(action.topic, action.topic)  # type: ignore[attr-defined]
        action.next_statuses = [(s, ActionStatus(s).label) for s in ACTION_TRANSITIONS[action.status]]  # type: ignore[attr-defined]
        action.may_change = scopes.may(user, "assessment.action.status", action)  # type: ignore[attr-defined]
    return render(request, "assessment/plans.html", {
        "plans": plan_list, "plan": plan, "actions": actions, "may_change": may_change, "plan_form": plan_form,
        "action_form": action_form, "today": timezone.localdate(),
    })


def _plan_post(request: HttpRequest, user: Any, region: Any, plan: Any, plan_form: PlanForm,
               action_form: ActionForm) -> HttpResponse | None:
    """Handle the plan page's forms; a redirect on success, None to show errors."""
    kind = request.POST.get("form")
    url = reverse("assessment:plans")
    try:
        if kind == "plan" and plan_form.is_valid():
            new = services.plan_create(actor=user, region=region, title=plan_form.cleaned_data["title"])
            messages.success(request, f"已创建方案 {new.version} 版")
            return redirect(f"{url}?plan={new.pk}")
        if kind == "publish" and plan is not None:
            services.plan_publish(actor=user, plan=plan)
            messages.success(request, f"{plan.version} 版已印发")
            return redirect(f"{url}?plan={plan.pk}")
        if kind == "action" and plan is not None and action_form.is_valid():
            services.action_add(actor=user, plan=plan, **action_form.cleaned_data)
            messages.success(request, "已添加举措")
            return redirect(f"{url}?plan={plan.pk}")
    except InvalidInput as exc:
        (plan_form if kind == "plan" else action_form).add_error(None, exc.message)
    return None


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an action to another status (bureau of the region, or the owning department)."""
    user = _participant(request)
    action = scopes.get_visible(user, PlanAction.objects.select_related("plan"), pk=pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("状态无效", code="invalid_choice", details={"field": "status"})
    services.action_set_status(actor=user, action=action, status=form.cleaned_data["status"])
    messages.success(request, "举措状态已更新")
    return redirect(f"{reverse('assessment:plans')}?plan={action.plan_id}")
