"""Writes on the catalogue: the synonym table (which makes the index stale) and rebuilding the index."""

from typing import Any

from django.db import transaction
from django.db.models import F

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.errors import Conflict, InvalidInput, NotFound

from . import index
from .models import SearchState, SearchSynonym
from .textproc import normalize

SYNONYM_FIELDS = ("colloquial", "formal", "note")


def _clean(colloquial: str, formal: str, note: str) -> tuple[str, str, str]:
    colloquial, formal, note = (colloquial or "").strip(), (formal or "").strip(), (note or "").strip()
    if not normalize(colloquial) or len(colloquial) > 50:
        raise InvalidInput("口语说法须含文字且不超过 50 个字符", code="invalid_colloquial")
    if not normalize(formal) or len(formal) > 50:
        raise InvalidInput("规范用语须含文字且不超过 50 个字符", code="invalid_formal")
    if colloquial == formal:
        raise InvalidInput("口语说法与规范用语相同，无需添加", code="same_terms")
    if len(note) > 200:
        raise InvalidInput("说明不超过 200 个字符", code="invalid_note")
    return colloquial, formal, note


def _mark_stale() -> None:
    """Bump the synonym version (the index is stale until rebuilt) and queue the rebuild after commit."""
    if not SearchState.objects.update(synonyms_version=F("synonyms_version") + 1):
        SearchState.objects.create(synonyms_version=2, indexed_version=1)
    from .tasks import reindex_task

    transaction.on_commit(reindex_task.enqueue)


def synonym_create(*, actor: Any, colloquial: str, formal: str, note: str = "") -> SearchSynonym:
    """Add a colloquial → formal row; the index becomes stale and a rebuild is queued."""
    scopes.require(actor, "catalog.synonym_edit")
    colloquial, formal, note = _clean(colloquial, formal, note)
    with transaction.atomic():
        if SearchSynonym.objects.filter(colloquial=colloquial, formal=formal).exists():
            raise Conflict("该同义词已存在", code="duplicate_synonym")
        synonym = SearchSynonym.objects.create(colloquial=colloquial, formal=formal, note=note)
        _mark_stale()
        audit.record(actor=actor, action="synonym.create", obj=synonym,
                     changes={f: [None, getattr(synonym, f)] for f in SYNONYM_FIELDS})
    return synonym


def synonym_update(*, actor: Any, pk: int, colloquial: str, formal: str, note: str = "") -> SearchSynonym:
    """Change a row; the index becomes stale and a rebuild is queued."""
    scopes.require(actor, "catalog.synonym_edit")
    colloquial, formal, note = _clean(colloquial, formal, note)
    with transaction.atomic():
        synonym = SearchSynonym.objects.select_for_update().filter(pk=pk).first()
        if synonym is None:
            raise NotFound("同义词不存在", code="unknown_synonym")
        if SearchSynonym.objects.filter(colloquial=colloquial, formal=formal).exclude(pk=pk).exists():
            raise Conflict("该同义词已存在", code="duplicate_synonym")
        before = audit.snapshot(synonym, SYNONYM_FIELDS)
        synonym.colloquial, synonym.formal, synonym.note = colloquial, formal, note
        changes = audit.diff(before, audit.snapshot(synonym, SYNONYM_FIELDS))
        if not changes:
            return synonym
        synonym.save(update_fields=[*SYNONYM_FIELDS, "updated_at"])
        _mark_stale()
        audit.record(actor=actor, action="synonym.update", obj=synonym, changes=changes)
    return synonym


def synonym_delete(*, actor: Any, pk: int) -> None:
    """Remove a row; the index becomes stale and a rebuild is queued."""
    scopes.require(actor, "catalog.synonym_edit")
    with transaction.atomic():
        synonym = SearchSynonym.objects.select_for_update().filter(pk=pk).first()
        if synonym is None:
            raise NotFound("同义词不存在", code="unknown_synonym")
        audit.record(actor=actor, action="synonym.delete", obj=synonym,
                     changes={f: [getattr(synonym, f), None] for f in SYNONYM_FIELDS})
        synonym.delete()
        _mark_stale()


def reindex_now(*, actor: Any) -> dict[str, Any]:
    """Rebuild the search index now (admins; `ztc catalog reindex` runs it as the system)."""
    if not isinstance(actor, str):
        scopes.require(actor, "catalog.reindex")
    with transaction.atomic():  # the audit row commits with the rebuilt index, or neither does
        result = index.reindex()
        audit.record(actor=actor, action="search.reindex", object_type="catalog.searchstate", object_id="1",
                     object_repr="搜索索引", changes={k: [None, v] for k, v in result.items()})
    return result
