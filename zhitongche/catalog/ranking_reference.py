"""In-memory BM25F reference ranker over the bundled item list, used to measure the text layer.

It scores with the same tokens and query expansion the database backends use, so a change to the
synonym table or tokenisation can be judged here (nDCG@10 on the judged set) before any database runs.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zhitongche.catalog.textproc import (
    CATALOGUE_CSV,
    ExpandedQuery,
    expand_query,
    idf,
    is_follow_up,
    rank_factor,
    tokenize,
)

UNCLASSIFIED = "未分类"  # the source's placeholder for items without a parent item


@dataclass(frozen=True)
class ServiceItem:
    """One row of the service-item list."""

    item_code: str
    item_name: str
    main_item: str
    department: str
    task_type: str
    guide_url: str


def load_items(path: Path | None = None) -> list[ServiceItem]:
    """Read the item list CSV (the bundled Guang'an list by default)."""
    with open(path or CATALOGUE_CSV, encoding="utf-8") as f:
        return [
            ServiceItem(
                item_code=row["item_code"],
                item_name=row["item_name"],
                main_item="" if row["main_item"] == UNCLASSIFIED else row["main_item"],
                department=row["department"],
                task_type=row["task_type"],
                guide_url=row["guide_url"],
            )
            for row in csv.DictReader(f)
        ]


@dataclass(frozen=True)
class FieldSpec:
    """A document field: its boost and BM25 length normalisation."""

    boost: float
    b: float


DEFAULT_FIELDS = {"title": FieldSpec(boost=3.0, b=0.75), "body": FieldSpec(boost=1.0, b=0.75)}


def item_fields(item: ServiceItem) -> dict[str, list[str]]:
    """Tokens per field: title is the item name, body the parent item and department."""
    return {"title": tokenize(item.item_name), "body": tokenize(item.main_item) + tokenize(item.department)}


class ReferenceRanker:
    """BM25F: per-field length-normalised term frequencies, boosted and summed, then one saturation per term."""

    def __init__(
        self,
        items: Sequence[ServiceItem],
        *,
        fields: Mapping[str, FieldSpec] = DEFAULT_FIELDS,
        k1: float = 1.2,
    ) -> None:
        self.items = list(items)
        self.fields = dict(fields)
        self.k1 = k1
        self._tf: list[dict[str, Counter[str]]] = []
        self._len: list[dict[str, int]] = []
        self._follow_up = [is_follow_up(item.item_name) for item in self.items]
        df: Counter[str] = Counter()
        for item in self.items:
            tokens = item_fields(item)
            counts = {name: Counter(tokens.get(name, [])) for name in self.fields}
            self._tf.append(counts)
            self._len.append({name: len(tokens.get(name, [])) for name in self.fields})
            df.update(set().union(*(c.keys() for c in counts.values())))
        n = len(self.items)
        self._avg = {name: (sum(d[name] for d in self._len) / n if n else 0.0) or 1.0 for name in self.fields}
        self._idf = {t: idf(f, n) for t, f in df.items()}

    def score(self, index: int, weights: Mapping[str, float]) -> float:
        """BM25F score of the item at index for weighted query terms."""
        total = 0.0
        for term, weight in weights.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            tf = 0.0
            for name, spec in self.fields.items():
                freq = self._tf[index][name].get(term, 0)
                if freq:
                    norm = 1 - spec.b + spec.b * self._len[index][name] / self._avg[name]
                    tf += spec.boost * freq / norm
            if tf:
                total += weight * idf * tf * (self.k1 + 1) / (self.k1 + tf)
        return total

    def search(self, query: str | ExpandedQuery, limit: int = 10) -> list[tuple[ServiceItem, float]]:
        """Items with a positive score, best first (ties by catalogue order)."""
        expanded = expand_query(query) if isinstance(query, str) else query
        weights = expanded.term_weights()
        if not weights:
            return []
        scored = [
            (self.score(i, weights) * rank_factor(expanded, self._follow_up[i]), i) for i in range(len(self.items))
        ]
        scored = [(s, i) for s, i in scored if s > 0]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(self.items[i], s) for s, i in scored[:limit]]


def load_judged(path: Path) -> dict[str, dict[str, int]]:
    """Judged set as {query: {item_code: grade}} from a CSV with query,item_code,grade columns."""
    judged: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            judged.setdefault(row["query"], {})[row["item_code"]] = int(row["grade"])
    return judged


def ndcg_at_k(ranked_codes: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain with gain 2**grade - 1."""
    def dcg(gains: Iterable[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))

    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(grades.get(code, 0) for code in ranked_codes[:k]) / ideal


def evaluate(
    ranker: ReferenceRanker, judged: Mapping[str, Mapping[str, int]], *, k: int = 10, use_synonyms: bool = True
) -> dict[str, float]:
    """nDCG@k per query for the ranker over the judged set."""
    results = {}
    for query, grades in judged.items():
        hits = ranker.search(expand_query(query, use_synonyms=use_synonyms), limit=k)
        results[query] = ndcg_at_k([item.item_code for item, _ in hits], grades, k)
    return results
