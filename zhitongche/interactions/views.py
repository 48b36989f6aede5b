"""Pages of 有效互动: stewards record contacts; counts per steward, region and month with drill-down."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.appeals.models import Appeal
from zhitongche.core.errors import DomainError, InvalidInput, NotFound
from zhitongche.core.forms import show_refusal
from zhitongche.core.htmx import render_page
from zhitongche.regions.selectors import territory_choices
from zhitongche.registry.models import Enterprise

from . import selectors, services
from .api import drill_down
from .forms import CountsForm, RecordForm
from .models import Kind, NotEffective
from .rules import MIN_MEANINGFUL_CHARS


def _date(value: str | None, field: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", code="invalid_date", details={"field": field}) from exc


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """Effective interactions per steward, region or month; each count links to the records behind it."""
    form = CountsForm(request.GET or None, regions=territory_choices())
    if form.is_bound and not form.is_valid():
        raise InvalidInput("统计条件无效", details={"errors": form.errors.get_json_data()})
    data = form.cleaned_data if form.is_bound else {}
    group_by = data.get("group_by") or "steward"
    f = selectors.InteractionFilters(date_from=data.get("date_from"), date_to=data.get("date_to"),
                                     region=data.get("region") or "")
    if getattr(request.user, "role", None) == Role.STEWARD:
        group_by = "month"
    result = selectors.interaction_counts(user=request.user, filters=f, group_by=group_by)
    for g in result["groups"]:
        extra = selectors.group_params(group_by, g["key"], f)
        g["link"] = drill_down(f, effective="true", **extra)
        g["all_link"] = drill_down(f, **extra)
    return render(request, "interactions/stats.html", {
        "form": form, "result": result, "group_by": group_by,
        "effective_link": drill_down(f, effective="true"),
        "all_link": drill_down(f), "min_chars": MIN_MEANINGFUL_CHARS,
        "kinds": [k.label for k in Kind if k != Kind.OTHER],
    })


@login_required
def interaction_list(request: HttpRequest) -> HttpResponse:
    """Interaction records the user may see, filtered (the drill-down behind every count)."""
    g = request.GET
    effective = {"true": True, "false": False}.get(g.get("effective", ""))
    steward = g.get("steward") or None
    if steward is not None and not steward.isdigit():
        raise InvalidInput("管家编号无效", code="invalid_steward", details={"field": "steward"})
    f = selectors.InteractionFilters(date_from=_date(g.get("from"), "from"), date_to=_date(g.get("to"), "to"),
                                     region=g.get("region", "")[:12], steward=int(steward) if steward else None,
                                     kind=g.get("kind", "")[:16], effective=effective,
                                     enterprise=g.get("enterprise", "")[:18])
    page = Paginator(selectors.interaction_list(user=request.user, filters=f), 30).get_page(g.get("page"))
    return render_page(request, "interactions/list.html", "interactions/partials/_table.html", {
        "page": page, "filters": f, "reasons": dict(NotEffective.choices)})


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """A steward records a visit, call, message or policy push with one of its enterprises."""
    user: Any = request.user
    if user.role != Role.STEWARD:
        raise DomainError("forbidden", "只有项目管家可以记录互动", status=403)
    enterprises = [(e.uscc, f"{e.name}（{e.uscc}）") for e in
                   scopes.visible(user, Enterprise.objects.all()).order_by("name")[:500]]
    form = RecordForm(request.POST or None, enterprises=enterprises, initial={"enterprise": request.GET.get("enterprise")})
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = (data.get("appeal") or "").strip().upper()
        # Only an appeal this steward may see is found by its number; the service checks it again.
        appeal_id = scopes.visible(user, Appeal.objects.all()).filter(number=number).values_list(
            "pk", flat=True).first() if number else None
        try:
            if number and appeal_id is None:
                raise NotFound("未找到该编号的诉求，或该诉求不属于您服务的企业", details={"field": "appeal"})
            row = services.interaction_record(actor=user, enterprise=data["enterprise"], kind=data["kind"],
                                              content=data["content"], appeal_id=appeal_id)
        except DomainError as exc:
            error, status = show_refusal(form, exc)
        else:
            if row.effective:
                messages.success(request, "已记录，计入有效互动")
            else:
                messages.warning(request, f"已记录，但不计入有效互动：{row.get_not_effective_reason_display()}")
            return redirect("interactions:record")
    elif request.method == "POST":
        status = 400
    recent = selectors.interaction_list(user=user)[:10]
    return render(request, "interactions/record.html", {"form": form, "error": error, "recent": recent,
                                                        "min_chars": MIN_MEANINGFUL_CHARS}, status=status)
