"""A task that fails until a division named 'retry-ok' exists: lets tests drive fail → retry → success."""

from django_tasks import task

from zhitongche.regions.models import Division


@task()
def flaky(code: str) -> str:
    if not Division.objects.filter(code=code, name="retry-ok").exists():
        raise ValueError(f"division {code} not ready")
    return code
