"""Workbench pages of the closed loop: enterprise, steward, bureau and department; detail with timeline; figures."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.core.errors import DomainError, InvalidInput
from zhitongche.core.forms import refused_field, show_refusal
from zhitongche.core.htmx import render_page
from zhitongche.regions.models import Department
from zhitongche.regions.selectors import territory_choices
from zhitongche.registry.models import Enterprise

from . import selectors, services
from .api import stats_links, trend_links
from .forms import ListFilterForm, StatsForm, SubmitForm
from .models import REPLY_DAYS, Action, Category, Rating, Stage

EXPORT_LIMIT = 50000


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The workbench of the user's role."""
    user: Any = request.user
    role = "admin" if scopes.is_admin(user) else user.role
    target = {"bureau": "appeals:pool", "department": "appeals:inbox", "enterprise": "appeals:mine",
              "steward": "appeals:mine", "leader": "appeals:stats", "clerk": "appeals:list",
              "admin": "appeals:list"}.get(role, "appeals:notifications")
    return redirect(target)


def _queue(request: HttpRequest, qs: Any, *, title: str, lead: str, show: str = "") -> HttpResponse:
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render_page(request, "appeals/queue.html", "appeals/partials/_table.html", {
        "title": title, "lead": lead, "page": page, "now": timezone.now(), "show": show,
        "unread": selectors.unread_count(user=request.user),
    })


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """Bureau: new appeals to accept or reject, and accepted ones to dispatch."""
    if not selectors.bureau_side(request.user):
        return redirect("appeals:home")
    return _queue(request, selectors.bureau_pool(user=request.user), title="诉求池",
                  lead="待受理与待交办的诉求（最早提交的在前）。标有「疑似重复」的可在详情页合并。", show="pool")


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Bureau: appeals past their reply deadline, for 督办."""
    if not selectors.bureau_side(request.user):
        return redirect("appeals:home")
    return _queue(request, selectors.overdue_list(user=request.user), title="超期诉求",
                  lead="已超过办理期限仍在部门手中的诉求（超期最久的在前），可在详情页督办或延期。", show="deadline")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Department: appeals it leads that wait to be signed or replied, nearest deadline first."""
    if getattr(request.user, "role", None) != Role.DEPARTMENT:
        return redirect("appeals:home")
    return _queue(request, selectors.department_inbox(user=request.user), title="待办诉求",
                  lead="本部门主办、待签收或办理中的诉求（期限最近的在前）。签收期限为交办后 1 个工作日。",
                  show="deadline")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Enterprise: its appeals; steward: its enterprises' appeals and the return visits waiting."""
    user: Any = request.user
    revisits = selectors.steward_revisits(user=user)[:50] if user.role == Role.STEWARD else None
    page = Paginator(selectors.enterprise_side_list(user=user), 30).get_page(request.GET.get("page"))
    return render_page(request, "appeals/mine.html", "appeals/partials/_table.html", {
        "title": "我的诉求" if user.role == Role.ENTERPRISE else "服务企业的诉求", "page": page,
        "revisits": revisits, "now": timezone.now(), "unread": selectors.unread_count(user=user),
    })


def _filters(form: ListFilterForm) -> selectors.AppealFilters:
    data = form.cleaned_data
    return selectors.AppealFilters(
        q=data.get("q") or "", stage=data.get("stage") or "", category=data.get("category") or "",
        department=data.get("department") or "", region=data.get("region") or "",
        date_from=data.get("date_from"), date_to=data.get("date_to"), overdue=data.get("overdue"),
        figure=data.get("figure") or "")


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """All visible appeals with filters (the page every figure links to), and an .xlsx export."""
    form = ListFilterForm(request.GET or None)
    qs = selectors.appeal_list(user=request.user)
    if form.is_bound and form.is_valid():
        try:  # codes that exist only in the database (departments, regions, figures) are checked here
            qs = selectors.appeal_list(user=request.user, filters=_filters(form))
        except InvalidInput as exc:
            form.add_error(refused_field(form, exc), exc.message)
    refused = bool(form.errors)
    if request.GET.get("export") == "xlsx" and not refused:
        return _export(qs)
    # Refused filters are shown beside the form with no results, rather than replacing the page.
    page = Paginator(qs.none() if refused else qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    figure = request.GET.get("figure", "")
    return render_page(request, "appeals/list.html", "appeals/partials/_table.html", {
        "form": form, "page": page, "now": timezone.now(), "title": "诉求查询",
        "export_url": f"{reverse('appeals:list')}?{urlencode({**query.dict(), 'export': 'xlsx'})}",
        "figure": selectors.figure_label(figure) if figure and not form.errors.get("figure") else "",
        "filter_errors": [f"{form.fields[name].label if name in form.fields else '筛选条件'}：{'；'.join(map(str, errors))}"
                          for name, errors in form.errors.items()] if refused else [],
    }, status=400 if refused else 200)


def _export(qs: Any) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("诉求")
    ws.append(["诉求编号", "企业", "统一社会信用代码", "区域", "渠道", "类别", "标题", "阶段", "主办部门", "提交时间",
               "办理期限", "超期", "重办次数", "评价"])
    now = timezone.now()
    for a in qs[:EXPORT_LIMIT]:
        ws.append([a.number, a.enterprise.name, a.enterprise.uscc, a.region.name, a.get_channel_display(),
                   a.get_category_display(), a.title, a.get_stage_display(),
                   a.lead_department.name if a.lead_department else "",
                   timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M"),
                   timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M") if a.due_at else "",
                   "是" if a.is_overdue(now) else "否", a.reopen_count, a.get_rating_display() if a.rating else ""])
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=appeals.xlsx"
    wb.save(response)
    return response


def _submit_enterprises(user: Any) -> list[tuple[str, str]] | None:
    if user.role == Role.STEWARD:
        ents = scopes.visible(user, Enterprise.objects.all()).order_by("name")[:500]
        return [(e.uscc, f"{e.name}（{e.uscc}）") for e in ents]
    return None


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    """Submit an appeal (mobile-friendly): enterprise users for themselves, stewards for assigned enterprises,
    bureau and window clerks for any enterprise in their region."""
    user: Any = request.user
    if user.role not in (Role.ENTERPRISE, Role.STEWARD, Role.BUREAU, Role.CLERK) and not scopes.is_admin(user):
        raise DomainError("forbidden", "您的角色不能提交诉求", status=403)
    enterprises = _submit_enterprises(user)
    initial = {"channel": services.DEFAULT_CHANNEL.get(user.role, "other")}
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        initial["enterprise"] = user.enterprise.uscc
    form = SubmitForm(request.POST or None, initial=initial, enterprises=enterprises)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_submit(
                actor=user, enterprise=user.enterprise.uscc if user.role == Role.ENTERPRISE else data["enterprise"],
                channel=data["channel"], category=data["category"], title=data["title"], content=data["content"],
                files=request.FILES.getlist("files"))
        except DomainError as exc:
            error, status = show_refusal(form, exc)
        else:
            messages.success(request, f"诉求已提交，编号 {appeal.number}")
            return redirect("appeals:detail", appeal.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "appeals/submit.html", {
        "form": form, "error": error, "fixed_enterprise": user.enterprise if user.role == Role.ENTERPRISE else None,
        "reply_days": {Category(c).label: d for c, d in REPLY_DAYS.items()},
    }, status=status)


def _detail_context(request: HttpRequest, appeal_id: int) -> dict[str, Any]:
    user: Any = request.user
    appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
    actions = selectors.available_actions(user, appeal)
    suggestions = selectors.suggestions(user=user, appeal=appeal) if Action.DISPATCH in actions else None
    events = list(appeal.events.all())
    # The timeline names the departments of each dispatch (its event keeps their codes).
    codes = {code for e in events if isinstance(e.data, dict)
             for code in [e.data.get("lead_department"), *(e.data.get("co_departments") or [])] if code}
    return {
        "appeal": appeal, "actions": actions, "suggestions": suggestions,
        "duplicate": selectors.duplicate_hint(user=user, appeal=appeal),
        "events": events, "attachments": list(appeal.attachments.all()),
        "department_names": dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
        if codes else {},
        "departments": Department.objects.filter(active=True).order_by("kind", "code") if Action.DISPATCH in actions else [],
        "ratings": Rating.choices, "now": timezone.now(), "overdue": appeal.is_overdue(),
        "stage_steps": [(s, s.label) for s in (Stage.SUBMITTED, Stage.ACCEPTED, Stage.DISPATCHED, Stage.HANDLING,
                                               Stage.REPLIED, Stage.REVISITED, Stage.CLOSED)],
    }


@login_required
def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """One appeal: facts, deadlines, the timeline, attachments and the forms of the actions the user may take."""
    return render_page(request, "appeals/detail.html", "appeals/partials/_timeline.html",
                       _detail_context(request, appeal_id))


def _bool_field(value: str | None) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get((value or "").lower())


def _int_field(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput("请输入整数", code="invalid_number", details={"field": field}) from exc


def _action_fields(action: str, post: Any) -> dict[str, Any]:
    from .api import action_fields

    values = {
        "note": post.get("note"), "reason": post.get("reason"),
        "lead_department": post.get("lead_department_other") or post.get("lead_department"),
        "co_departments": [c for c in post.getlist("co_departments") if c],
        "days": _int_field(post.get("days"), "days"), "content": post.get("content"),
        "resolved": _bool_field(post.get("resolved")), "confirmed": _bool_field(post.get("confirmed")),
        "rating": post.get("rating"), "comment": post.get("comment"), "into": _int_field(post.get("into"), "into"),
    }
    return action_fields(action, values)


@login_required
@require_POST
def act(request: HttpRequest, appeal_id: int, action: str) -> HttpResponse:
    """Take one action from the detail page; on refusal, show the page again with the reason and its status."""
    try:
        if action not in services.ACTIONS:
            raise DomainError("unknown_action", f"未知动作 {action}", status=404)
        fields = _action_fields(action, request.POST)
        if action == Action.REPLY:
            fields["files"] = request.FILES.getlist("files")
        services.appeal_act(actor=request.user, appeal_id=appeal_id, action=action, fields=fields)
    except DomainError as exc:
        if exc.status == 404:
            raise
        context = _detail_context(request, appeal_id)
        # The refused form is shown again with what was typed (files must be chosen again).
        context.update(error=exc, posted=request.POST, posted_action=action)
        return render(request, "appeals/detail.html", context, status=exc.status)
    messages.success(request, f"已{Action(action).label}")
    if action == Action.RETURN:
        return redirect("appeals:home")
    return redirect("appeals:detail", appeal_id)


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Download an attachment of an appeal the user may see (404 otherwise); never rendered inline."""
    item = selectors.attachment_get(user=request.user, attachment_id=attachment_id)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


RATE_LABELS = (("response", "响应率", "按时签收 ÷ 已交办"), ("resolution", "解决率", "反馈已解决且回访确认 ÷ 已反馈"),
               ("satisfaction", "满意率", "非常满意、满意、基本满意 ÷ 已评价"))


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """The three rates, counts per stage, overdue and handling time, with charts; every figure links to its list."""
    form = StatsForm(request.GET or None, regions=territory_choices(),
                     departments=list(Department.objects.filter(active=True).values_list("code", "name")))
    if form.is_bound and not form.is_valid():
        raise InvalidInput("统计条件无效", details={"errors": form.errors.get_json_data()})
    data = form.cleaned_data if form.is_bound else {}
    date_from: datetime.date | None = data.get("date_from")
    date_to: datetime.date | None = data.get("date_to")
    result = selectors.appeal_stats(user=request.user, date_from=date_from, date_to=date_to,
                                    region=data.get("region") or "", department=data.get("department") or "")
    links = stats_links(result)
    stages = [{"stage": s, "label": Stage(s).label, "count": n, "link": links[f"stage:{s}"]}
              for s, n in result["stages"].items()]
    rates = [{"key": key, "label": label, "value": result["rates"][key], "num": selectors.RATES[key][0],
              "den": selectors.RATES[key][1], "rule": rule} for key, label, rule in RATE_LABELS]
    for r in rates:
        r.update(num_count=result["counts"][r["num"]], den_count=result["counts"][r["den"]],
                 num_link=links[r["num"]], den_link=links[r["den"]],
                 percent=_percent(r["value"]))
    trend = trend_links(selectors.appeal_trend(user=request.user, date_from=date_from, date_to=date_to,
                                               region=data.get("region") or "", department=data.get("department") or ""))
    months = [{"month": m["month"], "total": m["total"], "link": m["links"]["all"],
               "rates": [{"percent": _percent(m["rates"][r["key"]]), "num": m["counts"][r["num"]],
                          "den": m["counts"][r["den"]], "link": m["links"][r["num"]], "den_link": m["links"][r["den"]]}
                         for r in rates]}
              for m in trend["months"]]
    chart = {"stages": stages, "rates": [{"label": r["label"], "percent": r["percent"], "link": r["num_link"]}
                                         for r in rates],
             "trend": [{"month": m["month"], "total": m["total"], "link": m["link"],
                        "rates": [{"percent": r["percent"], "link": r["link"]} for r in m["rates"]]} for m in months]}
    return render(request, "appeals/stats.html", {
        "form": form, "stats": result, "links": links, "stages": stages, "rates": rates, "chart": chart,
        "trend": trend, "months": months,
        "trend_months": selectors.TREND_MONTHS, "trend_months_max": selectors.TREND_MONTHS_MAX,
    })


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications; unread ones are marked read with one button (htmx)."""
    if request.method == "POST":
        services.notification_mark_read(actor=request.user)
    page = Paginator(selectors.notifications(user=request.user), 30).get_page(request.GET.get("page"))
    return render_page(request, "appeals/notifications.html", "appeals/partials/_notifications.html", {
        "page": page, "unread": selectors.unread_count(user=request.user)})
