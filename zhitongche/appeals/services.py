"""Writes on appeals: submission and one function per action of CONTRACT.md §5.

Every action runs in one transaction: it locks the appeal row (FOR UPDATE; on SQLite the IMMEDIATE
transaction takes the write lock at BEGIN), answers 404 outside the caller's scope, 409 when the
transition table does not list the current stage, 403 when the caller is not in the `who` column,
then writes the appeal (update_fields), one AppealEvent row and one audit row, and the notifications
with their delivery task (which commits or rolls back with them). Field checks that need no database run before the lock, so bad input
changes nothing.
"""

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.accounts.models import Role
from zhitongche.core import audit, rows
from zhitongche.core.calendar import end_of_day, local_date
from zhitongche.core.errors import Conflict, InvalidInput, NotFound
from zhitongche.regions.models import Department, Level
from zhitongche.registry.models import Enterprise
from zhitongche.registry.validators import clean_uscc

from . import deadlines, duplicates, selectors
from .files import CheckedFile, check_files, removed_on_failure
from .models import (
    CONTENT_MAX,
    CONTRACT_ACTIONS,
    FINAL_STAGES,
    NOTE_MAX,
    REOPENING_RATINGS,
    RUNNING_STAGES,
    TITLE_MAX,
    TRANSITIONS,
    Action,
    Appeal,
    AppealEvent,
    Attachment,
    Category,
    Channel,
    Notification,
    Rating,
    Stage,
)

AUDITED = ("stage", "lead_department", "due_at", "sign_due_at", "rating", "resolved", "confirmed",
           "reopen_count", "overdue", "escalated", "merged_into")
MAX_CO_DEPARTMENTS = 10
MAX_EXTEND_DAYS = 30
DEFAULT_CHANNEL: dict[str, str] = {Role.ENTERPRISE: Channel.ONLINE, Role.STEWARD: Channel.STEWARD, Role.CLERK: Channel.WINDOW}
# An action's rows are written by hand (core/rows.py): through the ORM they cost most of a 督办.
_EVENT = rows.Insert(AppealEvent, ["appeal", "action", "actor", "actor_label", "at", "stage_from", "stage_to", "note",
                                   "data"])
_NOTIFICATION = rows.Insert(Notification, ["recipient", "kind", "appeal", "message", "created_at"])


# ---------------------------------------------------------------- field checks (no database)

def _text(value: Any, field: str, label: str, max_length: int, *, required: bool) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise InvalidInput(f"{label}不能为空", code="missing", details={"field": field})
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字", code="too_long",
                           details={"field": field, "max_length": max_length})
    return text


def _choice(value: Any, field: str, label: str, choices: Any) -> str:
    if value not in choices.values:
        raise InvalidInput(f"{label}无效；可选：{'、'.join(choices.values)}", code=f"invalid_{field}",
                           details={"field": field, "allowed": list(choices.values)})
    return str(value)


def _bool(value: Any, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{label}须为是或否", code="missing", details={"field": field})
    return value


def _actor_label(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return str(actor)[:150]
    return str(actor or "系统")[:150]


# ---------------------------------------------------------------- the transition machinery

def _lock(actor: Any, appeal_id: int, action: str) -> Appeal:
    """Lock the appeal and check scope (404), stage (409) and role (403), in that order."""
    person = getattr(actor, "is_authenticated", False)
    appeal = selectors.appeal_row_for_update(appeal_id)
    # The system (deadline sweep) acts on any appeal; a person only on one in scope (appeal.view is appeal_q).
    if appeal is None or (person and not scopes.may(actor, "appeal.view", appeal)):
        raise NotFound()
    transition = TRANSITIONS[Action(action)]
    if appeal.stage not in transition.sources:
        raise Conflict(
            f"诉求当前为「{Stage(appeal.stage).label}」，不能{Action(action).label}",
            code="invalid_transition",
            details={"stage": appeal.stage, "action": action,
                     "allowed_from": sorted(str(s) for s in transition.sources)},
        )
    if person:
        scopes.require(actor, f"appeal.{action}", appeal)
    return appeal


def _commit(appeal: Appeal, *, actor: Any, action: str, before: dict[str, Any], stage_from: str,
            fields: Iterable[str], note: str = "", data: dict[str, Any] | None = None,
            at: datetime.datetime | None = None) -> AppealEvent:
    """Save the changed fields, append the event row and the audit row (inside the caller's transaction).

    `at` is the moment the action stamps on the appeal (its `dispatched_at`, `signed_at`, …), so that the timeline
    shows the same time."""
    connection = transaction.get_connection()
    rows.update(connection, appeal, [*fields, "updated_at"])
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    event = _EVENT.one(connection, {
        "appeal_id": appeal.pk, "action": action, "actor_id": real_actor.pk if real_actor else None,
        "actor_label": _actor_label(actor), "at": at or timezone.now(), "stage_from": stage_from,
        "stage_to": appeal.stage, "note": note, "data": data or {},
    })
    changes = audit.diff(before, audit.snapshot(appeal, AUDITED))
    audit.record(actor=actor, action=f"appeal.{action}", obj=appeal,
                 changes={**changes, **({"note": [None, note]} if note else {})})
    return event


# ---------------------------------------------------------------- notifications

@dataclasses.dataclass(frozen=True)
class Recipients:
    """Whom to notify: a condition on the users' table (alias `u`) with its parameters; only active users get it."""

    where: str
    params: tuple[Any, ...] = ()

    def __or__(self, other: "Recipients") -> "Recipients":
        return Recipients(f"({self.where}) OR ({other.where})", self.params + other.params)


NOBODY = Recipients("1 = 0")


def department_users(*department_ids: int | None) -> Recipients:
    """The users of the given departments."""
    ids = tuple(pk for pk in department_ids if pk)
    if not ids:
        return NOBODY
    return Recipients(f"u.role = %s AND u.department_id IN ({', '.join(['%s'] * len(ids))})", (Role.DEPARTMENT, *ids))


def bureau_users(region_id: str) -> Recipients:
    """The bureau users whose region covers `region_id` (theirs, or the whole city)."""
    return Recipients("u.role = %s AND (u.region_id = %s OR u.region_id IN "
                      "(SELECT code FROM regions_division WHERE level = %s))", (Role.BUREAU, region_id, Level.CITY))


def enterprise_side_users(enterprise_id: int) -> Recipients:
    """The enterprise's own users and the accounts of its currently assigned stewards."""
    connection = transaction.get_connection()
    return Recipients(
        "(u.role = %s AND u.enterprise_id = %s) OR u.id IN (SELECT s.user_id FROM registry_assignment a "
        "JOIN registry_steward s ON s.id = a.steward_id WHERE a.enterprise_id = %s AND s.user_id IS NOT NULL "
        "AND (a.until IS NULL OR a.until >= %s))",
        (Role.ENTERPRISE, enterprise_id, enterprise_id, connection.ops.adapt_datefield_value(timezone.localdate())))


def notify(recipients: Recipients, *, kind: str, appeal: Appeal | None, message: str) -> list[int]:
    """Write in-app notifications and queue their outbound delivery in the same transaction; the new ids.

    One INSERT … SELECT over the users' table finds the recipients and writes their rows. The task queue lives in
    the same database, so the delivery task commits or rolls back with the notifications: no second write after
    commit, and a rolled-back action queues nothing."""
    if recipients is NOBODY:  # an appeal without a lead department yet: no statement for no one
        return []
    connection = transaction.get_connection()
    values = _NOTIFICATION.prepare(connection, {"kind": kind, "appeal_id": appeal.pk if appeal else None,
                                                "message": message[:300], "created_at": timezone.now()})
    ids = _NOTIFICATION.select(
        connection, f"SELECT u.id, %s, %s, %s, %s FROM accounts_user u WHERE u.is_active AND ({recipients.where})",  # noqa: S608
        [*values, *recipients.params])
    if ids:
        from .tasks import deliver_notifications

        deliver_notifications.enqueue(ids)
    return ids


def notification_mark_read(*, actor: Any, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all unread ones when `ids` is None); returns how many."""
    with transaction.atomic():
        qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return qs.update(read_at=timezone.now())


# ---------------------------------------------------------------- submission

def _store_files(appeal: Appeal, checked: list[CheckedFile], actor: Any, event: AppealEvent | None,
                 stored: list[Any]) -> None:
    for f in checked:
        attachment = Attachment(appeal=appeal, event=event, name=f.name, content_type=f.content_type,
                                size=f.size, uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
        attachment.file.save(f.name, f.upload, save=False)
        stored.append(attachment.file)
        attachment.save()


def appeal_submit(*, actor: Any, enterprise: str, title: str, content: str, category: str,
                  channel: str | None = None, files: list[Any] | None = None) -> Appeal:
    """Put a new appeal in the pool for an enterprise the actor may submit for; flags a likely duplicate."""
    title = _text(title, "title", "标题", TITLE_MAX, required=True)
    content = _text(content, "content", "内容", CONTENT_MAX, required=True)
    category = _choice(category, "category", "类别", Category)
    channel = channel or DEFAULT_CHANNEL.get(getattr(actor, "role", ""), Channel.OTHER)
    channel = _choice(channel, "channel", "渠道", Channel)
    checked = check_files(files or [])
    uscc = clean_uscc(str(enterprise or ""))
    if uscc is None:
        raise InvalidInput("统一社会信用代码格式或校验位不正确，应为 18 位，请核对", code="invalid_uscc",
                           details={"field": "enterprise"})
    ent = scopes.visible(actor, Enterprise.objects.all()).filter(uscc=uscc).first()
    if ent is None:
        raise NotFound("未找到该统一社会信用代码的企业，或该企业不在您的辖区", details={"field": "enterprise"})
    scopes.require(actor, "appeal.submit", ent)
    with removed_on_failure() as stored, transaction.atomic():
        now = timezone.now()
        duplicate = duplicates.find_duplicate(enterprise_id=ent.pk, title=title, content=content, now=now)
        appeal = Appeal.objects.create(
            number=f"T{now.timestamp():.6f}"[:20], enterprise=ent, region_id=ent.region_id, channel=channel,
            category=category, title=title, content=content, submitted_by=actor, submitted_at=now,
            duplicate_of=duplicate,
        )
        appeal.number = f"SQ{timezone.localdate(now):%Y%m%d}{appeal.pk:06d}"
        appeal.save(update_fields=["number"])
        event = _EVENT.one(transaction.get_connection(), {
            "appeal_id": appeal.pk, "action": Action.SUBMIT, "actor_id": actor.pk, "actor_label": _actor_label(actor),
            "at": now, "stage_from": "", "stage_to": Stage.SUBMITTED, "note": "",
            "data": {"channel": channel, "category": category, "duplicate_of": duplicate.number if duplicate else None},
        })
        _store_files(appeal, checked, actor, event, stored)
        audit.record(actor=actor, action="appeal.submit", obj=appeal, changes=audit.diff(
            {}, {**audit.snapshot(appeal, ("number", "enterprise", "channel", "category", "title", "stage")),
                 "attachments": len(checked)}))
        notify(bureau_users(ent.region_id), kind="new_appeal", appeal=appeal,
               message=f"新诉求 {appeal.number}：{title}" + ("（疑似重复）" if duplicate else ""))
    return appeal


# ---------------------------------------------------------------- the actions of the table

def appeal_accept(*, actor: Any, appeal_id: int, note: str = "") -> Appeal:
    """submitted → accepted (bureau)."""
    note = _text(note, "note", "说明", NOTE_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.ACCEPT)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.stage, appeal.accepted_at = Stage.ACCEPTED, timezone.now()
        _commit(appeal, actor=actor, action=Action.ACCEPT, before=before, stage_from=stage_from,
                fields=["stage", "accepted_at"], note=note, at=appeal.accepted_at)
    return appeal


def appeal_reject(*, actor: Any, appeal_id: int, reason: str) -> Appeal:
    """submitted → rejected, final (bureau, with a reason)."""
    reason = _text(reason, "reason", "不予受理理由", NOTE_MAX, required=True)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.REJECT)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.stage, appeal.closed_at = Stage.REJECTED, timezone.now()
        _commit(appeal, actor=actor, action=Action.REJECT, before=before, stage_from=stage_from,
                fields=["stage", "closed_at"], note=reason, at=appeal.closed_at)
        notify(enterprise_side_users(appeal.enterprise_id), kind="rejected", appeal=appeal,
               message=f"诉求 {appeal.number} 不予受理：{reason[:100]}")
    return appeal


def _departments(lead: str, co: list[str]) -> tuple[Department, list[Department]]:
    codes = [lead, *co]
    found = {d.code: d for d in Department.objects.filter(code__in=codes, active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidInput(f"部门代码 {'、'.join(unknown)} 不存在", code="unknown_department",
                           details={"departments": unknown})
    return found[lead], [found[c] for c in co]


def appeal_dispatch(*, actor: Any, appeal_id: int, lead_department: str, co_departments: list[str] | None = None,
                    note: str = "") -> Appeal:
    """accepted → dispatched to a lead department (and co-departments); sets the sign and reply deadlines."""
    lead = _text(lead_department, "lead_department", "主办部门", 32, required=True).upper()
    co = list(dict.fromkeys(_text(c, "co_departments", "协办部门", 32, required=True).upper()
                            for c in (co_departments or [])))
    if lead in co:
        raise InvalidInput("主办部门不能同时是协办部门", code="lead_in_co_departments",
                           details={"field": "co_departments"})
    if len(co) > MAX_CO_DEPARTMENTS:
        raise InvalidInput(f"协办部门最多 {MAX_CO_DEPARTMENTS} 个", code="too_many_departments",
                           details={"field": "co_departments"})
    note = _text(note, "note", "交办意见", NOTE_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.DISPATCH)
        lead_dept, co_depts = _departments(lead, co)
        now = timezone.now()
        sign_due, due = deadlines.dispatch_deadlines(appeal.category, now)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.stage, appeal.lead_department, appeal.dispatched_at = Stage.DISPATCHED, lead_dept, now
        appeal.sign_due_at, appeal.due_at, appeal.signed_at = sign_due, due, None
        appeal.overdue = appeal.reminded_80 = appeal.reminded_due = False
        appeal.co_departments.set(co_depts)
        _commit(appeal, actor=actor, action=Action.DISPATCH, before=before, stage_from=stage_from,
                fields=["stage", "lead_department", "dispatched_at", "sign_due_at", "due_at", "signed_at",
                        "overdue", "reminded_80", "reminded_due"],
                note=note, data={"lead_department": lead, "co_departments": co,
                                 "sign_due_at": sign_due.isoformat(), "due_at": due.isoformat()}, at=now)
        notify(department_users(lead_dept.pk), kind="dispatched", appeal=appeal,
               message=f"新交办诉求 {appeal.number}（主办），请于 {sign_due:%m月%d日} 前签收、{due:%m月%d日} 前反馈")
        notify(department_users(*(d.pk for d in co_depts)), kind="dispatched_co", appeal=appeal,
               message=f"新交办诉求 {appeal.number}（协办）")
    return appeal


def appeal_sign(*, actor: Any, appeal_id: int) -> Appeal:
    """dispatched → handling (a user of the lead department)."""
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.SIGN)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.stage, appeal.signed_at = Stage.HANDLING, timezone.now()
        on_time = appeal.sign_due_at is not None and appeal.signed_at <= appeal.sign_due_at
        _commit(appeal, actor=actor, action=Action.SIGN, before=before, stage_from=stage_from,
                fields=["stage", "signed_at"], data={"on_time": on_time}, at=appeal.signed_at)
    return appeal


def appeal_return(*, actor: Any, appeal_id: int, reason: str) -> Appeal:
    """dispatched/handling → accepted: the lead department hands it back to the bureau to dispatch again."""
    reason = _text(reason, "reason", "退回理由", NOTE_MAX, required=True)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.RETURN)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        returned_by = appeal.lead_department.code if appeal.lead_department else None
        appeal.stage, appeal.lead_department = Stage.ACCEPTED, None
        appeal.dispatched_at = appeal.sign_due_at = appeal.signed_at = appeal.due_at = None
        appeal.overdue = appeal.reminded_80 = appeal.reminded_due = False
        appeal.co_departments.clear()
        _commit(appeal, actor=actor, action=Action.RETURN, before=before, stage_from=stage_from,
                fields=["stage", "lead_department", "dispatched_at", "sign_due_at", "signed_at", "due_at",
                        "overdue", "reminded_80", "reminded_due"],
                note=reason, data={"department": returned_by})
        notify(bureau_users(appeal.region_id), kind="returned", appeal=appeal,
               message=f"诉求 {appeal.number} 被 {returned_by} 退回：{reason[:100]}")
    return appeal


def appeal_extend(*, actor: Any, appeal_id: int, days: int, reason: str) -> Appeal:
    """handling → handling with the reply deadline moved by `days` working days (bureau, on request)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS:
        raise InvalidInput(f"延期天数须为 1 到 {MAX_EXTEND_DAYS} 个工作日", code="invalid_days",
                           details={"field": "days"})
    reason = _text(reason, "reason", "延期理由", NOTE_MAX, required=True)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.EXTEND)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        old_due = appeal.due_at
        assert old_due is not None  # noqa: S101 — guaranteed by appeal_dispatched_has_lead_and_deadline
        appeal.due_at = deadlines.extended(old_due, days)
        # A new deadline gets its own reminders; an overdue mark already earned stays.
        appeal.reminded_80 = appeal.reminded_due = False
        _commit(appeal, actor=actor, action=Action.EXTEND, before=before, stage_from=stage_from,
                fields=["due_at", "reminded_80", "reminded_due"], note=reason,
                data={"days": days, "from": old_due.isoformat(), "to": appeal.due_at.isoformat()})
        notify(department_users(appeal.lead_department_id), kind="extended", appeal=appeal,
               message=f"诉求 {appeal.number} 已延期 {days} 个工作日，新期限 {appeal.due_at:%Y-%m-%d}")
    return appeal


def appeal_reply(*, actor: Any, appeal_id: int, content: str, resolved: bool, files: list[Any] | None = None) -> Appeal:
    """handling → replied with the department's answer and whether the problem is resolved."""
    content = _text(content, "content", "反馈内容", CONTENT_MAX, required=True)
    resolved = _bool(resolved, "resolved", "是否解决")
    checked = check_files(files or [])
    with removed_on_failure() as stored, transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.REPLY)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        now = timezone.now()
        appeal.stage, appeal.replied_at, appeal.resolved = Stage.REPLIED, now, resolved
        assert appeal.dispatched_at is not None  # noqa: S101 — set by dispatch
        appeal.handling_days = deadlines.working_days_between(appeal.dispatched_at, now)
        if appeal.due_at is not None and now > appeal.due_at:
            appeal.overdue = True
        event = _commit(appeal, actor=actor, action=Action.REPLY, before=before, stage_from=stage_from,
                        fields=["stage", "replied_at", "resolved", "handling_days", "overdue"], note=content,
                        data={"resolved": resolved, "attachments": len(checked)}, at=now)
        _store_files(appeal, checked, actor, event, stored)
        notify(enterprise_side_users(appeal.enterprise_id), kind="replied", appeal=appeal,
               message=f"诉求 {appeal.number} 已反馈，待回访评价")
    return appeal


def appeal_revisit(*, actor: Any, appeal_id: int, confirmed: bool, note: str = "") -> Appeal:
    """replied → revisited: the steward or the bureau records whether the enterprise confirms the result."""
    confirmed = _bool(confirmed, "confirmed", "是否确认解决")
    note = _text(note, "note", "回访记录", NOTE_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.REVISIT)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.stage, appeal.revisited_at, appeal.confirmed = Stage.REVISITED, timezone.now(), confirmed
        _commit(appeal, actor=actor, action=Action.REVISIT, before=before, stage_from=stage_from,
                fields=["stage", "revisited_at", "confirmed"], note=note, data={"confirmed": confirmed},
                at=appeal.revisited_at)
    return appeal


def appeal_evaluate(*, actor: Any, appeal_id: int, rating: str, comment: str = "") -> Appeal:
    """revisited → closed; the last two ratings reopen it to handling at the same lead department with a
    fresh deadline and reopen_count + 1."""
    rating = _choice(rating, "rating", "评价", Rating)
    comment = _text(comment, "comment", "评价意见", NOTE_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.EVALUATE)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        now = timezone.now()
        appeal.rating, appeal.comment, appeal.rated_at = rating, comment, now
        fields = ["stage", "rating", "comment", "rated_at"]
        reopened = rating in REOPENING_RATINGS
        if reopened:
            appeal.stage = Stage.HANDLING
            appeal.reopen_count += 1
            appeal.due_at = deadlines.reply_deadline(appeal.category, now)
            appeal.replied_at = appeal.resolved = appeal.revisited_at = appeal.confirmed = None
            appeal.handling_days = None
            appeal.overdue = appeal.reminded_80 = appeal.reminded_due = False
            fields += ["reopen_count", "due_at", "replied_at", "resolved", "revisited_at", "confirmed",
                       "handling_days", "overdue", "reminded_80", "reminded_due"]
        else:
            appeal.stage, appeal.closed_at = Stage.CLOSED, now
            fields.append("closed_at")
        _commit(appeal, actor=actor, action=Action.EVALUATE, before=before, stage_from=stage_from, fields=fields,
                note=comment, data={"rating": rating, "reopened": reopened,
                                    "due_at": appeal.due_at.isoformat() if reopened and appeal.due_at else None},
                at=now)
        if reopened:
            notify(department_users(appeal.lead_department_id), kind="reopened", appeal=appeal,
                   message=f"诉求 {appeal.number} 评价为「{Rating(rating).label}」，已重办，请于 "
                           f"{appeal.due_at:%Y-%m-%d} 前再次反馈")
    return appeal


def appeal_escalate(*, actor: Any, appeal_id: int, note: str = "") -> Appeal:
    """督办: any open stage, stage unchanged; marks the appeal escalated and tells the lead department."""
    note = _text(note, "note", "督办意见", NOTE_MAX, required=False)
    with transaction.atomic():
        appeal = _lock(actor, appeal_id, Action.ESCALATE)
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        appeal.escalated = True
        _commit(appeal, actor=actor, action=Action.ESCALATE, before=before, stage_from=stage_from,
                fields=["escalated"], note=note)
        notify(department_users(appeal.lead_department_id), kind="escalated", appeal=appeal,
               message=f"诉求 {appeal.number} 被督办" + (f"：{note[:100]}" if note else ""))
    return appeal


def appeal_merge(*, actor: Any, appeal_id: int, into: int) -> Appeal:
    """Close a duplicate from the bureau's pool with a link to the open appeal it repeats (same enterprise)."""
    if isinstance(into, bool) or not isinstance(into, int) or into == appeal_id:
        raise InvalidInput("请指定要并入的另一件诉求", code="invalid_merge_target", details={"field": "into"})
    with transaction.atomic():
        # Lock both rows in id order so that two merges cannot deadlock.
        first, second = sorted([appeal_id, into])
        list(Appeal.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
        appeal = _lock(actor, appeal_id, Action.MERGE)
        target = scopes.get_visible(actor, Appeal.objects.all(), pk=into)
        if target.enterprise_id != appeal.enterprise_id:
            raise InvalidInput("只能并入同一企业的诉求", code="invalid_merge_target", details={"field": "into"})
        if target.stage in FINAL_STAGES or target.merged_into_id:
            raise Conflict("目标诉求已办结，不能并入", code="invalid_transition",
                           details={"stage": target.stage, "action": "merge"})
        before, stage_from = audit.snapshot(appeal, AUDITED), appeal.stage
        now = timezone.now()
        appeal.stage, appeal.merged_into, appeal.closed_at = Stage.CLOSED, target, now
        _commit(appeal, actor=actor, action=Action.MERGE, before=before, stage_from=stage_from,
                fields=["stage", "merged_into", "closed_at"], note=f"并入诉求 {target.number}",
                data={"into": target.pk, "into_number": target.number}, at=now)
        _EVENT.one(transaction.get_connection(), {
            "appeal_id": target.pk, "action": Action.MERGE, "actor_id": actor.pk, "actor_label": _actor_label(actor),
            "at": now, "stage_from": target.stage, "stage_to": target.stage, "note": f"诉求 {appeal.number} 并入本件",
            "data": {"from": appeal.pk}})
        notify(enterprise_side_users(appeal.enterprise_id), kind="merged", appeal=appeal,
               message=f"诉求 {appeal.number} 与 {target.number} 重复，已合并办理")
    return appeal


ACTIONS: dict[str, Callable[..., Appeal]] = {
    Action.ACCEPT: appeal_accept,
    Action.REJECT: appeal_reject,
    Action.DISPATCH: appeal_dispatch,
    Action.SIGN: appeal_sign,
    Action.RETURN: appeal_return,
    Action.EXTEND: appeal_extend,
    Action.REPLY: appeal_reply,
    Action.REVISIT: appeal_revisit,
    Action.EVALUATE: appeal_evaluate,
    Action.ESCALATE: appeal_escalate,
    Action.MERGE: appeal_merge,
}


def appeal_act(*, actor: Any, appeal_id: int, action: str, fields: dict[str, Any]) -> Appeal:
    """Run one action by name with its fields (the API's and the web's single entry point)."""
    if action not in ACTIONS:
        raise NotFound(f"未知动作 {action}；可用：{'、'.join([*CONTRACT_ACTIONS, Action.MERGE])}",
                       code="unknown_action")
    return ACTIONS[action](actor=actor, appeal_id=appeal_id, **fields)


# ---------------------------------------------------------------- the deadline sweep

def _sweep_one(appeal_id: int, kind: str, now: datetime.datetime) -> bool:
    """Mark one appeal (overdue, or reminded at 80 % / on the deadline) exactly once, with event and audit."""
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
        if appeal is None or appeal.stage not in RUNNING_STAGES or appeal.due_at is None:
            return False
        before = audit.snapshot(appeal, AUDITED)
        if kind == "overdue":
            if appeal.overdue or appeal.due_at >= now:
                return False
            appeal.overdue = True
            _commit(appeal, actor="期限巡检", action=Action.OVERDUE, before=before, stage_from=appeal.stage,
                    fields=["overdue"], note="已超过办理期限", data={"due_at": appeal.due_at.isoformat()}, at=now)
            notify(department_users(appeal.lead_department_id) | bureau_users(appeal.region_id), kind="overdue",
                   appeal=appeal, message=f"诉求 {appeal.number} 已超期（期限 {appeal.due_at:%Y-%m-%d}）")
            return True
        field = "reminded_80" if kind == "remind_80" else "reminded_due"
        if getattr(appeal, field):
            return False
        setattr(appeal, field, True)
        rows.update(transaction.get_connection(), appeal, [field, "updated_at"])
        audit.record(actor="期限巡检", action=f"appeal.{kind}", obj=appeal, changes={field: [False, True]})
        text = ("办理时限已过 80%" if kind == "remind_80" else "今天是办理期限") + f"（{appeal.due_at:%Y-%m-%d %H:%M}）"
        notify(department_users(appeal.lead_department_id), kind=kind, appeal=appeal,
               message=f"诉求 {appeal.number}：{text}")
        return True


def sweep_deadlines(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Mark appeals overdue and send the 80 % and deadline-day reminders, each at most once per deadline."""
    now = now or timezone.now()
    running = Appeal.objects.filter(stage__in=RUNNING_STAGES, due_at__isnull=False)
    counts = {"overdue": 0, "remind_80": 0, "remind_due": 0}
    for pk in running.filter(overdue=False, due_at__lt=now).values_list("pk", flat=True):
        counts["overdue"] += _sweep_one(pk, "overdue", now)
    # The deadline day: the due date is today (Asia/Shanghai) and it has not passed yet.
    for pk in running.filter(reminded_due=False, due_at__gte=now, due_at__lte=end_of_day(local_date(now))
                             ).values_list("pk", flat=True):
        counts["remind_due"] += _sweep_one(pk, "remind_due", now)
    # 80 % of the time from the start of the current round (the last reopening, else the dispatch) to the
    # deadline has elapsed; the start comes in the same query, not one query per running appeal.
    reopened = (AppealEvent.objects.filter(appeal_id=OuterRef("pk"), action=Action.EVALUATE, stage_to=Stage.HANDLING)
                .order_by("-at").values("at")[:1])
    candidates = (running.filter(reminded_80=False, due_at__gte=now)
                  .annotate(round_start=Coalesce(Subquery(reopened), "dispatched_at"))
                  .values_list("pk", "due_at", "round_start"))
    for pk, due_at, start in candidates:
        if start is not None and due_at is not None and now >= start + (due_at - start) * 0.8:
            counts["remind_80"] += _sweep_one(pk, "remind_80", now)
    return counts
