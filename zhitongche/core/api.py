"""Public utility endpoints: the working-day deadline calculator and a health check."""

import datetime

from django.db import connection
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from .calendar import MAX_WORKING_DAYS, deadline

router = Router(tags=["日历与系统"])


class DeadlineQuery(Schema):
    start: datetime.date = Field(description="起算日期 YYYY-MM-DD（当日不计）")
    working_days: int = Field(ge=0, le=MAX_WORKING_DAYS, description="工作日数")


class DeadlineOut(Schema):
    due_at: datetime.datetime


@router.get("/calendar/deadline", response=DeadlineOut, auth=None, summary="按法定工作日计算期限")
def calendar_deadline(request: HttpRequest, query: Query[DeadlineQuery]) -> dict:
    """The deadline `working_days` official working days after `start`, at 23:59:59+08:00."""
    return {"due_at": deadline(query.start, query.working_days)}


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", response=HealthOut, auth=None, summary="健康检查")
def health(request: HttpRequest) -> dict:
    """Whether the app can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}
