"""Background rebuild of the search index, queued when the synonym table changes (drained by `ztc worker`)."""

from typing import Any

from django_tasks import task


@task()
def reindex_task() -> dict[str, Any]:
    """Rebuild the whole search index with the current synonym table."""
    from .index import reindex

    return reindex()
