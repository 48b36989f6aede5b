"""Steward–enterprise contacts (visits, calls, messages, policy pushes) and whether each one counts as effective."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    """How the steward was in touch; `other` is recorded but never counted."""

    VISIT = "visit", "上门走访"
    CALL = "call", "电话联系"
    MESSAGE = "message", "线上消息"
    POLICY_PUSH = "policy_push", "政策推送"
    OTHER = "other", "其他"


COUNTED_KINDS = (Kind.VISIT, Kind.CALL, Kind.MESSAGE, Kind.POLICY_PUSH)
CONTENT_MAX = 2000


class NotEffective(models.TextChoices):
    """Why an interaction does not count (empty when it does)."""

    KIND_NOT_COUNTED = "kind_not_counted", "该类型不计入有效互动"
    CONTENT_TOO_SHORT = "content_too_short", "内容不足 10 个有效字符"
    BOILERPLATE = "boilerplate", "内容为套话或重复字符"
    SAME_DAY_SAME_KIND = "same_day_same_kind", "同一管家、企业、日期、类型已有有效互动"


class Interaction(models.Model):
    """One contact between a steward and an assigned enterprise; `effective` is decided by rules.py when recorded."""

    steward = models.ForeignKey("registry.Steward", verbose_name="管家", on_delete=models.PROTECT,
                                related_name="interactions")
    enterprise = models.ForeignKey("registry.Enterprise", verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="interactions")
    # Copied from the enterprise when recorded so that counts by region need no join.
    region = models.ForeignKey("regions.Division", verbose_name="所属区县/开发区", on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField("方式", max_length=12, choices=Kind.choices)
    content = models.TextField("内容")
    occurred_at = models.DateTimeField("发生时间", default=timezone.now)
    occurred_on = models.DateField("发生日期（北京时间）", db_index=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="关联诉求", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="interactions")
    effective = models.BooleanField("有效互动", default=False)
    not_effective_reason = models.CharField("不计入原因", max_length=24, choices=NotEffective.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "互动记录"
        verbose_name_plural = "互动记录"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["steward", "occurred_on"]),
            models.Index(fields=["region", "occurred_on"]),
            models.Index(fields=["enterprise", "occurred_on"]),
        ]
        constraints = [
            # At most one effective contact per steward, enterprise, day and kind, unless it serves an appeal.
            models.UniqueConstraint(
                fields=["steward", "enterprise", "occurred_on", "kind"],
                condition=Q(effective=True, appeal__isnull=True),
                name="one_effective_interaction_per_day_and_kind",
            ),
            models.CheckConstraint(condition=Q(effective=False) | Q(not_effective_reason=""),
                                   name="effective_interaction_has_no_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} {self.enterprise_id}"
