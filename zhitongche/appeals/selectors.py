"""Reads of appeals, always through the acting user's scope: lists, detail, suggestions, figures."""

import datetime
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connections
from django.db.models import Avg, Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.assessment.periods import period_end
from zhitongche.core.calendar import SHANGHAI
from zhitongche.core.errors import InvalidInput, NotFound
from zhitongche.core.rows import Columns
from zhitongche.regions.models import Department, Division, Level
from zhitongche.registry.models import Enterprise

from . import suggest
from .duplicates import similarity
from .models import (
    FINAL_STAGES,
    RUNNING_STAGES,
    SATISFIED_RATINGS,
    TRANSITIONS,
    Action,
    Appeal,
    AppealEvent,
    Attachment,
    Notification,
    Stage,
)

HISTORY_LIMIT = 3000


def _base() -> QuerySet[Appeal]:
    return Appeal.objects.select_related("enterprise", "lead_department", "region")


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Appeals marked overdue, or whose reply deadline has passed while a department still holds them."""
    return Q(overdue=True) | Q(stage__in=RUNNING_STAGES, due_at__lt=now or timezone.now())


# Each figure of the statistics is a filter, so every number links to the appeals behind it: its Chinese name and
# its filter (of the moment `now`, for the overdue one).
FIGURES: dict[str, tuple[str, Callable[[datetime.datetime | None], Q]]] = {
    "all": ("全部诉求", lambda now: Q()),
    "dispatched": ("已交办", lambda now: Q(dispatched_at__isnull=False)),
    "signed_on_time": ("按时签收（响应率的分子）", lambda now: Q(
        signed_at__isnull=False, sign_due_at__isnull=False, signed_at__lte=F("sign_due_at"))),
    "replied": ("已反馈", lambda now: Q(replied_at__isnull=False)),
    "resolved_confirmed": ("解决并经回访确认（解决率的分子）",
                           lambda now: Q(replied_at__isnull=False, resolved=True, confirmed=True)),
    "rated": ("已评价", lambda now: ~Q(rating="")),
    "satisfied": ("满意（满意率的分子）", lambda now: Q(rating__in=SATISFIED_RATINGS)),
    "overdue": ("超期", overdue_q),
    "handled": ("已计算办理用时", lambda now: Q(handling_days__isnull=False)),
    "escalated": ("被督办", lambda now: Q(escalated=True)),
}


def _figure_stage(figure: str) -> str | None:
    """The stage of a per-stage figure (`stage:<stage>`), else None."""
    return figure[6:] if figure.startswith("stage:") and figure[6:] in Stage.values else None


def figure_q(figure: str, now: datetime.datetime | None = None) -> Q:
    """The filter behind one figure of the statistics (`stage:<stage>` for the per-stage counts)."""
    if stage := _figure_stage(figure):
        return Q(stage=stage)
    if figure not in FIGURES:
        raise InvalidInput(f"未知统计口径 {figure}", code="invalid_figure", details={"field": "figure"})
    return FIGURES[figure][1](now)


@dataclass
class AppealFilters:
    """The filters of the appeal list (API query and web form share them)."""

    stage: str = ""
    category: str = ""
    channel: str = ""
    department: str = ""
    region: str = ""
    enterprise: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    figure: str = ""
    q: str = ""


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=SHANGHAI)


def region_filter(code: str) -> Q:
    """Rows of a county or zone (`region_id`), or no restriction for the city; 400 for any other code."""
    division = Division.objects.filter(code=code).only("code", "level").first()
    if division is None or division.level not in (Level.CITY, Level.COUNTY, Level.ZONE):
        raise InvalidInput(f"区域代码 {code} 不是本市的市、区县或开发区", code="unknown_region",
                           details={"field": "region"})
    return Q() if division.level == Level.CITY else Q(region_id=code)


def _department_filter(code: str) -> Q:
    department = Department.objects.filter(code=code.upper()).only("pk").first()
    if department is None:
        raise InvalidInput(f"部门代码 {code} 不存在", code="unknown_department", details={"field": "department"})
    return Q(lead_department_id=department.pk)


def apply_filters(qs: QuerySet[Appeal], f: AppealFilters) -> QuerySet[Appeal]:
    """Narrow a queryset of appeals by the list filters; unknown codes are 400, not an empty list."""
    if f.stage:
        if f.stage not in Stage.values:
            raise InvalidInput(f"未知阶段 {f.stage}", code="invalid_stage", details={"field": "stage"})
        qs = qs.filter(stage=f.stage)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.department:
        qs = qs.filter(_department_filter(f.department))
    if f.region:
        qs = qs.filter(region_filter(f.region))
    if f.enterprise:
        qs = qs.filter(enterprise__uscc=f.enterprise.strip().upper())
    if f.date_from:
        qs = qs.filter(submitted_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(submitted_at__lt=_day_start(f.date_to + datetime.timedelta(days=1)))
    if f.overdue is not None:
        qs = qs.filter(overdue_q()) if f.overdue else qs.exclude(overdue_q())
    if f.escalated is not None:
        qs = qs.filter(escalated=f.escalated)
    if f.figure:
        qs = qs.filter(figure_q(f.figure))
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(number=f.q.strip().upper()))
    return qs


def appeal_list(*, user: Any, filters: AppealFilters | None = None) -> QuerySet[Appeal]:
    """Appeals the user may see, filtered, newest first."""
    return apply_filters(scopes.visible(user, _base()), filters or AppealFilters())


def appeal_get(*, user: Any, appeal_id: int) -> Appeal:
    """One visible appeal with its timeline, co-departments and attachments loaded (404 outside scope)."""
    qs = _base().prefetch_related(
        "co_departments",
        Prefetch("events", queryset=AppealEvent.objects.order_by("at", "id")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
    ).select_related("merged_into", "duplicate_of").order_by()  # one row: no ordering, no index walk
    return scopes.get_visible(user, qs, pk=appeal_id)


# The detail's read path: one hand-written statement instead of compiling a select_related and three prefetches
# on every request (that compilation cost several times the queries themselves). The lists come as JSON arrays
# from subqueries, so that the whole detail is one round trip and one statement on either engine: on PostgreSQL
# each statement costs the worker more than reading its rows (five in a pipeline took twice the CPU of one).
_DETAIL = Columns(Appeal, [
    "id", "number", "enterprise", "region", "channel", "category", "title", "content", "stage", "lead_department",
    "submitted_by", "submitted_at", "dispatched_at", "sign_due_at", "signed_at", "due_at", "replied_at", "resolved",
    "confirmed", "rating", "comment", "overdue", "escalated", "reopen_count", "merged_into", "duplicate_of"])
_DETAIL_ENTERPRISE = Columns(Enterprise, ["id", "uscc", "name"])
_DETAIL_LEAD = Columns(Department, ["id", "code"])
_DETAIL_MERGED_INTO = Columns(Appeal, ["id", "number"])
_DETAIL_COLUMNS = len(_DETAIL) + len(_DETAIL_ENTERPRISE) + len(_DETAIL_LEAD) + len(_DETAIL_MERGED_INTO)
_EVENT_KEYS = ("id", "action", "actor_label", "at", "note", "stage_from", "stage_to", "data")
_ATTACHMENT_KEYS = ("id", "name", "content_type", "size", "event_id")
MAX_ID = 2**63 - 1


@dataclass
class AppealDetail:
    """One appeal as its detail shows it: the row (fields it does not show deferred) and its three lists."""

    appeal: Appeal
    co_departments: list[str]
    events: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    last_dispatch: int | None = None  # for users shown suggestions: suggester_version()'s mark, read alongside


def _detail_sql(connection: Any, *, with_dispatch_mark: bool) -> str:
    """The detail's statement: the appeal's row with its enterprise, lead department and merge target, then its
    co-departments, events and attachments as JSON arrays of arrays, and (if asked) the suggester's dispatch mark."""
    key = (connection.vendor, with_dispatch_mark)
    if key in _DETAIL_SQL:
        return _DETAIL_SQL[key]
    qn = connection.ops.quote_name
    appeals, departments = qn(Appeal._meta.db_table), qn(Department._meta.db_table)
    if connection.vendor == "postgresql":
        # As text, for orjson to parse: psycopg's json loader is the json module's, twice as slow.
        agg, array, data, text = "json_agg", "json_build_array", "v.data", "::text"
    else:  # SQLite's JSON functions; its JSONField is text, embedded as JSON by json()
        agg, array, data, text = "json_group_array", "json_array", "json(v.data)", ""
    # noqa: S608 on the statement: fixed table and column names only, the one value is a parameter
    sql = (f"SELECT {_DETAIL.sql(connection, 'a')}, {_DETAIL_ENTERPRISE.sql(connection, 'e')}, "  # noqa: S608
           f"{_DETAIL_LEAD.sql(connection, 'd')}, {_DETAIL_MERGED_INTO.sql(connection, 'm')}, "
           f"(SELECT {agg}({array}(cd.kind, cd.code)){text} FROM {qn(Appeal.co_departments.through._meta.db_table)} c "
           f"INNER JOIN {departments} cd ON cd.id = c.department_id WHERE c.appeal_id = a.id), "
           f"(SELECT {agg}({array}(v.id, v.action, v.actor_label, v.at, v.note, v.stage_from, v.stage_to, {data})){text} "
           f"FROM {qn(AppealEvent._meta.db_table)} v WHERE v.appeal_id = a.id), "
           f"(SELECT {agg}({array}(f.id, f.name, f.content_type, f.size, f.event_id)){text} "
           f"FROM {qn(Attachment._meta.db_table)} f WHERE f.appeal_id = a.id)")
    if with_dispatch_mark:
        sql += f", ({_dispatch_mark_sql(connection)[0]})"
    sql += (f" FROM {appeals} a INNER JOIN {qn(Enterprise._meta.db_table)} e ON e.id = a.enterprise_id "
            f"LEFT JOIN {departments} d ON d.id = a.lead_department_id "
            f"LEFT JOIN {appeals} m ON m.id = a.merged_into_id WHERE a.id = %s")
    _DETAIL_SQL[key] = sql
    return sql


_DETAIL_SQL: dict[tuple[str, bool], str] = {}


def _json_rows(value: Any) -> list[list[Any]]:
    """A JSON array column (text); NULL (no rows) on PostgreSQL."""
    return [] if value is None else orjson.loads(value)


def _moment(value: str) -> datetime.datetime:
    """A timestamp from a JSON array: ISO 8601 with its offset (PostgreSQL), or SQLite's naive UTC text."""
    moment = datetime.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def appeal_detail(*, user: Any, appeal_id: int, after_action: bool = False) -> AppealDetail:
    """One visible appeal with its co-departments, timeline and attachments (404 outside scope).

    After the caller's own successful action (`after_action`) the appeal is returned even when that action
    took it out of the caller's scope (a department returning it): the caller has just held it.
    """
    if not 0 < appeal_id <= MAX_ID:
        raise NotFound()
    connection = connections[Appeal.objects.db]
    with_mark = bureau_side(user)
    with connection.cursor() as cursor:
        cursor.execute(_detail_sql(connection, with_dispatch_mark=with_mark), [appeal_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    appeal = _DETAIL.build(connection, row[:len(_DETAIL)])
    if not after_action and not scopes.may(user, "appeal.view", appeal):
        raise NotFound()
    rest = row[len(_DETAIL):_DETAIL_COLUMNS]
    appeal.enterprise = _DETAIL_ENTERPRISE.build(connection, rest[:3])
    appeal.lead_department = _DETAIL_LEAD.build(connection, rest[3:5]) if appeal.lead_department_id else None
    appeal.merged_into = _DETAIL_MERGED_INTO.build(connection, rest[5:]) if appeal.merged_into_id else None
    co_rows, event_rows, file_rows, *mark = row[_DETAIL_COLUMNS:]
    # The lists' order is set here, the same on both engines: SQLite 3.40 has no ORDER BY inside an aggregate.
    co_departments = [code for _, code in sorted(_json_rows(co_rows))]
    events = [dict(zip(_EVENT_KEYS, r, strict=True)) for r in _json_rows(event_rows)]
    for event in events:
        event["at"] = _moment(event["at"])
    events.sort(key=lambda e: (e["at"], e["id"]))
    attachments = sorted((dict(zip(_ATTACHMENT_KEYS, r, strict=True)) for r in _json_rows(file_rows)),
                         key=lambda a: a["id"])
    return AppealDetail(appeal=appeal, co_departments=co_departments, events=events, attachments=attachments,
                        last_dispatch=(mark[0] or 0) if with_mark else None)


_ROW = Columns(Appeal, [f.name for f in Appeal._meta.concrete_fields])


def appeal_row_for_update(appeal_id: int) -> Appeal | None:
    """The whole appeal row, locked (FOR UPDATE where the database has it) for the caller's transaction.

    Hand-written like the detail: compiling the ORM query cost more than the rest of a 督办."""
    if not 0 < appeal_id <= MAX_ID:
        return None
    connection = connections[Appeal.objects.db]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_ROW.sql(connection, 'a')} FROM {connection.ops.quote_name(Appeal._meta.db_table)} a "  # noqa: S608
                       f"WHERE a.id = %s{lock}", [appeal_id])
        row = cursor.fetchone()
    return _ROW.build(connection, row) if row else None


def attachment_get(*, user: Any, attachment_id: int) -> Attachment:
    """An attachment of an appeal the user may see (404 otherwise)."""
    return scopes.get_visible(user, Attachment.objects.all(), pk=attachment_id)


def available_actions(user: Any, appeal: Appeal) -> list[str]:
    """The actions this user may take on the appeal in its current stage (for buttons)."""
    return [a for a, t in TRANSITIONS.items()
            if appeal.stage in t.sources and scopes.may(user, f"appeal.{a}", appeal)]


# ---------------------------------------------------------------- workbench queues

def bureau_pool(*, user: Any) -> QuerySet[Appeal]:
    """New and accepted appeals waiting for the bureau (oldest first); `duplicate_open` marks those whose likely
    original is still open, so that they can be merged (duplicate_hint's rule)."""
    original_open = Appeal.objects.filter(pk=OuterRef("duplicate_of_id"), merged_into__isnull=True).exclude(
        stage__in=FINAL_STAGES)
    return (scopes.visible(user, _base()).filter(stage__in=[Stage.SUBMITTED, Stage.ACCEPTED])
            .annotate(duplicate_open=Exists(original_open)).order_by("submitted_at", "id"))


def overdue_list(*, user: Any) -> QuerySet[Appeal]:
    """Overdue appeals still with a department, most overdue first (the bureau's 督办 list)."""
    return (scopes.visible(user, _base()).filter(stage__in=RUNNING_STAGES).filter(overdue_q())
            .order_by("due_at", "id"))


def department_inbox(*, user: Any) -> QuerySet[Appeal]:
    """Appeals the user's department leads that wait for it (sign or reply), nearest deadline first."""
    return (scopes.visible(user, _base()).filter(lead_department_id=user.department_id,
                                                 stage__in=RUNNING_STAGES).order_by("due_at", "id"))


def enterprise_side_list(*, user: Any) -> QuerySet[Appeal]:
    """An enterprise's (or a steward's enterprises') appeals, newest first."""
    return scopes.visible(user, _base()).order_by("-submitted_at", "-id")


def steward_revisits(*, user: Any) -> QuerySet[Appeal]:
    """Replied appeals of the steward's enterprises waiting for a return visit, and revisited ones to rate."""
    return (scopes.visible(user, _base()).filter(stage__in=[Stage.REPLIED, Stage.REVISITED])
            .order_by("replied_at", "id"))


def waiting_work(*, user: Any) -> list[dict[str, Any]]:
    """The home page's 我的待办: what waits for this user, by role, each with the queue that lists it."""
    role = user.role
    items: list[tuple[str, int, str]] = []
    if bureau_side(user):
        items += [("诉求池：待受理、待交办", bureau_pool(user=user).count(), "appeals:pool"),
                  ("超期未办结，可督办", overdue_list(user=user).count(), "appeals:overdue")]
    if role == Role.DEPARTMENT:
        items.append(("本部门待签收、办理中的诉求", department_inbox(user=user).count(), "appeals:inbox"))
    if role == Role.STEWARD:
        items.append(("待回访、待评价的诉求", steward_revisits(user=user).count(), "appeals:mine"))
    if role in (Role.ENTERPRISE, Role.STEWARD):
        items.append(("未办结的诉求", enterprise_side_list(user=user).exclude(stage__in=FINAL_STAGES).count(),
                      "appeals:mine"))
    items.append(("未读通知", unread_count(user=user), "appeals:notifications"))
    return [{"label": label, "count": count, "url": reverse(name)} for label, count, name in items]


def notifications(*, user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return scopes.visible(user, Notification.objects.all())


def unread_count(*, user: Any) -> int:
    """How many unread notifications the user has."""
    return notifications(user=user).filter(read_at__isnull=True).count()


# ---------------------------------------------------------------- dispatch suggestions

_suggestion_cache: "OrderedDict[tuple[str, int], list[dict[str, Any]]]" = OrderedDict()
_suggestion_lock = threading.Lock()


# Department duties change a few times a year (through `ztc department`, in another process); rehashing all of
# them on every detail read cost more than the rest of the read, so each process rereads them at most every
# DUTIES_TTL seconds (suggestions are advice).
DUTIES_TTL = 30.0
_duties_digest: dict[str, Any] = {}


def _departments_digest() -> str:
    """A hash of the active departments' names and duties, reread at most every DUTIES_TTL seconds."""
    now = time.monotonic()
    if _duties_digest and now - _duties_digest["at"] < DUTIES_TTL:
        return str(_duties_digest["digest"])
    rows = list(Department.objects.filter(active=True).order_by("code").values_list("code", "name", "duties"))
    digest = hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()[:16]
    _duties_digest.update(at=now, digest=digest)
    return digest


def _dispatch_mark_sql(connection: Any) -> tuple[str, list[Any]]:
    # The action is written into the SQL, not bound: a prepared statement's generic plan could not match a
    # parameter to the partial index appeal_event_dispatch_mark.
    return (f"SELECT MAX(id) FROM {connection.ops.quote_name(AppealEvent._meta.db_table)} "  # noqa: S608
            f"WHERE action = '{Action.DISPATCH.value}'", [])


def suggester_version(last_dispatch: int | None = None) -> str:
    """A cheap key that changes when a dispatch happens or (within DUTIES_TTL) a department's duties change;
    `last_dispatch`, when the caller has just read it (appeal_detail), saves the query."""
    if last_dispatch is None:
        connection = connections[AppealEvent.objects.db]
        with connection.cursor() as cursor:
            cursor.execute(*_dispatch_mark_sql(connection))
            last_dispatch = cursor.fetchone()[0] or 0
    return f"{last_dispatch}:{_departments_digest()}"


def _build_suggester() -> suggest.Suggester:
    duties = {code: f"{name}。{text}" for code, name, text in
              Department.objects.filter(active=True).values_list("code", "name", "duties")}
    history = [(f"{title}。{content}", code) for title, content, code in
               Appeal.objects.filter(lead_department__isnull=False).order_by("-dispatched_at", "-id")
               .values_list("title", "content", "lead_department__code")[:HISTORY_LIMIT]]
    return suggest.build_suggester(duties, history)


def bureau_side(user: Any) -> bool:
    """The bureau (and the platform's operators): the pool, the overdue list and dispatch suggestions are theirs."""
    return scopes.is_admin(user) or user.role == Role.BUREAU


# Stages with a dispatch still ahead (new, or accepted again after a department returned it).
SUGGESTED_IN = frozenset({Stage.SUBMITTED, *TRANSITIONS[Action.DISPATCH].sources})


def suggestions(*, user: Any, appeal: Appeal, k: int = 3, last_dispatch: int | None = None
                ) -> list[dict[str, Any]] | None:
    """Up to k likely lead departments with reasons, for bureau users only (None for everyone else), while a
    dispatch lies ahead (an empty list after); `last_dispatch` as suggester_version() takes it."""
    if not bureau_side(user) or not scopes.may(user, "appeal.suggestions", appeal):
        return None
    if appeal.stage not in SUGGESTED_IN:
        return []  # computing them costs a few milliseconds per appeal, for a choice already made
    version = suggester_version(last_dispatch)
    key = (version, appeal.pk)
    with _suggestion_lock:
        if key in _suggestion_cache:
            _suggestion_cache.move_to_end(key)
            return _suggestion_cache[key]
    suggester = suggest.cached_suggester(version, _build_suggester)
    names = dict(Department.objects.values_list("code", "name"))
    result = [{"department": s.department, "name": names.get(s.department, ""), "score": s.score,
               "reason": s.reason} for s in suggester.suggest(f"{appeal.title}。{appeal.content}", k=k)]
    with _suggestion_lock:
        _suggestion_cache[key] = result
        while len(_suggestion_cache) > 2048:
            _suggestion_cache.popitem(last=False)
    return result


def duplicate_hint(*, user: Any, appeal: Appeal) -> dict[str, Any] | None:
    """The open appeal this one probably repeats, for the bureau (None when there is none or it is closed)."""
    if appeal.duplicate_of_id is None or appeal.stage not in TRANSITIONS[Action.MERGE].sources:
        return None
    dup = appeal.duplicate_of
    if (dup is None or dup.merged_into_id or dup.stage in FINAL_STAGES
            or not scopes.may(user, "appeal.merge", appeal)):
        return None
    return {"id": dup.pk, "number": dup.number, "title": dup.title,
            "similarity": round(similarity(f"{appeal.title}\n{appeal.content}", f"{dup.title}\n{dup.content}"), 2)}


# ---------------------------------------------------------------- figures

def figure_label(figure: str) -> str:
    """The Chinese name of a figure of the statistics (a stage figure by its stage), or the code itself."""
    if stage := _figure_stage(figure):
        return f"处于「{Stage(stage).label}」阶段"
    return FIGURES[figure][0] if figure in FIGURES else figure


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


# The three rates of CONTRACT.md §5: each one's numerator and denominator figures.
RATES = {"response": ("signed_on_time", "dispatched"), "resolution": ("resolved_confirmed", "replied"),
         "satisfaction": ("satisfied", "rated")}


def _rates(counts: dict[str, int]) -> dict[str, float | None]:
    """The three rates from the counts of their figures."""
    return {rate: _rate(counts[num], counts[den]) for rate, (num, den) in RATES.items()}


def _figures_of(user: Any, date_from: datetime.date | None, date_to: datetime.date | None, region: str,
                department: str) -> QuerySet[Appeal]:
    """The appeals behind the figures (submitted in the period, visible to the user, of the region and lead
    department), unordered; refused to a user without the figures' rule or with an inverted period."""
    scopes.require(user, "appeal.stats")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("起始日期不能晚于结束日期", code="invalid_period", details={"field": "from"})
    filters = AppealFilters(date_from=date_from, date_to=date_to, region=region, department=department)
    return apply_filters(scopes.visible(user, Appeal.objects.all()), filters).order_by()


def appeal_stats(*, user: Any, date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                 region: str = "", department: str = "") -> dict[str, Any]:
    """The three rates of CONTRACT.md §5, counts per stage, overdue count and average handling time over the
    appeals submitted in [date_from, date_to] that the user may see.

    response rate = signed on time ÷ dispatched; resolution rate = replied with `resolved` and confirmed at
    the return visit ÷ replied; satisfaction rate = the first three ratings ÷ rated.
    """
    qs = _figures_of(user, date_from, date_to, region, department)
    now = timezone.now()
    # Only indexed columns (the id too), so that both engines can answer from the covering indexes.
    aggregates: dict[str, Any] = {name: Count("id", filter=figure_q(name, now)) for name in FIGURES}
    # Per-stage counts in the same pass: a GROUP BY stage would walk the stage index instead.
    aggregates.update({f"stage_{stage}": Count("id", filter=Q(stage=stage)) for stage in Stage.values})
    aggregates["avg_handling_days"] = Avg("handling_days")
    row = qs.aggregate(**aggregates)
    per_stage = {stage: row.pop(f"stage_{stage}") for stage in Stage.values}
    avg = row.pop("avg_handling_days")
    return {
        "from": date_from, "to": date_to, "region": region or None, "department": department or None,
        "total": row["all"],
        "counts": {name: row[name] for name in FIGURES},
        "rates": _rates(row),
        "stages": {stage: per_stage.get(stage, 0) for stage in Stage.values},
        "overdue": row["overdue"],
        "avg_handling_working_days": round(float(avg), 2) if avg is not None else None,
    }


# The figures of the monthly trend: the appeals, and the numerators and denominators of the three rates.
TREND_FIGURES = ("all", *(name for pair in RATES.values() for name in pair))
TREND_MONTHS = 12  # without a start date: the last twelve months
TREND_MONTHS_MAX = 60


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    """The first day of the month `back` months before the month of `day`."""
    months = day.year * 12 + day.month - 1 - back
    return datetime.date(months // 12, months % 12 + 1, 1)


def trend_period(date_from: datetime.date | None, date_to: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """The period a monthly trend covers: as asked, the last TREND_MONTHS months up to `date_to` (or today) when
    there is no start, and never more than the last TREND_MONTHS_MAX months of it."""
    last = date_to or timezone.localdate()
    earliest = _month_start(last, TREND_MONTHS_MAX - 1)
    first = max(date_from, earliest) if date_from else _month_start(last, TREND_MONTHS - 1)
    return first, last


def appeal_trend(*, user: Any, date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                 region: str = "", department: str = "") -> dict[str, Any]:
    """Per calendar month of submission (Asia/Shanghai), the counts behind the three rates and the rates, over the
    appeals the user may see, in trend_period(); each month is the same figure `appeal_stats` gives for it."""
    qs = _figures_of(user, date_from, date_to, region, department)
    first, last = trend_period(date_from, date_to)
    if first > last:  # a start after the end of the period (today, without one): no month to count
        return {"from": first, "to": last, "region": region or None, "department": department or None, "months": []}
    span = (last.year - first.year) * 12 + last.month - first.month
    months = [_month_start(last, back) for back in range(span, -1, -1)]
    qs = qs.filter(submitted_at__gte=_day_start(first),
                   submitted_at__lt=_day_start(last + datetime.timedelta(days=1)))
    # One pass: each row's month is the first of the following months' starts that it precedes.
    month = Case(*(When(submitted_at__lt=_day_start(m), then=Value(i)) for i, m in enumerate(months[1:])),
                 default=Value(len(months) - 1))
    counted = qs.annotate(month=month).values("month").annotate(
        **{name: Count("id", filter=figure_q(name)) for name in TREND_FIGURES})
    rows: dict[int, dict[str, Any]] = {row["month"]: dict(row) for row in counted}
    out = []
    for i, start in enumerate(months):
        counts = {name: rows[i][name] if i in rows else 0 for name in TREND_FIGURES}
        key = f"{start:%Y-%m}"
        out.append({"month": key, "from": max(start, first), "to": min(period_end(key), last),
                    "total": counts["all"], "counts": counts, "rates": _rates(counts)})
    return {"from": first, "to": last, "region": region or None, "department": department or None, "months": out}
