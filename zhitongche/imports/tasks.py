"""Background imports for big files, drained by `ztc worker`."""

from django_tasks import task


@task()
def run_import_task(job_id: int) -> str:
    """Run one pending import job; the job itself records success or failure."""
    from .services import import_run

    return import_run(job_id=job_id).status
