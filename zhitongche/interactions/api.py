"""Interactions API: stewards record contacts; counts of effective interactions with drill-down."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from zhitongche.api.auth import acting_user

from . import selectors, services
from .models import Interaction

router = Router(tags=["有效互动"])


class InteractionIn(Schema):
    enterprise: str = Field(max_length=64, description="企业统一社会信用代码")
    kind: str = Field(max_length=16, description="visit / call / message / policy_push / other")
    content: str = Field(max_length=20000)
    occurred_at: datetime.datetime | None = Field(None, description="发生时间（缺省为现在，最多补录 30 天）")
    appeal: int | None = Field(None, description="关联诉求 id")


class InteractionOut(Schema):
    id: int
    steward: str
    enterprise: str
    region: str
    kind: str
    content: str
    occurred_at: datetime.datetime
    occurred_on: datetime.date
    appeal: int | None
    effective: bool
    not_effective_reason: str


def out(row: Interaction) -> dict[str, Any]:
    """The API shape of one interaction."""
    return {"id": row.pk, "steward": row.steward.name, "enterprise": row.enterprise.uscc, "region": row.region_id,
            "kind": row.kind, "content": row.content, "occurred_at": row.occurred_at, "occurred_on": row.occurred_on,
            "appeal": row.appeal_id, "effective": row.effective, "not_effective_reason": row.not_effective_reason}


@router.post("/interactions", response={201: InteractionOut}, summary="记录管家互动")
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Status:
    """Record a contact with an assigned enterprise; the answer says whether it counts as effective and why not."""
    row = services.interaction_record(actor=acting_user(request), enterprise=payload.enterprise, kind=payload.kind,
                                      content=payload.content, occurred_at=payload.occurred_at,
                                      appeal_id=payload.appeal)
    return Status(201, out(row))


class InteractionQuery(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    region: str = Field("", max_length=12)
    steward: int | None = None
    kind: str = Field("", max_length=16)
    effective: bool | None = None
    enterprise: str = Field("", max_length=18)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class InteractionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InteractionOut]


def _filters(q: Any) -> selectors.InteractionFilters:
    return selectors.InteractionFilters(date_from=q.date_from, date_to=q.date_to, region=q.region,
                                        steward=q.steward, kind=q.kind, effective=q.effective,
                                        enterprise=q.enterprise)


@router.get("/interactions", response=InteractionPage, summary="互动记录列表")
def interaction_list(request: HttpRequest, query: Query[InteractionQuery]) -> dict:
    """Interactions the caller may see, filtered, newest first."""
    qs = selectors.interaction_list(user=acting_user(request), filters=_filters(query))
    start = (query.page - 1) * query.page_size
    return {"count": qs.count(), "page": query.page, "page_size": query.page_size,
            "results": [out(r) for r in qs[start:start + query.page_size]]}


def drill_down(f: selectors.InteractionFilters, **extra: Any) -> str:
    """The web list URL of the interactions behind a count: the period, region and steward of `f`, plus `extra`."""
    base = {"from": f.date_from, "to": f.date_to, "region": f.region, "steward": f.steward, **extra}
    return f"{reverse('interactions:list')}?{urlencode({k: v for k, v in base.items() if v})}"


class CountsQuery(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    region: str = Field("", max_length=12)
    steward: int | None = None
    group_by: str = Field("steward", max_length=16, description="steward / region / month")


class GroupOut(Schema):
    key: str
    label: str
    total: int
    effective: int
    link: str


class CountsOut(Schema):
    total: int
    effective: int
    group_by: str
    groups: list[GroupOut]
    link: str = Field(description="有效互动明细")


@router.get("/stats/interactions", response=CountsOut, summary="有效互动统计")
def interaction_counts(request: HttpRequest, query: Query[CountsQuery]) -> dict:
    """Effective interactions (and all recorded) per steward, region or month, each with its drill-down link."""
    f = selectors.InteractionFilters(date_from=query.date_from, date_to=query.date_to, region=query.region,
                                     steward=query.steward)
    result = selectors.interaction_counts(user=acting_user(request), filters=f, group_by=query.group_by)
    for g in result["groups"]:
        g["link"] = drill_down(f, effective="true", **selectors.group_params(query.group_by, g["key"], f))
    return {**result, "link": drill_down(f, effective="true")}
