"""Registry pages: enterprises and stewards (lists, details, assignment), coverage and data-entry progress."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from zhitongche.accounts import scopes
from zhitongche.core.errors import DomainError
from zhitongche.core.htmx import render_page

from . import selectors, services
from .choices import Category, EnterpriseStatus

ENTERPRISE_FILTERS = ("q", "region", "township", "grid", "category", "status", "covered", "steward")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def enterprises(request: HttpRequest) -> HttpResponse:
    """Visible entities with filters, search by name or code, pagination."""
    f = {k: request.GET.get(k, "").strip()[:100] for k in ENTERPRISE_FILTERS}
    rows = selectors.enterprise_list(user=request.user, q=f["q"], region=f["region"], township=f["township"],
                                     grid=_int(f["grid"]), category=f["category"], status=f["status"],
                                     covered=f["covered"], steward=_int(f["steward"]))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    stewards = selectors.primary_stewards(list(page.object_list))
    items = [(e, stewards.get(e.pk)) for e in page.object_list]
    return render_page(request, "registry/enterprises.html", "registry/partials/_enterprise_table.html", {
        "page": page, "items": items, "f": f, "categories": Category.choices, "statuses": EnterpriseStatus.choices,
    })


@login_required
def enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    """One entity with its assignments, and (for who may) the form to assign a primary steward."""
    e = selectors.enterprise_get(user=request.user, pk=pk)
    may_assign = scopes.may(request.user, "enterprise.assign", e)
    return render(request, "registry/enterprise.html", {
        "e": e, "assignments": selectors.enterprise_assignments(enterprise=e), "may_assign": may_assign,
        "stewards": selectors.steward_choices(user=request.user, region=e.region_id)[:200]
        if may_assign else [],
    })


@login_required
@require_POST
def enterprise_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the chosen steward as primary."""
    try:
        services.assign_primary(actor=request.user, enterprise_id=pk, steward_id=_int(request.POST.get("steward")) or 0)
        messages.success(request, "已指派主责管家。")
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("registry:enterprise", pk=pk)


@login_required
def stewards(request: HttpRequest) -> HttpResponse:
    """Visible stewards with filters and their number of enterprises."""
    f = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "region", "department", "active")}
    page = Paginator(selectors.steward_list(user=request.user, **f), 50).get_page(request.GET.get("page"))
    return render_page(request, "registry/stewards.html", "registry/partials/_steward_table.html",
                       {"page": page, "f": f})


@login_required
def steward(request: HttpRequest, pk: int) -> HttpResponse:
    """A steward and the enterprises they are currently responsible for; bulk assignment by grid or township."""
    s = selectors.steward_get(user=request.user, pk=pk)
    rows = selectors.enterprise_list(user=request.user, steward=s.pk)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "registry/steward.html", {
        "s": s, "page": page, "may_assign": scopes.may(request.user, "steward.assign", s),
        "grids": s.grids.select_related("township").all(),  # type: ignore[attr-defined]
    })


@login_required
@require_POST
def steward_bulk_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign every operating entity of a grid or township to this steward."""
    try:
        result = services.assign_bulk(actor=request.user, steward_id=pk, grid_id=_int(request.POST.get("grid")),
                                      township=request.POST.get("township", "").strip() or None,
                                      only_unassigned=bool(request.POST.get("only_unassigned")))
        messages.success(request, f"已处理 {result['enterprises']} 户企业，其中 {result['changed']} 户更换了主责管家。")
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("registry:steward", pk=pk)


@login_required
def enterprise_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s for a form's enterprise field as the user types (htmx fills a datalist): up to 20 operating
    entities the user may see whose name contains, or whose code starts with, the text; the value is the code."""
    text = (request.GET.get("enterprise") or "").strip()[:60]
    # Called as the user types: only what the options show.
    found = selectors.enterprise_list(user=request.user, q=text, status=EnterpriseStatus.OPERATING).select_related(
        None).select_related("region").only("uscc", "name", "region__name")[:20] if len(text) >= 2 else []
    return render(request, "registry/partials/_enterprise_options.html", {"found": found})


GRIDS_AT_ONCE = 60  # more grids than this are listed per township


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Coverage figures with a chart; every number links to the list behind it (the roles its menu entry is for:
    a steward's or an enterprise's scope holds no territory, so the page would show zeros)."""
    figures = selectors.coverage(user=request.user)
    towns = {row["code"]: row["name"] for row in figures["by_township"]}
    township = request.GET.get("township", "")
    township = township if township in towns or township == "all" else ""
    grids = figures["by_grid"]
    if township in towns:
        grids = [row for row in grids if row["township"] == township]
    elif not township and len(grids) > GRIDS_AT_ONCE:
        grids = None  # a city's 2,000 grids: one township's at a time, or all on request
    name = towns.get(township, "")
    return render(request, "registry/coverage.html", {"c": figures, "grids": grids, "township_name": name,
                                                      "grid_title": f"按网格（{name}）" if name else "按网格"})


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    """信息填报情况 per responsible department and district; ?format=xlsx exports it."""
    rows = selectors.entry_progress(user=request.user)
    if request.GET.get("format") == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = "信息填报情况"
        ws.append(["部门代码", "上报单位", "类型", "区域", "负责的经营主体", "导入次数", "上报行数", "新增", "更新",
                   "拒绝", "拒绝率(%)", "最近导入"])
        for r in rows:
            ws.append([r["code"], r["name"], r["kind"], r["region"], r["responsible_operating"], r["jobs"],
                       r["rows"], r["created"], r["updated"], r["rejected"], r["rejection_rate"],
                       r["last"].strftime("%Y-%m-%d %H:%M") if r["last"] else ""])
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = "attachment; filename*=UTF-8''entry-progress.xlsx"
        return response
    return render(request, "registry/progress.html", {"rows": rows})
