"""Background tasks of the appeals app: the deadline sweep and outbound delivery of notifications.

The sweep is triggered from outside (django-tasks has no scheduler): on a server, cron or a systemd
timer runs `ztc appeals sweep` every few minutes (it runs the sweep directly; `--enqueue` queues this
task for `ztc worker` instead). Both are idempotent: each reminder and each overdue mark happens once.
"""

from typing import Any

from django.utils import timezone
from django_tasks import task

from .models import Notification
from .notify import channel


@task()
def sweep_deadlines_task() -> dict[str, int]:
    """Run the deadline sweep (see services.sweep_deadlines)."""
    from .services import sweep_deadlines

    return sweep_deadlines()


@task()
def deliver_notifications(ids: list[int]) -> dict[str, Any]:
    """Send the given notifications through the configured outbound channel, each at most once."""
    outbound = channel()
    sent = 0
    for note in Notification.objects.select_related("recipient", "appeal").filter(pk__in=ids, sent_at__isnull=True):
        outbound.send(note)
        Notification.objects.filter(pk=note.pk).update(sent_at=timezone.now())
        sent += 1
    return {"sent": sent}
