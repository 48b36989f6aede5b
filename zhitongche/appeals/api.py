"""The appeals API of CONTRACT.md §5: submit, read (with dispatch suggestions for the bureau), act, list, figures."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from zhitongche.api.auth import acting_user
from zhitongche.api.responses import rendered

from . import selectors, services
from .models import Action, Appeal, Rating

router = Router(tags=["诉求闭环"])


class AppealIn(Schema):
    enterprise: str = Field(max_length=64, description="企业统一社会信用代码")
    channel: str | None = Field(None, max_length=32, description="渠道，缺省按提交人角色")
    category: str = Field(max_length=32, description="consultation / general / complex / urgent")
    title: str = Field(max_length=1000)
    content: str = Field(max_length=20000)


class EnterpriseRef(Schema):
    uscc: str
    name: str


class EventOut(Schema):
    action: str
    actor: str
    at: datetime.datetime
    note: str
    stage_from: str
    stage_to: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    event_action: str | None


class SuggestionOut(Schema):
    department: str
    name: str
    score: float
    reason: str


class DuplicateOut(Schema):
    id: int
    number: str
    title: str
    similarity: float


class AppealSummary(Schema):
    id: int
    number: str
    enterprise: EnterpriseRef
    region: str
    channel: str
    category: str
    title: str
    stage: str
    lead_department: str | None
    submitted_at: datetime.datetime
    due_at: datetime.datetime | None
    overdue: bool
    reopen_count: int
    rating: str | None
    escalated: bool


class AppealOut(AppealSummary):
    content: str
    co_departments: list[str]
    sign_due_at: datetime.datetime | None
    dispatched_at: datetime.datetime | None
    signed_at: datetime.datetime | None
    replied_at: datetime.datetime | None
    resolved: bool | None
    confirmed: bool | None
    comment: str
    merged_into: str | None
    events: list[EventOut]
    attachments: list[AttachmentOut]
    actions: list[str] = Field(description="调用者在当前阶段可执行的动作")
    suggestions: list[SuggestionOut] | None = Field(None, description="主办部门建议（仅营商局用户）")
    duplicate_of: DuplicateOut | None = Field(None, description="疑似重复的未办结诉求（仅营商局用户）")


def summary(appeal: Appeal) -> dict[str, Any]:
    """The list fields of an appeal."""
    return {
        "id": appeal.pk, "number": appeal.number,
        "enterprise": {"uscc": appeal.enterprise.uscc, "name": appeal.enterprise.name},
        "region": appeal.region_id, "channel": appeal.channel, "category": appeal.category,
        "title": appeal.title, "stage": appeal.stage,
        "lead_department": appeal.lead_department.code if appeal.lead_department else None,
        "submitted_at": appeal.submitted_at, "due_at": appeal.due_at, "overdue": appeal.is_overdue(),
        "reopen_count": appeal.reopen_count, "rating": appeal.rating or None, "escalated": appeal.escalated,
    }


def detail(user: Any, found: selectors.AppealDetail) -> dict[str, Any]:
    """Everything about one appeal the caller may see."""
    appeal = found.appeal
    actions = {e["id"]: e["action"] for e in found.events}
    return {
        **summary(appeal),
        "content": appeal.content,
        "co_departments": found.co_departments,
        "sign_due_at": appeal.sign_due_at, "dispatched_at": appeal.dispatched_at, "signed_at": appeal.signed_at,
        "replied_at": appeal.replied_at, "resolved": appeal.resolved, "confirmed": appeal.confirmed,
        "comment": appeal.comment,
        "merged_into": appeal.merged_into.number if appeal.merged_into_id and appeal.merged_into else None,
        "events": [{"action": e["action"], "actor": e["actor_label"], "at": e["at"], "note": e["note"],
                    "stage_from": e["stage_from"], "stage_to": e["stage_to"], "data": e["data"]}
                   for e in found.events],
        "attachments": [{"id": a["id"], "name": a["name"], "content_type": a["content_type"], "size": a["size"],
                         "url": reverse("appeals:attachment", args=[a["id"]]),
                         "event_action": actions.get(a["event_id"])}
                        for a in found.attachments],
        "actions": selectors.available_actions(user, appeal),
        "suggestions": selectors.suggestions(user=user, appeal=appeal, last_dispatch=found.last_dispatch),
        "duplicate_of": selectors.duplicate_hint(user=user, appeal=appeal),
    }


@router.post("/appeals", response={201: AppealOut}, summary="提交诉求")
def appeal_create(request: HttpRequest, payload: AppealIn) -> Status:
    """Submit an appeal for an enterprise the caller may submit for (its own, assigned, or in region)."""
    user = acting_user(request)
    appeal = services.appeal_submit(actor=user, enterprise=payload.enterprise, channel=payload.channel,
                                    category=payload.category, title=payload.title, content=payload.content)
    return Status(201, detail(user, selectors.appeal_detail(user=user, appeal_id=appeal.pk)))


class ListQuery(Schema):
    stage: str = Field("", max_length=16)
    category: str = Field("", max_length=16)
    channel: str = Field("", max_length=32)
    department: str = Field("", max_length=32, description="主办部门代码")
    region: str = Field("", max_length=12, description="区县或开发区代码")
    enterprise: str = Field("", max_length=18, description="统一社会信用代码")
    date_from: datetime.date | None = Field(None, alias="from", description="提交日期起")
    date_to: datetime.date | None = Field(None, alias="to", description="提交日期止")
    overdue: bool | None = None
    escalated: bool | None = None
    figure: str = Field("", max_length=32, description="统计口径，如 signed_on_time、satisfied、stage:handling")
    q: str = Field("", max_length=100, description="标题关键词或诉求编号")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class AppealPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AppealSummary]


def _filters(query: Any) -> selectors.AppealFilters:
    return selectors.AppealFilters(
        stage=query.stage, category=query.category, channel=query.channel, department=query.department,
        region=query.region, enterprise=query.enterprise, date_from=query.date_from, date_to=query.date_to,
        overdue=query.overdue, escalated=query.escalated, figure=query.figure, q=query.q)


@router.get("/appeals", response=AppealPage, summary="诉求列表")
def appeal_list(request: HttpRequest, query: Query[ListQuery]) -> dict:
    """Appeals the caller may see, filtered, newest first, one page at a time."""
    qs = selectors.appeal_list(user=acting_user(request), filters=_filters(query))
    start = (query.page - 1) * query.page_size
    rows = list(qs[start:start + query.page_size])
    return {"count": qs.count(), "page": query.page, "page_size": query.page_size,
            "results": [summary(a) for a in rows]}


@router.get("/appeals/{appeal_id}", response=AppealOut, summary="诉求详情与办理记录")
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """One appeal with its timeline; bureau users also get up to three lead-department suggestions."""
    # Rendered without ninja revalidating what detail() built from typed rows (a fifth of the read);
    # test_detail_rendered_as_the_schema_would holds the bytes equal to the validated path.
    user = acting_user(request)
    return rendered(request, detail(user, selectors.appeal_detail(user=user, appeal_id=appeal_id)))


class ActionIn(Schema):
    note: str | None = Field(None, max_length=5000)
    reason: str | None = Field(None, max_length=5000)
    lead_department: str | None = Field(None, max_length=64)
    co_departments: list[str] | None = Field(None, max_length=50)
    days: int | None = Field(None, description="延期的工作日数")
    content: str | None = Field(None, max_length=20000)
    resolved: bool | None = None
    confirmed: bool | None = None
    rating: str | None = Field(None, max_length=32, description="、".join(Rating.values))
    comment: str | None = Field(None, max_length=5000)
    into: int | None = Field(None, description="merge：并入的诉求 id")


# The fields each action takes (anything else in the body is ignored).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    Action.ACCEPT: ("note",),
    Action.REJECT: ("reason",),
    Action.DISPATCH: ("lead_department", "co_departments", "note"),
    Action.SIGN: (),
    Action.RETURN: ("reason",),
    Action.EXTEND: ("days", "reason"),
    Action.REPLY: ("content", "resolved"),
    Action.REVISIT: ("note", "confirmed"),
    Action.EVALUATE: ("rating", "comment"),
    Action.ESCALATE: ("note",),
    Action.MERGE: ("into",),
}
OPTIONAL_TEXT = {"note", "comment"}


def action_fields(action: str, values: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for one action's service from a body of optional fields."""
    fields = {}
    for name in ACTION_FIELDS.get(action, ()):
        value = values.get(name)
        if value is None and name in OPTIONAL_TEXT:
            value = ""
        fields[name] = value
    return fields


@router.post("/appeals/{appeal_id}/actions/{action}", response=AppealOut, summary="对诉求执行办理动作")
def appeal_action(request: HttpRequest, appeal_id: int, action: str, payload: ActionIn) -> HttpResponse:
    """Take one action of the contract's table (or `merge`); 409 `invalid_transition` from a stage not listed."""
    user = acting_user(request)
    services.appeal_act(actor=user, appeal_id=appeal_id, action=action,
                        fields=action_fields(action, payload.dict()))
    return rendered(request, detail(user, selectors.appeal_detail(user=user, appeal_id=appeal_id, after_action=True)))


class StatsQuery(Schema):
    date_from: datetime.date | None = Field(None, alias="from", description="提交日期起 YYYY-MM-DD")
    date_to: datetime.date | None = Field(None, alias="to", description="提交日期止 YYYY-MM-DD")
    region: str = Field("", max_length=12, description="区县或开发区代码")
    department: str = Field("", max_length=32, description="主办部门代码")


class RatesOut(Schema):
    response: float | None = Field(description="按时签收 ÷ 已交办")
    resolution: float | None = Field(description="反馈已解决且回访确认 ÷ 已反馈")
    satisfaction: float | None = Field(description="前三档评价 ÷ 已评价")


class StatsOut(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    region: str | None
    department: str | None
    total: int
    rates: RatesOut
    counts: dict[str, int]
    stages: dict[str, int]
    overdue: int
    avg_handling_working_days: float | None
    links: dict[str, str] = Field(description="每个数字背后的诉求列表")


def figure_links(params: dict[str, Any], names: Any) -> dict[str, str]:
    """Web list URLs behind the figures `names` over the period and scope in `params` (from, to, region, department)."""
    base = {k: params[k] for k in ("from", "to", "region", "department") if params[k]}
    url = reverse("appeals:list")
    return {name: f"{url}?{urlencode({**base, 'figure': name})}" for name in names}


def stats_links(stats: dict[str, Any]) -> dict[str, str]:
    """Web list URLs behind each count and each stage count of `stats`, over the same period and scope."""
    return figure_links(stats, [*stats["counts"], *(f"stage:{s}" for s in stats["stages"])])


@router.get("/stats/appeals", response=StatsOut, by_alias=True, summary="诉求办理统计（三率）")
def appeal_stats(request: HttpRequest, query: Query[StatsQuery]) -> dict:
    """Response, resolution and satisfaction rates, counts per stage, overdue count and average handling time
    (working days) over the appeals submitted in the period that the caller may see."""
    stats = selectors.appeal_stats(user=acting_user(request), date_from=query.date_from, date_to=query.date_to,
                                   region=query.region, department=query.department)
    return {**stats, "links": stats_links(stats)}


class TrendMonthOut(Schema):
    month: str = Field(description="YYYY-MM（北京时间）")
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    total: int
    counts: dict[str, int]
    rates: RatesOut
    links: dict[str, str] = Field(description="每个数字背后的诉求列表")


class TrendOut(Schema):
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    region: str | None
    department: str | None
    months: list[TrendMonthOut]


def trend_links(trend: dict[str, Any]) -> dict[str, Any]:
    """`trend` with each month's list URLs behind its counts (the month's days, the trend's region and department)."""
    scope = {"region": trend["region"], "department": trend["department"]}
    return {**trend, "months": [{**m, "links": figure_links({**m, **scope}, m["counts"])} for m in trend["months"]]}


@router.get("/stats/appeals/monthly", response=TrendOut, by_alias=True, summary="诉求办理统计按月趋势")
def appeal_trend(request: HttpRequest, query: Query[StatsQuery]) -> dict:
    """The counts behind the three rates and the rates per month of submission: the last 12 months without `from`,
    at most the last 60 months of the period; each month's figures are those `/stats/appeals` gives for it."""
    trend = selectors.appeal_trend(user=acting_user(request), date_from=query.date_from, date_to=query.date_to,
                                   region=query.region, department=query.department)
    return trend_links(trend)
