"""Core tables: the append-only audit trail."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogQuerySet(models.QuerySet):
    """Audit rows cannot be changed or removed through the ORM."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit log is append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("audit log is append-only")


class AuditLog(models.Model):
    """One write: who, when, which object, what action, the changed fields and the request id.

    Rows are append-only: the ORM refuses updates and deletes, and database triggers refuse UPDATE on
    both engines and DELETE on PostgreSQL (see migration 0002).
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更字段", default=dict, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The one exception to "no logic in save()": an invariant of the table itself.
        if self.pk is not None:
            raise PermissionError("audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit log is append-only")

    @property
    def change_rows(self) -> list[tuple[str, Any]]:
        """(field, [before, after]) pairs for a page: a template reading `changes.items` would get the value of a
        field called `items` (the catalogue's reindex records one)."""
        return list(self.changes.items()) if isinstance(self.changes, dict) else []


class CalendarYear(models.Model):
    """A year's official holiday arrangement, entered when the calendar library has no data for it yet."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("依据", max_length=300)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "法定节假日安排"
        verbose_name_plural = "法定节假日安排"

    def __str__(self) -> str:
        return f"{self.year} 年"


class CalendarDay(models.Model):
    """An exception to the weekday rule in such a year: a holiday on a weekday, or a working weekend day."""

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    working = models.BooleanField("上班")

    class Meta:
        verbose_name = "调休日期"
        verbose_name_plural = "调休日期"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.working else '休息'}"
