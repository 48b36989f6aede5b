"""Demo appeals and interactions.

`small`: for the demo users (bureau, dept_rsj, steward, enterprise) a handful of appeals in every stage,
made through the services (so they have real events, audit rows and notifications), plus about 400
closed historical appeals written in bulk so that the dispatch suggestions have a history to learn from.
`anshan`: about 50,000 appeals over all stages since January 2024 and interactions with 105,169
effective ones, consistent with the workflow rules and the effectiveness rule, written in bulk.

Texts are real appeal messages from the 2020 TipDM Cup sample (data/SOURCES.md), with the organisers'
anonymised place names mapped onto 鞍山; departments come from data/category_departments.csv.
"""

import bisect
import csv
import datetime
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from zhitongche.core.calendar import SHANGHAI, CalendarUnavailable, end_of_day, is_working_day
from zhitongche.regions.models import Department
from zhitongche.registry.models import Assignment, Enterprise

from .deadlines import dispatch_deadlines
from .models import (
    CONTENT_MAX,
    REPLY_DAYS,
    SIGN_DAYS,
    TITLE_MAX,
    Action,
    Appeal,
    AppealEvent,
    Category,
    Channel,
    Rating,
    Stage,
)

DATA = Path(__file__).parent / "data"
DEMO_ACTOR = "演示数据"
ANSHAN_APPEALS = 50_000
SMALL_HISTORY = 400
HISTORY_START = datetime.date(2024, 1, 2)
PLACES = ["铁东区", "铁西区", "立山区", "千山区", "海城市", "台安县", "岫岩县", "高新区"]


# ---------------------------------------------------------------- texts

def _localise(text: str, rng: random.Random) -> str:
    text = text.replace("西地省", "辽宁省").replace("A市", "鞍山市")
    text = re.sub(r"[A-Z]\d+[区县]", lambda _m: rng.choice(PLACES), text)
    return re.sub(r"(?<![A-Za-z])[B-Z]\d*市", "鞍山市", text)


def load_texts(seed: int = 2020) -> list[tuple[str, str, str]]:
    """(title, content, lead department code) from the labelled sample, with places mapped onto 鞍山."""
    rng = random.Random(seed)
    with open(DATA / "category_departments.csv", encoding="utf-8") as f:
        mapping = {row["category_l1"]: row["department_code"] for row in csv.DictReader(f)}
    with open(DATA / "appeals_tipdm2020_labeled_sample.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["category_l1"] in mapping and r["subject"].strip()]
    return [(_localise(r["subject"].strip(), rng)[:TITLE_MAX], _localise(r["detail"].strip(), rng)[:CONTENT_MAX],
             mapping[r["category_l1"]]) for r in rows]


# ---------------------------------------------------------------- a fast working-day table

class WorkingDays:
    """Working days of the official calendar in a range, for computing many deadlines quickly."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.days: list[datetime.date] = []
        day = first
        while day <= last:
            try:
                if is_working_day(day):
                    self.days.append(day)
            except CalendarUnavailable:
                break  # the official arrangement of next year is not published yet
            day += datetime.timedelta(days=1)

    def add(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `start` (same rule as core.calendar.add_working_days)."""
        i = bisect.bisect_right(self.days, start)
        return self.days[min(i + n - 1, len(self.days) - 1)] if n else start

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`."""
        return max(0, bisect.bisect_right(self.days, end) - bisect.bisect_right(self.days, start))

    def moment(self, day: datetime.date, rng: random.Random) -> datetime.datetime:
        """A time during office hours on `day`, Asia/Shanghai."""
        return datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=SHANGHAI)


# ---------------------------------------------------------------- bulk history

RATING_WEIGHTS = [(Rating.VERY_SATISFIED, 55), (Rating.SATISFIED, 27), (Rating.BASICALLY_SATISFIED, 11),
                  (Rating.DISSATISFIED, 5), (Rating.VERY_DISSATISFIED, 2)]
CATEGORY_WEIGHTS = [(Category.GENERAL, 60), (Category.CONSULTATION, 20), (Category.COMPLEX, 12), (Category.URGENT, 8)]
CHANNEL_WEIGHTS = [(Channel.STEWARD, 30), (Channel.ONLINE, 25), (Channel.HOTLINE_12345, 25), (Channel.WINDOW, 6),
                   (Channel.CADRE_VISIT, 5), (Channel.BREAKFAST_MEETING, 3), (Channel.OVERSEER, 3), (Channel.OTHER, 3)]
APPEAL_COLUMNS = (
    "id", "number", "enterprise_id", "region_id", "channel", "category", "title", "content", "stage",
    "lead_department_id", "submitted_at", "accepted_at", "dispatched_at", "sign_due_at", "signed_at", "due_at",
    "replied_at", "handling_days", "resolved", "revisited_at", "confirmed", "rating", "comment", "rated_at",
    "closed_at", "overdue", "reminded_80", "reminded_due", "escalated", "reopen_count", "updated_at",
)
EVENT_COLUMNS = ("appeal_id", "action", "actor_label", "at", "stage_from", "stage_to", "note", "data")
REPLIES = ["经核实，已协调相关单位办理完毕，并向企业反馈。", "已约谈相关责任方，问题已整改到位。",
           "已按政策规定办理，相关款项已拨付到企业账户。", "已现场核查并督促整改，企业表示认可。",
           "经研究，该事项需纳入下一年度计划统筹解决，已向企业说明。"]


def _pick(rng: random.Random, weights: list[tuple[Any, int]]) -> Any:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def _dt(value: datetime.datetime | None) -> Any:
    # What the ORM would write, without its per-value overhead: PostgreSQL takes aware datetimes,
    # SQLite stores naive UTC text.
    if value is None or connection.vendor != "sqlite":
        return value
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")


def bulk_history(*, count: int, enterprises: list[tuple[int, str]], seed: int, start: datetime.date,
                 progress: Callable[[str], None] | None = None, prefix: str = "D") -> dict[str, int]:
    """Write `count` appeals with their events in bulk, each following the workflow until now."""
    from zhitongche.imports.bulk import bulk_session, insert_rows

    rng = random.Random(seed)
    texts = load_texts()
    now = timezone.now()
    today = timezone.localdate()
    wd = WorkingDays(start - datetime.timedelta(days=7), today + datetime.timedelta(days=60))
    depts = dict(Department.objects.values_list("code", "pk"))
    district = {d.region_id: d.pk for d in Department.objects.filter(kind__in=["district", "zone"])}
    first_id = (Appeal.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    appeals, events, co_rows = [], [], []
    span = (today - start).days
    stage_counts: dict[str, int] = {}
    for n in range(count):
        pk = first_id + n
        ent_id, region = enterprises[rng.randrange(len(enterprises))]
        title, content, lead_code = texts[rng.randrange(len(texts))]
        # More appeals recently than two years ago, as adoption grows.
        day = start + datetime.timedelta(days=int(span * rng.random() ** 0.7))
        day = min(day, today)
        submitted = wd.moment(day, rng)
        if submitted > now:
            submitted = now - datetime.timedelta(minutes=rng.randint(5, 600))
        category = _pick(rng, CATEGORY_WEIGHTS)
        lead = district.get(region) if rng.random() < 0.1 else depts.get(lead_code)
        a: dict[str, Any] = dict.fromkeys(APPEAL_COLUMNS)
        a.update(id=pk, number=f"{prefix}{submitted:%Y%m%d}{pk:07d}", enterprise_id=ent_id, region_id=region,
                 channel=_pick(rng, CHANNEL_WEIGHTS), category=category, title=title, content=content,
                 stage=Stage.SUBMITTED, submitted_at=submitted, rating="", comment="", overdue=False,
                 reminded_80=False, reminded_due=False, escalated=False, reopen_count=0, updated_at=submitted)
        ev = [(pk, Action.SUBMIT, "企业", submitted, "", Stage.SUBMITTED, "", {"channel": a["channel"]})]

        def step(at: datetime.datetime) -> bool:
            return at <= now

        t = submitted + datetime.timedelta(hours=rng.uniform(0.5, 20))
        if not step(t):
            appeals.append(a)
            events.extend(ev)
            stage_counts[a["stage"]] = stage_counts.get(a["stage"], 0) + 1
            continue
        if rng.random() < 0.03:
            a.update(stage=Stage.REJECTED, closed_at=t)
            ev.append((pk, Action.REJECT, "营商局", t, Stage.SUBMITTED, Stage.REJECTED, "不属于涉企诉求受理范围", {}))
        else:
            a.update(stage=Stage.ACCEPTED, accepted_at=t)
            ev.append((pk, Action.ACCEPT, "营商局", t, Stage.SUBMITTED, Stage.ACCEPTED, "", {}))
            t = t + datetime.timedelta(hours=rng.uniform(0.5, 30))
            if step(t) and lead:
                dday = t.astimezone(SHANGHAI).date()
                sign_due = end_of_day(wd.add(dday, SIGN_DAYS))
                due = end_of_day(wd.add(dday, REPLY_DAYS[category]))
                a.update(stage=Stage.DISPATCHED, lead_department_id=lead, dispatched_at=t, sign_due_at=sign_due,
                         due_at=due)
                co = None
                if rng.random() < 0.2:
                    co = rng.choice([c for c in ("CZJ", "ZRJ", "SCJ", "CGJ") if depts.get(c) and depts[c] != lead] or [None])
                    if co:
                        co_rows.append((pk, depts[co]))
                ev.append((pk, Action.DISPATCH, "营商局", t, Stage.ACCEPTED, Stage.DISPATCHED, "",
                           {"lead_department": lead_code, "co_departments": [co] if co else [],
                            "due_at": due.isoformat()}))
                _handle(a, ev, rng, wd, t, now, first_round=True)
        appeals.append(a)
        events.extend(ev)
        stage_counts[a["stage"]] = stage_counts.get(a["stage"], 0) + 1
        if progress and (n + 1) % 10000 == 0:
            progress(f"  诉求 {n + 1}/{count}")
    with transaction.atomic(), bulk_session():
        insert_rows(Appeal._meta.db_table, APPEAL_COLUMNS,
                    ([_dt(v) if isinstance(v, datetime.datetime) else v for v in (a[c] for c in APPEAL_COLUMNS)]
                     for a in appeals))
        insert_rows(AppealEvent._meta.db_table, EVENT_COLUMNS,
                    ((e[0], str(e[1]), e[2], _dt(e[3]), str(e[4]), str(e[5]), e[6], json.dumps(e[7], ensure_ascii=False))
                     for e in events))
        insert_rows(Appeal.co_departments.through._meta.db_table, ("appeal_id", "department_id"), co_rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), "
                               "(SELECT MAX(id) FROM appeals_appeal))")
    return {"appeals": len(appeals), "events": len(events), **{f"stage_{k}": v for k, v in stage_counts.items()}}


def _handle(a: dict[str, Any], ev: list[tuple[Any, ...]], rng: random.Random, wd: WorkingDays,
            t: datetime.datetime, now: datetime.datetime, first_round: bool) -> None:
    """Carry a dispatched (or reopened) appeal through sign, reply, revisit and evaluation until now."""
    pk = a["id"]
    due = a["due_at"]
    if first_round:
        late_sign = rng.random() < 0.08
        sign_at = (a["sign_due_at"] + datetime.timedelta(hours=rng.uniform(2, 30)) if late_sign
                   else t + (a["sign_due_at"] - t) * rng.uniform(0.05, 0.9))
        if sign_at > now:
            return
        a.update(stage=Stage.HANDLING, signed_at=sign_at)
        ev.append((pk, Action.SIGN, "主办部门", sign_at, Stage.DISPATCHED, Stage.HANDLING, "", {}))
        t = sign_at
    # Signed after the reply deadline (a late sign of a one-day appeal), the reply is late too.
    late = rng.random() < 0.1 or due <= t
    reply_at = (max(due, t) + datetime.timedelta(days=rng.uniform(0.5, 6)) if late
                else t + (due - t) * rng.uniform(0.2, 0.95))
    if rng.random() < 0.04:  # 督办 while the department still has it
        a["escalated"] = True
        ev.append((pk, Action.ESCALATE, "营商局", t + (min(reply_at, now) - t) * rng.uniform(0.1, 0.9),
                   a["stage"], a["stage"], "请加快办理", {}))
    if reply_at > now:
        if due < now:
            a["overdue"] = True
            ev.append((pk, Action.OVERDUE, "期限巡检", max(due, t) + datetime.timedelta(minutes=10), a["stage"],
                       a["stage"], "已超过办理期限", {}))
        return
    resolved = rng.random() < 0.9
    a.update(stage=Stage.REPLIED, replied_at=reply_at, resolved=resolved, overdue=late,
             handling_days=wd.between(a["dispatched_at"].astimezone(SHANGHAI).date(),
                                      reply_at.astimezone(SHANGHAI).date()))
    ev.append((pk, Action.REPLY, "主办部门", reply_at, Stage.HANDLING, Stage.REPLIED, rng.choice(REPLIES),
               {"resolved": resolved}))
    visit_at = reply_at + datetime.timedelta(days=rng.uniform(0.5, 3))
    if visit_at > now:
        return
    confirmed = resolved and rng.random() < 0.95
    a.update(stage=Stage.REVISITED, revisited_at=visit_at, confirmed=confirmed)
    ev.append((pk, Action.REVISIT, "项目管家", visit_at, Stage.REPLIED, Stage.REVISITED, "电话回访", {"confirmed": confirmed}))
    rate_at = visit_at + datetime.timedelta(days=rng.uniform(0.1, 3))
    if rate_at > now:
        return
    rating = _pick(rng, RATING_WEIGHTS) if first_round else _pick(rng, RATING_WEIGHTS[:3])
    if not confirmed and first_round and rng.random() < 0.5:
        rating = Rating.DISSATISFIED
    a.update(rating=rating, rated_at=rate_at)
    if rating in (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED):
        new_due = end_of_day(wd.add(rate_at.astimezone(SHANGHAI).date(), REPLY_DAYS[Category(a["category"])]))
        a.update(stage=Stage.HANDLING, reopen_count=a["reopen_count"] + 1, due_at=new_due, replied_at=None,
                 resolved=None, revisited_at=None, confirmed=None, handling_days=None, overdue=False)
        ev.append((pk, Action.EVALUATE, "企业", rate_at, Stage.REVISITED, Stage.HANDLING, "问题没有彻底解决",
                   {"rating": rating, "reopened": True}))
        _handle(a, ev, rng, wd, rate_at, now, first_round=False)
    else:
        a.update(stage=Stage.CLOSED, closed_at=rate_at)
        ev.append((pk, Action.EVALUATE, "企业", rate_at, Stage.REVISITED, Stage.CLOSED, "", {"rating": rating}))


# ---------------------------------------------------------------- the demo users' own appeals

def _small_for_demo_users() -> dict[str, int]:
    """One or two appeals in every stage for the demo accounts, made through the services."""
    from zhitongche.accounts.models import User

    from . import services

    users = {u.username: u for u in User.objects.filter(username__in=["bureau", "dept_rsj", "steward", "enterprise"])}
    if len(users) < 4 or users["enterprise"].enterprise_id is None:
        return {"demo_user_appeals": 0}
    ent = users["enterprise"].enterprise
    assert ent is not None  # noqa: S101 — checked above
    if Appeal.objects.filter(enterprise=ent, submitted_by__isnull=False).exists():
        return {"demo_user_appeals": 0}
    bureau, rsj, steward, owner = users["bureau"], users["dept_rsj"], users["steward"], users["enterprise"]
    texts = [t for t in load_texts() if t[2] == "RSJ"]
    made = 0

    def new(i: int, category: str = "general", by: Any = owner) -> Appeal:
        nonlocal made
        made += 1
        title, content, _ = texts[i % len(texts)]
        return services.appeal_submit(actor=by, enterprise=ent.uscc, title=title, content=content, category=category)

    def walk(appeal: Appeal, upto: str) -> None:
        order = [Stage.ACCEPTED, Stage.DISPATCHED, Stage.HANDLING, Stage.REPLIED, Stage.REVISITED, Stage.CLOSED]
        for stage in order[:order.index(Stage(upto)) + 1]:
            if stage == Stage.ACCEPTED:
                services.appeal_accept(actor=bureau, appeal_id=appeal.pk, note="材料齐全，予以受理")
            elif stage == Stage.DISPATCHED:
                services.appeal_dispatch(actor=bureau, appeal_id=appeal.pk, lead_department="RSJ", note="请按期办理")
            elif stage == Stage.HANDLING:
                services.appeal_sign(actor=rsj, appeal_id=appeal.pk)
            elif stage == Stage.REPLIED:
                services.appeal_reply(actor=rsj, appeal_id=appeal.pk, content=REPLIES[0], resolved=True)
            elif stage == Stage.REVISITED:
                services.appeal_revisit(actor=steward, appeal_id=appeal.pk, confirmed=True, note="电话回访，企业确认")
            elif stage == Stage.CLOSED:
                services.appeal_evaluate(actor=owner, appeal_id=appeal.pk, rating=Rating.VERY_SATISFIED)

    new(0)  # submitted
    new(1, by=steward)  # submitted by the steward
    new(2, "consultation")
    dup_title, dup_content, _ = texts[1 % len(texts)]
    services.appeal_submit(actor=owner, enterprise=ent.uscc, title=dup_title, content=dup_content + "请尽快处理。",
                           category="general")  # a likely duplicate of `first`
    made += 1
    for i, stage in enumerate([Stage.ACCEPTED, Stage.DISPATCHED, Stage.HANDLING, Stage.HANDLING, Stage.REPLIED,
                               Stage.REVISITED, Stage.CLOSED, Stage.CLOSED]):
        walk(new(3 + i, "urgent" if i == 3 else "general"), stage)
    rejected = new(12)
    services.appeal_reject(actor=bureau, appeal_id=rejected.pk, reason="属于劳动争议仲裁事项，请通过仲裁渠道申请")
    reopened = new(13)
    walk(reopened, Stage.REVISITED)
    services.appeal_evaluate(actor=owner, appeal_id=reopened.pk, rating=Rating.DISSATISFIED, comment="只解决了一部分")
    # One handling appeal whose deadline has passed: its whole history moved a week back (demo data may set
    # times directly), the deadlines counted again from the earlier dispatch.
    late = Appeal.objects.filter(enterprise=ent, stage=Stage.HANDLING, category="urgent").first()
    if late and late.dispatched_at:
        week = datetime.timedelta(days=7)
        sign_due, due = dispatch_deadlines(late.category, late.dispatched_at - week)
        with transaction.atomic():
            AppealEvent.objects.filter(appeal=late).update(at=F("at") - week)
            Appeal.objects.filter(pk=late.pk).update(sign_due_at=sign_due, due_at=due, **{f: F(f) - week for f in (
                "submitted_at", "accepted_at", "dispatched_at", "signed_at", "updated_at")})
        services.sweep_deadlines()
    escalate = Appeal.objects.filter(enterprise=ent, stage=Stage.DISPATCHED).first()
    if escalate:
        services.appeal_escalate(actor=bureau, appeal_id=escalate.pk, note="企业多次反映，请主办部门加快办理")
    return {"demo_user_appeals": made}


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Demo appeals (idempotent): the demo users' appeals, bulk history, and at `anshan` the city's volumes."""
    summary: dict[str, Any] = {}
    enterprises = list(Enterprise.objects.order_by("id").values_list("id", "region_id")[:60000])
    if not enterprises:
        return {"appeals": 0}
    bulk_count = Appeal.objects.filter(number__startswith="D").count()
    if bulk_count == 0:
        summary.update(bulk_history(count=SMALL_HISTORY, enterprises=enterprises, seed=12345,
                                    start=datetime.date(2025, 1, 2), progress=progress))
    summary.update(_small_for_demo_users())
    if scale == "anshan" and Appeal.objects.count() < ANSHAN_APPEALS:
        if progress:
            progress(f"  写入约 {ANSHAN_APPEALS} 件诉求 …")
        summary.update(bulk_history(count=ANSHAN_APPEALS - Appeal.objects.count(), enterprises=enterprises,
                                    seed=210300, start=HISTORY_START, progress=progress, prefix="A"))
    summary["total"] = Appeal.objects.count()
    summary["assignments"] = Assignment.objects.count()
    return summary
