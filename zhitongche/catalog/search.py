"""The one search function over items, guides and scenarios, with an SQLite FTS5 and a PostgreSQL backend.

Both backends follow the recipes measured in tests/test_relevance.py (title weighted 3:1 over body, synonym
expansions at half weight, follow-up items ×0.8 unless asked for). Two additions for the mixed index:
a guide scores ×GUIDE_FACTOR, so an item ranks above the guides written for it, and `kind=all` covers items,
guides and scenarios (一件事一次办) alike — a scenario's body holds its items' names, so a question about
one step of a life event also finds the whole bundle.

The hot path reads the state row and the query words' document frequencies, then runs one query; it builds
no model instances. Queries
reach the engines only as bound parameters made of letters and digits, so no input can cause a syntax
error in FTS5 MATCH or to_tsquery.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from django.db import connection

from zhitongche.core.errors import InvalidInput

from . import textproc
from .index import current_text_layer
from .models import DocKind, GuideLevel, TaskType

MAX_Q_CHARS = 500  # longer input is refused; textproc searches on the first MAX_QUERY_CHARS of what remains
MAX_LIMIT = 50
MAX_OFFSET = 1000
TITLE_WEIGHT, BODY_WEIGHT = 3.0, 1.0
GUIDE_FACTOR = 0.9
CANDIDATE_BUDGET = 1500  # documents the required words may hold between them (see required_words)
MARKER = '"ztcall"'
KINDS = {
    "all": (DocKind.ITEM, DocKind.GUIDE, DocKind.SCENARIO),
    "item": (DocKind.ITEM,),
    "guide": (DocKind.GUIDE,),
    "scenario": (DocKind.SCENARIO,),
}
FLAGS = {"metro_area": "沈阳都市圈通办", "cross_province": "跨省通办", "province_city": "省市联办"}


@dataclasses.dataclass(frozen=True)
class Filters:
    """Optional narrowing: department id, item type, guide level, cross-region flags."""

    department: int | None = None
    task_type: str = ""
    level: str = ""
    flags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Hit:
    """One result as CONTRACT.md §6 lists it."""

    kind: str
    id: int
    code: str
    title: str
    department: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """The contract's result object."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """Hits best first, how many matched in all, the time taken and the expanded query (for highlighting)."""

    hits: list[Hit]
    total: int
    took_ms: float
    expanded: textproc.ExpandedQuery | None

    def highlight_terms(self) -> list[str]:
        """Terms to mark in titles."""
        return self.expanded.highlight_terms() if self.expanded else []


def clean_args(q: str | None, kind: str | None, limit: int | None, offset: int | None = 0,
               filters: Filters | None = None) -> tuple[str, str, int, int, Filters]:
    """Validate the arguments, raising InvalidInput with a Chinese message for what cannot be searched."""
    q = q or ""
    if len(q) > MAX_Q_CHARS:
        raise InvalidInput(f"搜索词过长：最多 {MAX_Q_CHARS} 个字符", code="query_too_long")
    kind = (kind or "all").strip().lower()
    if kind not in KINDS:
        raise InvalidInput("kind 只能是 item、guide、scenario 或 all", code="invalid_kind")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit 须在 1 到 {MAX_LIMIT} 之间", code="invalid_limit")
    offset = offset or 0
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset 须在 0 到 {MAX_OFFSET} 之间", code="invalid_offset")
    filters = filters or Filters()
    if filters.task_type and filters.task_type not in TaskType.values:
        raise InvalidInput("未知的事项类型", code="invalid_type")
    if filters.level and filters.level not in GuideLevel.values:
        raise InvalidInput("未知的指南层级", code="invalid_level")
    if any(f not in FLAGS for f in filters.flags):
        raise InvalidInput(f"跨域标志只能是 {'、'.join(FLAGS)}", code="invalid_flag")
    return q, kind, limit, offset, filters


def _filter_sql(kinds: tuple[str, ...], filters: Filters) -> tuple[str, list[Any]]:
    marks = ", ".join(["%s"] * len(kinds))
    sql: list[str] = [f"d.kind IN ({marks})"]
    params: list[Any] = list(kinds)
    if filters.department is not None:
        sql.append("d.department_ref = %s")
        params.append(filters.department)
    if filters.task_type:
        sql.append("d.task_type = %s")
        params.append(filters.task_type)
    if filters.level:
        sql.append("d.level = %s")
        params.append(filters.level)
    for flag in filters.flags:
        sql.append(f"d.{flag}")  # a name from FLAGS, checked in clean_args
    return " AND ".join(sql), params


def _phrases(weights: dict[str, float]) -> str:
    return " OR ".join("(" + " OR ".join([textproc.fts5_quoted(t)] * textproc.fts5_repeat(w)) + ")"
                       for t, w in weights.items())


def split_terms(expanded: textproc.ExpandedQuery) -> tuple[dict[str, float], dict[str, float]]:
    """(words, characters): a document holding a CJK word also holds its characters, so only words need to match."""
    words: dict[str, float] = {}
    chars: dict[str, float] = {}
    for term, weight in expanded.term_weights().items():
        (chars if textproc.is_unigram(term) else words)[term] = weight
    return words, chars


def doc_freqs(terms: list[str], source: str = "catalog_searchterm") -> dict[str, int]:
    """How many documents hold each of these terms (absent terms are left out).

    `source` is SearchTerm's table (PostgreSQL) or an FTS5 table's `_vocab` companion (SQLite).
    """
    if not terms:
        return {}
    marks = ", ".join(["%s"] * len(terms))
    column = "ndoc" if source == "catalog_searchterm" else "doc"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, {column} FROM {source} WHERE term IN ({marks})", terms)  # noqa: S608
        return {term: int(n) for term, n in cursor.fetchall()}


def required_words(words: dict[str, float], source: str = "catalog_searchterm") -> list[str]:
    """The query words a candidate must hold: the rarest ones, up to CANDIDATE_BUDGET documents between them.

    A document holding only common words (登记, 申请, 证明 …) cannot outrank one holding a distinctive word
    of the question except in rare ties, so at 25,000 documents the engines score a fraction of the
    matches. With a small index every word fits the budget and nothing changes. Words absent from the
    index are dropped: they match nothing.
    """
    freqs = doc_freqs(list(words), source)
    chosen: list[str] = []
    total = 0
    for term in sorted(freqs, key=lambda t: (freqs[t], t)):
        if chosen and total + freqs[term] > CANDIDATE_BUDGET:
            break
        chosen.append(term)
        total += freqs[term]
    return chosen


def fts5_expression(expanded: textproc.ExpandedQuery, required: list[str] | None = None) -> str:
    """textproc.fts5_match's phrases (each once, so bm25 scores the same), with the candidates limited.

    Without `required`: `(words) AND (characters)` — a document holding a CJK word also holds its characters,
    so this skips documents matching single characters only. With it: `(required words) AND (every other term
    OR ztcall)`, where ztcall is the token every document has in the zero-weight `marker` column.
    """
    words, chars = split_terms(expanded)
    if required is not None and words and set(required) != set(words):
        weights = expanded.term_weights()
        keep = {t: weights[t] for t in required}
        rest = {t: w for t, w in weights.items() if t not in keep}
        return f"({_phrases(keep)}) AND ({_phrases(rest)} OR {MARKER})" if rest else _phrases(keep)
    if not words or not chars:
        return textproc.fts5_match(expanded)
    latin = {t: w for t, w in words.items() if not textproc._CJK_RUN.search(t)}
    return f"({_phrases(words)}) AND ({_phrases({**chars, **latin})})"


FTS_TABLES = (("catalog_searchfts", (DocKind.ITEM, DocKind.SCENARIO)), ("catalog_guidefts", (DocKind.GUIDE,)))


def _sqlite_one(table: str, expanded: textproc.ExpandedQuery, kinds: tuple[str, ...], filters: Filters,
                limit: int) -> list[tuple[Any, ...]]:
    words, _ = split_terms(expanded)
    # No query word in the index: fall back to characters (fts5_match) rather than answer nothing.
    required = required_words(words, f"{table}_vocab") if words else []
    match = fts5_expression(expanded, required) if required or not words else textproc.fts5_match(expanded)
    where, params = _filter_sql(kinds, filters)
    sql = (
        "SELECT d.kind, d.object_id, d.code, d.title, d.department, -f.rank"  # noqa: S608 — fixed names only
        " * (CASE WHEN d.follow_up AND NOT %s THEN %s ELSE 1.0 END)"
        " * (CASE WHEN d.kind = 'guide' THEN %s ELSE 1.0 END) AS score, count(*) OVER (), d.id "
        # bm25() only works where FTS5 drives the scan: a subquery, and CROSS JOIN keeps SQLite from reordering.
        f"FROM (SELECT rowid AS id, bm25({table}, %s, %s, 0.0) AS rank FROM {table}"
        f" WHERE {table} MATCH %s) f CROSS JOIN catalog_searchdoc d ON d.id = f.id "
        f"WHERE {where} ORDER BY score DESC, d.id LIMIT %s"
    )
    args = [expanded.follow_up, textproc.FOLLOW_UP_FACTOR, GUIDE_FACTOR, TITLE_WEIGHT, BODY_WEIGHT, match, *params,
            limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _sqlite(expanded: textproc.ExpandedQuery, kinds: tuple[str, ...], filters: Filters, limit: int,
            offset: int) -> list[tuple[Any, ...]]:
    """Each FTS5 table holding one of the kinds, merged by score; the total is the sum of both totals."""
    rows: list[tuple[Any, ...]] = []
    total = 0
    for table, table_kinds in FTS_TABLES:
        wanted = tuple(k for k in kinds if k in table_kinds)
        if wanted:
            found = _sqlite_one(table, expanded, wanted, filters, offset + limit)
            total += int(found[0][6]) if found else 0
            rows.extend(found)
    rows.sort(key=lambda r: (-r[5], r[7]))
    return [(*r[:6], total) for r in rows[offset:offset + limit]]


def _postgresql(expanded: textproc.ExpandedQuery, kinds: tuple[str, ...], filters: Filters, limit: int,
                offset: int, n_docs: int) -> list[tuple[Any, ...]]:
    words, _ = split_terms(expanded)
    # Candidates must hold a required word, as in fts5_expression; every other term still counts in the rank.
    required = required_words(words) if words else []
    tsquery = " | ".join(textproc.pg_quoted(t) for t in required) if required else textproc.pg_tsquery(expanded)
    if not tsquery:
        return []
    weights = expanded.term_weights()
    where, params = _filter_sql(kinds, filters)
    # IDF comes from SearchTerm (ts_stat at index time): ts_rank alone has none and ranked 0.83 vs 0.89.
    sql = (
        "WITH q AS MATERIALIZED (SELECT plainto_tsquery('simple', t.lexeme) AS query,"  # noqa: S608 — fixed names only
        " t.weight * ln(1 + (%s - s.ndoc + 0.5) / (s.ndoc + 0.5)) AS weight"
        " FROM unnest(%s::text[], %s::float8[]) AS t(lexeme, weight)"
        " JOIN catalog_searchterm s ON s.term = t.lexeme) "
        "SELECT d.kind, d.object_id, d.code, d.title, d.department,"
        # A per-document subquery, not JOIN + GROUP BY: that sorted every tsvector and took twice as long.
        " COALESCE((SELECT sum(q.weight * ts_rank('{0, 0, 0.33, 1}', d.search_vector, q.query, 1)) FROM q), 0)"
        " * (CASE WHEN d.follow_up AND NOT %s THEN %s ELSE 1.0 END)"
        " * (CASE WHEN d.kind = 'guide' THEN %s ELSE 1.0 END) AS score, count(*) OVER () "
        "FROM catalog_searchdoc d "
        f"WHERE d.search_vector @@ to_tsquery('simple', %s) AND {where} "
        "ORDER BY score DESC, d.id LIMIT %s OFFSET %s"
    )
    args = [max(n_docs, 1), list(weights), list(weights.values()), expanded.follow_up,
            textproc.FOLLOW_UP_FACTOR, GUIDE_FACTOR, tsquery, *params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def search(q: str | None, *, kind: str | None = "all", limit: int | None = 10, offset: int | None = 0,
           filters: Filters | None = None) -> SearchResult:
    """Best matches for an everyday question; empty (never an error) when nothing searchable is left."""
    started = time.perf_counter()
    q, kind, limit, offset, filters = clean_args(q, kind, limit, offset, filters)
    state = current_text_layer()
    expanded = textproc.expand_query(q)
    rows: list[tuple[Any, ...]] = []
    if not expanded.is_empty and (state is None or state[2] > 0):
        if connection.vendor == "postgresql":
            rows = _postgresql(expanded, KINDS[kind], filters, limit, offset, state[2] if state else 0)
        else:
            rows = _sqlite(expanded, KINDS[kind], filters, limit, offset)
    hits = [Hit(r[0], int(r[1]), r[2], r[3], r[4], round(float(r[5]), 4)) for r in rows]
    total = int(rows[0][6]) if rows else 0
    if not rows and offset and not expanded.is_empty:
        total = search(q, kind=kind, limit=1, filters=filters).total  # a page past the end still knows the total
    return SearchResult(hits, total, round((time.perf_counter() - started) * 1000, 2), expanded)
