"""Background tasks: listing failures and retrying them (the queue itself is django-tasks' database backend)."""

from typing import Any

from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import audit
from .errors import Conflict, NotFound


def failed_tasks(limit: int = 100) -> list[dict[str, Any]]:
    """The most recent failed tasks with their error."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).order_by("-finished_at")[:limit]
    return [
        {"id": str(r.id), "task": r.task_path, "finished_at": r.finished_at,
         "error": r.exception_class_path, "traceback": (r.traceback or "").strip().splitlines()[-1:]}
        for r in rows
    ]


def task_retry(*, actor: Any, result_id: str) -> str:
    """Enqueue a failed task again with the same arguments; returns the new result id."""
    with transaction.atomic():
        failed = DBTaskResult.objects.filter(id=result_id).first()
        if failed is None:
            raise NotFound(f"任务 {result_id} 不存在", code="unknown_task")
        if failed.status != TaskResultStatus.FAILED:
            raise Conflict("只有失败的任务可以重试", code="task_not_failed")
        task = failed.task
        retry = task.using(priority=failed.priority, queue_name=failed.queue_name).enqueue(
            *failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
        audit.record(actor=actor, action="task.retry", object_type="django_tasks_db.dbtaskresult",
                     object_id=str(failed.id), object_repr=failed.task_path, changes={"retry": [None, retry.id]})
    return str(retry.id)
