"""The appeal pool: appeals, their timeline of events, attachments and in-app notifications.

The stages, actions and the transition table (CONTRACT.md §5) sit here as data beside the TextChoices;
`services.py` is the only code that moves an appeal from one stage to another.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Stage(models.TextChoices):
    """Where an appeal is in the closed loop."""

    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "已受理待交办"
    REJECTED = "rejected", "不予受理"
    DISPATCHED = "dispatched", "已交办待签收"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已反馈待回访"
    REVISITED = "revisited", "已回访待评价"
    CLOSED = "closed", "已办结"


FINAL_STAGES = frozenset({Stage.REJECTED, Stage.CLOSED})
OPEN_STAGES = tuple(s for s in Stage if s not in FINAL_STAGES)
# Stages in which the lead department's reply deadline runs.
RUNNING_STAGES = (Stage.DISPATCHED, Stage.HANDLING)


class Action(models.TextChoices):
    """What a user can do to an appeal; `submit` and `merge` are the platform's own additions."""

    SUBMIT = "submit", "提交"
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    DISPATCH = "dispatch", "交办"
    SIGN = "sign", "签收"
    RETURN = "return", "退回"
    EXTEND = "extend", "延期"
    REPLY = "reply", "反馈"
    REVISIT = "revisit", "回访"
    EVALUATE = "evaluate", "评价"
    ESCALATE = "escalate", "督办"
    MERGE = "merge", "合并"
    # Written by the system, never requested: reopening after a bad rating, deadline sweeps.
    REOPEN = "reopen", "重办"
    OVERDUE = "overdue", "超期"


class Who(models.TextChoices):
    """The `who` column of the contract table."""

    BUREAU = "bureau", "营商局"
    LEAD_DEPARTMENT = "lead_department", "主办部门"
    STEWARD_OR_BUREAU = "steward_or_bureau", "项目管家或营商局"
    ENTERPRISE_OR_STEWARD = "enterprise_or_steward", "企业或其管家"


@dataclass(frozen=True)
class Transition:
    """One row of the table: from which stages, to which stage (None = stays), who may take it."""

    sources: frozenset[str]
    target: str | None
    who: str


TRANSITIONS: dict[str, Transition] = {
    Action.ACCEPT: Transition(frozenset({Stage.SUBMITTED}), Stage.ACCEPTED, Who.BUREAU),
    Action.REJECT: Transition(frozenset({Stage.SUBMITTED}), Stage.REJECTED, Who.BUREAU),
    Action.DISPATCH: Transition(frozenset({Stage.ACCEPTED}), Stage.DISPATCHED, Who.BUREAU),
    Action.SIGN: Transition(frozenset({Stage.DISPATCHED}), Stage.HANDLING, Who.LEAD_DEPARTMENT),
    Action.RETURN: Transition(frozenset({Stage.DISPATCHED, Stage.HANDLING}), Stage.ACCEPTED, Who.LEAD_DEPARTMENT),
    Action.EXTEND: Transition(frozenset({Stage.HANDLING}), None, Who.BUREAU),
    Action.REPLY: Transition(frozenset({Stage.HANDLING}), Stage.REPLIED, Who.LEAD_DEPARTMENT),
    Action.REVISIT: Transition(frozenset({Stage.REPLIED}), Stage.REVISITED, Who.STEWARD_OR_BUREAU),
    # closed, or handling when the rating is one of the last two (see services.appeal_evaluate)
    Action.EVALUATE: Transition(frozenset({Stage.REVISITED}), Stage.CLOSED, Who.ENTERPRISE_OR_STEWARD),
    Action.ESCALATE: Transition(frozenset(OPEN_STAGES), None, Who.BUREAU),
    # Duplicates are merged from the bureau's pool, before any department has work on them.
    Action.MERGE: Transition(frozenset({Stage.SUBMITTED, Stage.ACCEPTED}), Stage.CLOSED, Who.BUREAU),
}
# The contract's actions, in the order of its table (the API path accepts these and `merge`).
CONTRACT_ACTIONS = (Action.ACCEPT, Action.REJECT, Action.DISPATCH, Action.SIGN, Action.RETURN, Action.EXTEND,
                    Action.REPLY, Action.REVISIT, Action.EVALUATE, Action.ESCALATE)


class Channel(models.TextChoices):
    """Where the appeal came in."""

    STEWARD = "steward", "项目管家"
    ONLINE = "online", "网上提交"
    HOTLINE_12345 = "hotline_12345", "12345热线"
    BREAKFAST_MEETING = "breakfast_meeting", "书记早餐会"
    CADRE_VISIT = "cadre_visit", "领导干部进园区进企业"
    OVERSEER = "overseer", "特约监督员"
    WINDOW = "window", "服务窗口"
    OTHER = "other", "其他"


class Category(models.TextChoices):
    """The kind of appeal, which sets the reply deadline."""

    CONSULTATION = "consultation", "咨询类"
    GENERAL = "general", "一般类"
    COMPLEX = "complex", "复杂类"
    URGENT = "urgent", "紧急类"


# Working days after the day of dispatch (CONTRACT.md §5).
SIGN_DAYS = 1
REPLY_DAYS = {Category.CONSULTATION: 1, Category.URGENT: 1, Category.GENERAL: 5, Category.COMPLEX: 15}


class Rating(models.TextChoices):
    """The enterprise's rating; the last two reopen the appeal."""

    VERY_SATISFIED = "very_satisfied", "非常满意"
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"


SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
REOPENING_RATINGS = (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)

TITLE_MAX = 100
CONTENT_MAX = 2000
NOTE_MAX = 1000


# The columns the figures read (besides period, territory and department), kept in the covering indexes.
FIGURE_FIELDS = ["stage", "dispatched_at", "sign_due_at", "signed_at", "replied_at", "resolved", "confirmed", "rating",
                 "overdue", "due_at", "handling_days", "escalated", "id"]


class Appeal(models.Model):
    """One enterprise problem in the closed loop; `stage` changes only through services.py."""

    number = models.CharField("诉求编号", max_length=20, unique=True)
    enterprise = models.ForeignKey("registry.Enterprise", verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="appeals")
    # Copied from the enterprise at submission: scopes and figures filter on it without a join.
    region = models.ForeignKey("regions.Division", verbose_name="所属区县/开发区", on_delete=models.PROTECT,
                               related_name="+")
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    title = models.CharField("标题", max_length=TITLE_MAX)
    content = models.TextField("内容")
    stage = models.CharField("阶段", max_length=12, choices=Stage.choices, default=Stage.SUBMITTED)
    lead_department = models.ForeignKey("regions.Department", verbose_name="主办部门", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="led_appeals")
    co_departments = models.ManyToManyField("regions.Department", verbose_name="协办部门", blank=True,
                                            related_name="assisted_appeals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    sign_due_at = models.DateTimeField("签收期限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)
    handling_days = models.PositiveIntegerField("办理用时（工作日）", null=True, blank=True)
    resolved = models.BooleanField("已解决", null=True, blank=True)
    revisited_at = models.DateTimeField("回访时间", null=True, blank=True)
    confirmed = models.BooleanField("回访确认解决", null=True, blank=True)
    rating = models.CharField("评价", max_length=20, choices=Rating.choices, blank=True)
    comment = models.CharField("评价意见", max_length=NOTE_MAX, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    overdue = models.BooleanField("超期", default=False, help_text="本轮办理期限已过而未反馈（由期限巡检或反馈时标记）")
    reminded_80 = models.BooleanField("已发 80% 提醒", default=False)
    reminded_due = models.BooleanField("已发到期提醒", default=False)
    escalated = models.BooleanField("督办中", default=False)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    merged_into = models.ForeignKey("self", verbose_name="并入诉求", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    duplicate_of = models.ForeignKey("self", verbose_name="疑似重复", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     help_text="提交时发现的同一企业 30 日内相似的未办结诉求")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # Covering indexes for the figures (selectors.appeal_stats): the rows carry long texts, so the
            # counts read only these narrow indexes — by period, by territory or by lead department.
            models.Index(fields=["submitted_at", "region", "lead_department", *FIGURE_FIELDS], name="appeal_fig_time"),
            models.Index(fields=["region", "submitted_at", "lead_department", *FIGURE_FIELDS], name="appeal_fig_region"),
            models.Index(fields=["lead_department", "submitted_at", "region", *FIGURE_FIELDS], name="appeal_fig_dept"),
            models.Index(fields=["stage", "due_at"]),
            models.Index(fields=["lead_department", "stage"]),
            models.Index(fields=["enterprise", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="appeal_stage_valid"),
            models.CheckConstraint(condition=Q(rating="") | Q(rating__in=Rating.values), name="appeal_rating_valid"),
            # Once dispatched, until returned, an appeal has a lead department and a deadline.
            models.CheckConstraint(
                condition=~Q(stage__in=[Stage.DISPATCHED, Stage.HANDLING, Stage.REPLIED, Stage.REVISITED])
                | Q(lead_department__isnull=False, due_at__isnull=False),
                name="appeal_dispatched_has_lead_and_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        """Marked overdue, or its reply deadline has passed while a department still holds it."""
        if self.overdue:
            return True
        now = now or timezone.now()
        return self.stage in RUNNING_STAGES and self.due_at is not None and self.due_at < now


class AppealEvent(models.Model):
    """One step of an appeal's timeline: who did what, when, with which note and fields. Append-only."""

    appeal = models.ForeignKey(Appeal, verbose_name="诉求", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("动作", max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)
    stage_from = models.CharField("原阶段", max_length=12, blank=True)
    stage_to = models.CharField("新阶段", max_length=12, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("字段", default=dict, blank=True)

    class Meta:
        verbose_name = "诉求办理记录"
        verbose_name_plural = "诉求办理记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["appeal", "at"]),
            # The dispatch suggester's mark, MAX(id) of the dispatch events (selectors.suggester_version): partial,
            # because with (action, id) PostgreSQL preferred walking the primary key back past newer events.
            models.Index(fields=["id"], condition=models.Q(action="dispatch"), name="appeal_event_dispatch_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random stored name: the uploader's file name is kept only in the database."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"appeals/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Attachment(models.Model):
    """A file on an appeal (at submission) or on one of its events (a reply), served only after a scope check."""

    appeal = models.ForeignKey(Appeal, verbose_name="诉求", on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(AppealEvent, verbose_name="所属办理记录", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "诉求附件"
        verbose_name_plural = "诉求附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app notice to one user (deadline reminders, new work, overdue lists); sent outbound once."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=32)
    appeal = models.ForeignKey(Appeal, verbose_name="诉求", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notifications")
    message = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sent_at = models.DateTimeField("外发时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message
