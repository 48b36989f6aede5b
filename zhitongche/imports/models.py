"""Import jobs: one uploaded template, its validation report and what it wrote."""

import contextlib
from pathlib import Path

from django.conf import settings
from django.db import models

from zhitongche.core.errors import InvalidInput

from .kinds import get_kind


class ImportStatus(models.TextChoices):
    """The life of an import job (CONTRACT.md §4)."""

    PENDING = "pending", "排队中"
    RUNNING = "running", "处理中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """One uploaded template: who, which kind, the counts and every rejected cell."""

    kind = models.CharField("模板类型", max_length=32, db_index=True)
    file_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField("存储路径", max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    # The department at the time of the import, for the 信息填报情况 figures.
    department = models.ForeignKey("regions.Department", verbose_name="上报单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING,
                              db_index=True)
    dry_run = models.BooleanField("仅校验", default=False)
    total = models.PositiveIntegerField("数据行", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "kind", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.file_name}"

    @property
    def kind_title(self) -> str:
        """The template's Chinese name (its key if the kind is no longer registered)."""
        try:
            return get_kind(self.kind).title
        except InvalidInput:
            return self.kind

    def progress_file(self) -> Path:
        """Where a running pipelined import writes its progress (services._progress_reporter)."""
        return Path(f"{self.stored_path}.progress")

    @property
    def live_progress(self) -> int:
        """The progress bar's value: while a pipelined import runs, its file (the open transaction hides the row)."""
        if self.status == ImportStatus.RUNNING and self.stored_path:
            with contextlib.suppress(OSError, ValueError):
                return int(self.progress_file().read_text())
        return self.progress

    def as_report(self) -> dict:
        """The CONTRACT.md §4 answer."""
        return {"id": self.pk, "kind": self.kind, "status": self.status, "total": self.total,
                "created": self.created, "updated": self.updated, "rejected": self.rejected,
                "errors": list(self.errors or [])}
