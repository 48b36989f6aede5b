"""Licence types, licences with their version chain, bitstring status lists and the usage log (调用记录)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .vc import MIN_STATUS_LIST_BITS


class Layout(models.TextChoices):
    """How a licence is shown on screen and on paper."""

    CERTIFICATE = "certificate", "证书式（横版，带边框）"
    CARD = "card", "卡片式（竖版，简洁）"


class LicenseType(models.Model):
    """证照类型: what a department issues, for how long, which fields a licence of it carries, how it looks."""

    code = models.CharField("类型代码", max_length=6, unique=True,
                            help_text="2–6 位大写字母或数字，出现在证照编号中")
    name = models.CharField("证照名称", max_length=100)
    department = models.ForeignKey("regions.Department", verbose_name="发证部门", on_delete=models.PROTECT,
                                   related_name="license_types")
    valid_years = models.PositiveSmallIntegerField("有效期（年）", null=True, blank=True,
                                                   help_text="留空表示长期有效")
    fields = models.JSONField("证照字段", default=list, blank=True,
                              help_text='[{"key": "legalRepresentative", "label": "法定代表人", "required": true}]')
    layout = models.CharField("版式", max_length=16, choices=Layout.choices, default=Layout.CERTIFICATE)
    display_title = models.CharField("证面标题", max_length=100, blank=True, help_text="留空时使用证照名称")
    display_note = models.CharField("证面说明", max_length=300, blank=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "证照类型"
        verbose_name_plural = "证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def title(self) -> str:
        """The heading printed on the licence."""
        return self.display_title or self.name

    @property
    def validity_label(self) -> str:
        """The validity in words."""
        return f"{self.valid_years} 年" if self.valid_years else "长期有效"


class LicenseStatus(models.TextChoices):
    """Stored statuses are active, revoked and superseded; `expired` is derived at read time from valid_until."""

    ACTIVE = "active", "有效"
    REVOKED = "revoked", "已吊销"
    EXPIRED = "expired", "已过期"
    SUPERSEDED = "superseded", "已被新版本取代"


# The allowed moves between stored statuses, as data (expired is not stored, so it is not a target).
TRANSITIONS: dict[str, dict[str, str]] = {
    "change": {LicenseStatus.ACTIVE: LicenseStatus.SUPERSEDED},
    "renew": {LicenseStatus.ACTIVE: LicenseStatus.SUPERSEDED},
    "revoke": {LicenseStatus.ACTIVE: LicenseStatus.REVOKED},
}


class StatusList(models.Model):
    """One W3C Bitstring Status List (purpose revocation) of `size` bits, served at /credentials/status/{id}."""

    size = models.PositiveIntegerField("位数", default=MIN_STATUS_LIST_BITS)
    bits = models.BinaryField("位串")
    allocated = models.PositiveIntegerField("已分配", default=0)
    capacity = models.PositiveIntegerField("分配上限", help_text="分配到此数量后启用新列表，保持随机位置难以推断")
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    # A fresh random value with every change of the bits, so that a process holding the bits in memory
    # (statusbits.py) can tell a copy is current; random rather than counted so that a change that rolled
    # back never matches a later one.
    revision = models.BigIntegerField("修订标记", default=0)

    class Meta:
        verbose_name = "状态列表"
        verbose_name_plural = "状态列表"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(size__gte=MIN_STATUS_LIST_BITS), name="status_list_min_size")]

    def __str__(self) -> str:
        return f"状态列表 {self.pk}（{self.allocated}/{self.size}）"


class License(models.Model):
    """电子证照: one version of a licence; a change or renewal creates the next version and supersedes this one."""

    identifier = models.CharField("证照编号", max_length=32, unique=True)
    license_type = models.ForeignKey(LicenseType, verbose_name="证照类型", on_delete=models.PROTECT,
                                     related_name="licenses")
    holder = models.ForeignKey("registry.Enterprise", verbose_name="持证主体", on_delete=models.PROTECT,
                               related_name="licenses")
    # Snapshots as of issuance: the credential is rebuilt from the row and must not change when the
    # enterprise or the type is renamed later.
    holder_name = models.CharField("持证主体名称", max_length=200)
    type_name = models.CharField("证照名称", max_length=100)
    fields = models.JSONField("证照内容", default=dict, blank=True)
    valid_from = models.DateTimeField("有效期起")
    valid_until = models.DateTimeField("有效期至", null=True, blank=True, help_text="空表示长期有效")
    status = models.CharField("状态", max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.ACTIVE)
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField("self", verbose_name="上一版本", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="next_version")
    status_list = models.ForeignKey(StatusList, verbose_name="状态列表", on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField("状态位序号")
    credential_id = models.UUIDField("凭证编号", default=uuid.uuid4, unique=True)
    signing_key = models.CharField("签名密钥", max_length=64, blank=True,
                                   help_text="首次取用凭证时签名；之后以同一密钥、同一时间确定性地重新生成")
    signed_at = models.DateTimeField("签名时间", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("签发时间", default=timezone.now, db_index=True)
    revocation_reason = models.CharField("吊销原因", max_length=500, blank=True)
    ended_at = models.DateTimeField("吊销或取代时间", null=True, blank=True)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="license_unique_status_slot"),
            models.CheckConstraint(condition=Q(status__in=["active", "revoked", "superseded"]),
                                   name="license_stored_status"),
            models.CheckConstraint(condition=~Q(status="revoked") | ~Q(revocation_reason=""),
                                   name="license_revoked_has_reason"),
        ]
        indexes = [
            models.Index(fields=["holder", "status"]),
            models.Index(fields=["license_type", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.identifier}"

    def effective_status(self, now: datetime.datetime | None = None) -> str:
        """The status a reader sees: `expired` for an active licence past its valid_until."""
        if (self.status == LicenseStatus.ACTIVE and self.valid_until is not None
                and self.valid_until <= (now or timezone.now())):
            return LicenseStatus.EXPIRED.value
        return self.status

    @property
    def effective_status_label(self) -> str:
        """The Chinese label of effective_status()."""
        return LicenseStatus(self.effective_status()).label

    @property
    def newer(self) -> License | None:
        """The version that superseded this one, or None."""
        try:
            return self.next_version
        except License.DoesNotExist:
            return None


class UseAction(models.TextChoices):
    """What a platform user did with a licence."""

    CREDENTIAL = "credential", "获取电子凭证"
    VERIFY = "verify", "核验"
    VIEW = "view", "查看"


class LicenseUse(models.Model):
    """调用记录: one fetch of a credential or one verification by a platform user, with its stated purpose."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    license = models.ForeignKey(License, verbose_name="证照", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="uses")
    identifier = models.CharField("证照编号", max_length=40, blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="使用人", on_delete=models.PROTECT,
                             related_name="+")
    action = models.CharField("动作", max_length=12, choices=UseAction.choices)
    purpose = models.CharField("用途", max_length=200)
    channel = models.CharField("渠道", max_length=8, default="api", choices=[("api", "接口"), ("web", "网页")])
    result = models.CharField("结果", max_length=40, blank=True)

    class Meta:
        verbose_name = "证照调用记录"
        verbose_name_plural = "证照调用记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.identifier}"

    @property
    def result_label(self) -> str:
        """The result in Chinese: a licence status, whether a verification passed, or why it failed."""
        from .verification import REASONS  # verification reads these models

        if self.result in LicenseStatus.values:
            return str(LicenseStatus(self.result).label)
        return {"valid": "核验通过", "invalid": "核验未通过", "": "—"}.get(self.result) or REASONS.get(
            self.result, self.result)
