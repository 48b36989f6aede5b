"""Core tables: the append-only audit trail."""

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
