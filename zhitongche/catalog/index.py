"""The search index: one SearchDoc row per item, guide and scenario, kept in step with the catalogue.

Tokens depend on the synonym table (its formal terms are dictionary words), so every process loads the
table from the database before it tokenises (`ensure_text_layer`), and a change of the table marks the
index stale until `reindex()` rebuilds it (`ztc catalog reindex`, or the task queued by the edit).
SQLite copies the token columns into its two FTS5 tables by triggers; PostgreSQL computes its weighted tsvector
as a generated column and keeps lexeme document frequencies in SearchTerm (refresh_stats).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zhitongche.imports.bulk import insert_rows

from . import textproc
from .models import DocKind, Guide, Scenario, ScenarioItem, SearchDoc, SearchState, ServiceItem

DOC_COLUMNS = ("kind", "object_id", "code", "title", "department", "department_ref", "task_type", "level",
               "metro_area", "cross_province", "province_city", "follow_up", "title_terms", "body_terms")
MAX_TERM_CHARS = 100  # SearchTerm.term; longer lexemes (never seen in real titles) get no IDF row
CHUNK = 2000

_loaded: dict[str, Any] = {"version": None}
_load_lock = threading.Lock()


def state_row() -> tuple[int, int, int] | None:
    """(synonyms_version, indexed_version, doc_count) of the index, with one raw read; None on an empty database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT synonyms_version, indexed_version, doc_count FROM catalog_searchstate "
                       "ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def ensure_text_layer(version: int | None) -> None:
    """Load the synonym table of `version` into this process if it has another one (None: the bundled CSV)."""
    if _loaded["version"] == version:
        return
    with _load_lock:
        if _loaded["version"] == version:
            return
        if version is None:
            textproc.set_synonyms(None)
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT colloquial, formal, note FROM catalog_searchsynonym ORDER BY id")
                rows = cursor.fetchall()
            textproc.set_synonyms(textproc.Synonym(c.strip(), f.strip(), n or "") for c, f, n in rows
                                  if c.strip() and f.strip())
        _loaded["version"] = version


def forget_text_layer() -> None:
    """Make the next search reload the synonym table (tests that change it call this)."""
    textproc.set_synonyms(None)
    _loaded["version"] = None


def current_text_layer() -> tuple[int, int, int] | None:
    """Read the index state and make sure this process tokenises with the synonym table it names."""
    state = state_row()
    ensure_text_layer(state[0] if state else None)
    return state


def _item_doc(row: Sequence[Any]) -> tuple[Any, ...]:
    (pk, code, name, main_item, dept_name, dept_id, task_type, metro, cross, prov) = row
    return ("item", pk, code, name[:200], dept_name[:100], dept_id, task_type, "", metro, cross, prov,
            textproc.is_follow_up(name), textproc.document_terms(name), textproc.document_terms(main_item, dept_name))


ITEM_FIELDS = ("id", "item_code", "name", "main_item", "department_name", "department_id", "task_type",
               "metro_area", "cross_province", "province_city")
GUIDE_FIELDS = ("id", "code", "title", "organisation", "level")


def _guide_doc(row: Sequence[Any]) -> tuple[Any, ...]:
    pk, code, title, organisation, level = row
    return ("guide", pk, code, title[:200], organisation[:100], None, "", level, False, False, False,
            textproc.is_follow_up(title), textproc.document_terms(title), textproc.document_terms(organisation))


def _scenario_docs(ids: Iterable[int] | None) -> list[tuple[Any, ...]]:
    qs = Scenario.objects.filter(active=True).select_related("department")
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    names: dict[int, list[str]] = {}
    for scenario_id, name in ScenarioItem.objects.filter(scenario__in=qs).values_list("scenario_id", "item__name"):
        names.setdefault(scenario_id, []).append(name)
    docs = []
    for s in qs:
        dept = s.department.name if s.department else ""
        docs.append(("scenario", s.pk, s.code, s.title[:200], dept[:100], s.department_id, "", "", False, False,
                     False, False, textproc.document_terms(s.title),
                     textproc.document_terms(s.description, *names.get(s.pk, []))))
    return docs


def _write(kind: str, ids: Iterable[int] | None, docs: Iterable[tuple[Any, ...]]) -> int:
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute("DELETE FROM catalog_searchdoc WHERE kind = %s", [kind])
        else:
            id_list = list(ids)
            for i in range(0, len(id_list), 500):
                chunk = id_list[i:i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM catalog_searchdoc WHERE kind = %s AND object_id IN ({marks})",  # noqa: S608
                               [kind, *chunk])
    written = 0
    batch: list[tuple[Any, ...]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= CHUNK:
            insert_rows(SearchDoc._meta.db_table, DOC_COLUMNS, batch)
            written += len(batch)
            batch = []
    if batch:
        insert_rows(SearchDoc._meta.db_table, DOC_COLUMNS, batch)
        written += len(batch)
    return written


def _rows(qs: Any, fields: Sequence[str], id_list: list[int] | None) -> Iterator[Sequence[Any]]:
    """`fields` of the rows of `qs` (only those in `id_list` when given, asked for CHUNK ids at a time: with
    server-side binding a PostgreSQL statement takes at most 65,535 parameters)."""
    if id_list is None:
        yield from qs.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK)
        return
    for i in range(0, len(id_list), CHUNK):
        yield from qs.filter(pk__in=id_list[i:i + CHUNK]).order_by("id").values_list(*fields)


def index_items(ids: Iterable[int] | None = None) -> int:
    """(Re)write the documents of these items (all when None); inactive items leave the index."""
    id_list = None if ids is None else list(ids)
    rows = _rows(ServiceItem.objects.filter(active=True), ITEM_FIELDS, id_list)
    return _write(DocKind.ITEM, id_list, (_item_doc(r) for r in rows))


def index_guides(ids: Iterable[int] | None = None) -> int:
    """(Re)write the documents of these guides (all when None)."""
    id_list = None if ids is None else list(ids)
    return _write(DocKind.GUIDE, id_list, (_guide_doc(r) for r in _rows(Guide.objects.all(), GUIDE_FIELDS, id_list)))


def index_scenarios(ids: Iterable[int] | None = None) -> int:
    """(Re)write the documents of these scenarios (all when None)."""
    id_list = None if ids is None else list(ids)
    return _write(DocKind.SCENARIO, id_list, _scenario_docs(id_list))


def scenarios_of_items(item_ids: Iterable[int]) -> list[int]:
    """Scenarios that include any of these items (their documents hold the item names)."""
    ids = list(item_ids)
    found: set[int] = set()
    for i in range(0, len(ids), 500):
        found.update(ScenarioItem.objects.filter(item_id__in=ids[i:i + 500]).values_list("scenario_id", flat=True))
    return sorted(found)


def refresh_stats(*, indexed_version: int | None = None) -> None:
    """Recount the documents (and on PostgreSQL each lexeme's document frequency, SearchTerm) after index writes.

    SQLite reads document frequencies from the FTS5 vocabulary tables instead, always current.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_searchdoc")
        count = cursor.fetchone()[0]
        cursor.execute("DELETE FROM catalog_searchterm")
        if connection.vendor == "postgresql":
            cursor.execute("INSERT INTO catalog_searchterm (term, ndoc) SELECT word, ndoc FROM "
                           "ts_stat('SELECT search_vector FROM catalog_searchdoc') WHERE length(word) <= %s",
                           [MAX_TERM_CHARS])

        sets, params = ["doc_count = %s"], [count]
        if indexed_version is not None:
            sets += ["indexed_version = %s", "reindexed_at = %s"]
            params += [indexed_version, timezone.now()]
        cursor.execute(f"UPDATE catalog_searchstate SET {', '.join(sets)}", params)  # noqa: S608
        if cursor.rowcount == 0:
            SearchState.objects.create(doc_count=count, synonyms_version=indexed_version or 1,
                                       indexed_version=indexed_version or 0,
                                       reindexed_at=timezone.now() if indexed_version else None)


def reindex() -> dict[str, Any]:
    """Rebuild the whole index with the current synonym table; afterwards the index is no longer stale."""
    started = time.monotonic()
    with transaction.atomic():
        state = SearchState.objects.select_for_update().order_by("id").first()
        if state is None:
            state = SearchState.objects.create()
        ensure_text_layer(state.synonyms_version)
        counts: dict[str, Any] = {"items": index_items(), "guides": index_guides(), "scenarios": index_scenarios()}
        refresh_stats(indexed_version=state.synonyms_version)
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


def update_after_write(*, items: Iterable[int] = (), guides: Iterable[int] = ()) -> None:
    """Rewrite the documents of what a service just changed (and of the scenarios holding changed items)."""
    current_text_layer()
    item_ids = list(items)
    if item_ids:
        index_items(item_ids)
    guide_ids = list(guides)
    if guide_ids:
        index_guides(guide_ids)
    scenario_ids = scenarios_of_items(item_ids)
    if scenario_ids:
        index_scenarios(scenario_ids)
    if item_ids or guide_ids or scenario_ids:
        refresh_stats()
