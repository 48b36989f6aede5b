import json

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from zhitongche.cli import main
from zhitongche.core.models import AuditLog
from zhitongche.regions.models import Division

from .tasks_for_tests import flaky

# The worker closes and reopens database connections between tasks, as in production, so these tests
# commit for real instead of running inside one test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_failed_task_is_recorded_and_can_be_retried(capsys):
    result = flaky.enqueue("210302")
    assert main(["worker", "--batch", "--json"]) == 0
    failed = DBTaskResult.objects.get(id=result.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "builtins.ValueError" and "not ready" in failed.traceback
    capsys.readouterr()
    assert main(["tasks", "failed", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["failed"]] == [str(result.id)]

    Division.objects.filter(code="210302").update(name="retry-ok")
    assert main(["tasks", "retry", str(result.id), "--json"]) == 0
    new_id = json.loads(capsys.readouterr().out)["id"]
    assert AuditLog.objects.filter(action="task.retry", object_id=str(result.id)).exists()
    assert main(["worker", "--batch", "--json"]) == 0
    done = DBTaskResult.objects.get(id=new_id)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == "210302"


def test_only_failed_tasks_can_be_retried(capsys):
    Division.objects.filter(code="210303").update(name="retry-ok")
    result = flaky.enqueue("210303")
    main(["worker", "--batch", "--json"])
    capsys.readouterr()
    assert main(["tasks", "retry", str(result.id)]) == 1
    assert "失败的任务" in capsys.readouterr().err
    assert main(["tasks", "retry", "00000000-0000-0000-0000-000000000000"]) == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize("bad", ["not-a-uuid"])
def test_retry_with_garbage_id(capsys, bad):
    assert main(["tasks", "retry", bad]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
