"""Suggest the lead department (主办) for an enterprise appeal from duty texts and past dispatches.

Each department is scored by two TF-IDF cosine similarities over jieba tokens:

* the appeal against the department's duty text (职责), which works with no history at all;
* the appeal against the centroid of the appeals previously dispatched to that department, shrunk
  towards zero for departments with few past dispatches (n / (n + HISTORY_PRIOR)).

score = DUTY_WEIGHT · duty + (1 − DUTY_WEIGHT) · shrunk history. The blend, the shrinkage and the
truncation were chosen by 5-fold cross-validation on the labelled sample (bench/eval_suggest.py);
multinomial naive Bayes, k-nearest neighbours and a Rocchio sum were measured and did no better.
The nearest past appeals are used only to explain a suggestion ("相似诉求 N 件由该部门办理").

Pure Python apart from jieba; build with `build_suggester` and cache with `cached_suggester`.
"""

from __future__ import annotations

import csv
import heapq
import logging
import math
import random
import re
import sys
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).parent / "data"
# One source of duty texts: the seeded departments of the regions app.
DUTIES_CSV = Path(__file__).resolve().parent.parent / "regions" / "data" / "departments.csv"
CATEGORY_CSV = DATA_DIR / "category_departments.csv"
SAMPLE_CSV = DATA_DIR / "appeals_tipdm2020_labeled_sample.csv"
STOP_WORDS_TXT = DATA_DIR / "stop_words.txt"

DUTY_WEIGHT = 0.3
HISTORY_PRIOR = 3.0
# Appeals are cut to this many characters: cross-validation showed no loss against full texts, and
# jieba's time is linear in length, which bounds building from thousands of past appeals.
MAX_APPEAL_CHARS = 150
NEIGHBOURS = 10
MIN_NEIGHBOUR_SIMILARITY = 0.1
REASON_TERMS = 3


def _load_stop_words(path: Path) -> frozenset[str]:
    with open(path, encoding="utf-8") as f:
        return frozenset(word for line in f if not line.startswith("#") for word in line.split())


_STOP_WORDS = _load_stop_words(STOP_WORDS_TXT)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


@dataclass(frozen=True)
class Suggestion:
    """One suggested lead department: its code, a 0–1 blended similarity and a Chinese reason."""

    department: str
    score: float
    reason: str


def _jieba() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, loaded on first use (about a second) with its logging silenced."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs dictionary loading to stderr
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def _keep(word: str) -> bool:
    return word not in _STOP_WORDS and (bool(_CJK.search(word)) or bool(_LATIN_WORD.fullmatch(word)))


@lru_cache(maxsize=65536)
def _expand(word: str) -> tuple[str, ...]:
    # jieba cuts the same phrase differently in different contexts (劳动合同 in an appeal, 劳动+合同纠纷
    # in a duty text); adding the dictionary words inside each longer word lets both meet.
    # Cross-validation: +3 points top-1 with history, +6 points top-3 with duties only.
    # Cached per word (the vocabulary is small), which also interns the tokens.
    found = [word]
    if len(word) > 2 and _CJK.search(word):
        freq = _jieba().FREQ
        found += [
            word[i : i + n]
            for n in range(2, len(word))
            for i in range(len(word) - n + 1)
            if freq.get(word[i : i + n])
        ]
    return tuple(sys.intern(w) for w in found if _keep(w))


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached so that rebuilding after a new dispatch segments only the new appeals.
    words = _jieba().lcut(unicodedata.normalize("NFKC", text).lower(), HMM=False)
    return tuple(token for word in words for token in _expand(word))


def tokenize(text: str, max_chars: int | None = MAX_APPEAL_CHARS) -> list[str]:
    """Content words of text cut to max_chars: jieba words (no HMM) plus the dictionary words inside them."""
    if not text:
        return []
    return list(_tokens(text if max_chars is None else text[:max_chars]))


Vector = dict[str, float]


def _term_frequencies(tokens: Iterable[str]) -> Vector:
    return {w: 1.0 + math.log(n) for w, n in Counter(tokens).items()}


def _unit(vec: Mapping[str, float]) -> Vector:
    length = math.sqrt(sum(x * x for x in vec.values()))
    return {w: x / length for w, x in vec.items()} if length else {}


def _dot(small: Mapping[str, float], large: Mapping[str, float]) -> float:
    return sum(x * large.get(w, 0.0) for w, x in small.items())


class Suggester:
    """Ranks departments for an appeal by duty-text similarity blended with similar past dispatches."""

    def __init__(self, duties: Mapping[str, str], history: Iterable[tuple[str, str]] = ()) -> None:
        """Index duty texts (code → text) and past dispatches ((appeal text, code)); unknown codes are skipped."""
        self.departments: tuple[str, ...] = tuple(sorted(duties))
        duty_tokens = {code: tokenize(duties[code], max_chars=None) for code in self.departments}
        past = [(tokenize(text), code) for text, code in history if code in duties]
        self._idf = self._inverse_document_frequencies([*duty_tokens.values(), *(t for t, _ in past)])
        self._duty = {code: self._vector(tokens) for code, tokens in duty_tokens.items()}
        self._past = [(self._vector(tokens), code) for tokens, code in past]
        self.history_counts: Counter[str] = Counter(code for _, code in self._past)
        self._centroid, self._postings = self._index_history()

    @staticmethod
    def _inverse_document_frequencies(documents: Sequence[Sequence[str]]) -> Vector:
        df = Counter(w for doc in documents for w in set(doc))
        n = len(documents)
        return {w: math.log((n + 1) / (d + 1)) + 1.0 for w, d in df.items()}

    def _vector(self, tokens: Iterable[str]) -> Vector:
        tf = _term_frequencies(tokens)
        return _unit({w: x * self._idf[w] for w, x in tf.items() if w in self._idf})

    def _index_history(self) -> tuple[dict[str, Vector], dict[str, list[tuple[int, float]]]]:
        sums: dict[str, Counter[str]] = defaultdict(Counter)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (vec, code) in enumerate(self._past):
            sums[code].update(vec)
            for w, x in vec.items():
                postings[w].append((i, x))
        return {code: _unit(s) for code, s in sums.items()}, dict(postings)

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The k most likely lead departments for the appeal text, best first (fewer if fewer exist)."""
        if k <= 0 or not self.departments:
            return []
        query = self._vector(tokenize(text or ""))
        duty = {code: _dot(query, self._duty[code]) for code in self.departments}
        history = {code: self._history_score(query, code) for code in self.departments}
        score = {
            code: DUTY_WEIGHT * duty[code] + (1 - DUTY_WEIGHT) * history[code] for code in self.departments
        }
        similar = self._neighbour_counts(query)
        ranked = sorted(self.departments, key=lambda c: (-score[c], -self.history_counts[c], c))[:k]
        return [
            Suggestion(c, round(score[c], 6), self._reason(c, query, similar[c], history[c])) for c in ranked
        ]

    def _history_score(self, query: Vector, code: str) -> float:
        n = self.history_counts[code]
        if not n:
            return 0.0
        return _dot(query, self._centroid[code]) * n / (n + HISTORY_PRIOR)

    def _neighbour_counts(self, query: Vector) -> Counter[str]:
        sims: defaultdict[int, float] = defaultdict(float)
        for w, x in query.items():
            for i, y in self._postings.get(w, ()):
                sims[i] += x * y
        nearest = heapq.nlargest(NEIGHBOURS, sims.items(), key=lambda item: (item[1], -item[0]))
        return Counter(self._past[i][1] for i, s in nearest if s >= MIN_NEIGHBOUR_SIMILARITY)

    def _reason(self, code: str, query: Vector, similar: int, history: float) -> str:
        parts = []
        if similar:
            parts.append(f"相似诉求 {similar} 件由该部门办理")
        terms = self._duty_terms(code, query)
        if terms:
            parts.append("职责匹配：" + "、".join(terms))
        if parts:
            return "；".join(parts)
        if history > 0:
            return "与该部门以往办理的诉求用语相近"
        if not query:
            return (
                "诉求内容过短，未能匹配，按以往办理量排序"
                if self.history_counts
                else "诉求内容过短，未能匹配"
            )
        return "匹配度低，仅供参考"

    def _duty_terms(self, code: str, query: Vector) -> list[str]:
        duty = self._duty[code]
        shared = sorted(
            ((query[w] * duty[w], w) for w in query if w in duty and len(w) > 1), key=lambda t: (-t[0], t[1])
        )
        words = [w for _, w in shared]
        # Sub-words repeat their parent (乱收费, 乱收, 收费): show only the longest.
        return [w for w in words if not any(w != other and w in other for other in words)][:REASON_TERMS]


def build_suggester(duties: Mapping[str, str], history: Iterable[tuple[str, str]] = ()) -> Suggester:
    """A Suggester from duty texts (department code → 职责 text) and past dispatches ((text, code))."""
    return Suggester(duties, history)


_cache_lock = threading.Lock()
_cached: tuple[str, Suggester] | None = None


def cached_suggester(version: str, factory: Callable[[], Suggester]) -> Suggester:
    """The process's Suggester for this version key, calling factory only when the key changes."""
    global _cached
    with _cache_lock:
        if _cached is None or _cached[0] != version:
            _cached = (version, factory())
        return _cached[1]


def load_duties(path: Path = DUTIES_CSV) -> dict[str, str]:
    """City department code → name and duty text, from the seeded departments file by default."""
    with open(path, encoding="utf-8") as f:
        return {row["code"]: f"{row['name']}。{row['duties']}" for row in csv.DictReader(f)
                if row.get("kind", "city") == "city"}


def load_category_map(path: Path = CATEGORY_CSV) -> dict[str, str]:
    """Appeal category (category_l1) → department code of the lead department."""
    with open(path, encoding="utf-8") as f:
        return {row["category_l1"]: row["department_code"] for row in csv.DictReader(f)}


def load_labelled_sample(path: Path = SAMPLE_CSV) -> list[tuple[str, str]]:
    """The labelled appeals as (subject。detail, department code), the category mapped to its department."""
    mapping = load_category_map()
    with open(path, encoding="utf-8") as f:
        return [
            (f"{row['subject']}。{row['detail']}", mapping[row["category_l1"]])
            for row in csv.DictReader(f)
            if row["category_l1"] in mapping
        ]


def stratified_folds(labels: Sequence[str], k: int = 5, seed: int = 20250601) -> list[int]:
    """Fold number (0..k-1) for each item, every label spread evenly over the folds, fixed by seed."""
    rng = random.Random(seed)
    by_label: defaultdict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    folds = [0] * len(labels)
    offset = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for j, i in enumerate(members):
            folds[i] = (offset + j) % k
        offset += len(members)
    return folds


@dataclass(frozen=True)
class Accuracy:
    """Top-1 and top-3 accuracy over n held-out appeals."""

    top1: float
    top3: float
    n: int


def cross_validate(
    duties: Mapping[str, str],
    labelled: Sequence[tuple[str, str]],
    k: int = 5,
    seed: int = 20250601,
    use_history: bool = True,
) -> Accuracy:
    """k-fold accuracy: each fold is suggested for with the other folds as history (or with duties only)."""
    folds = stratified_folds([code for _, code in labelled], k, seed)
    hits1 = hits3 = 0
    for fold in range(k):
        history = [item for item, f in zip(labelled, folds, strict=True) if f != fold] if use_history else []
        suggester = build_suggester(duties, history)
        for (text, code), f in zip(labelled, folds, strict=True):
            if f == fold:
                top = [s.department for s in suggester.suggest(text, k=3)]
                hits1 += top[:1] == [code]
                hits3 += code in top
    n = len(labelled)
    return Accuracy(hits1 / n, hits3 / n, n)
