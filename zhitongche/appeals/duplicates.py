"""Duplicate hints: an open appeal of the same enterprise from the last 30 days with similar text."""

import datetime
import re
import unicodedata

from django.utils import timezone

from .models import FINAL_STAGES, Appeal

WINDOW_DAYS = 30
THRESHOLD = 0.5
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str) -> frozenset[str]:
    """Character bigrams of the text without spaces and punctuation (Chinese needs no segmentation for this)."""
    clean = _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i:i + 2] for i in range(len(clean) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' bigrams, 0–1."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def find_duplicate(*, enterprise_id: int, title: str, content: str, exclude_id: int | None = None,
                   now: datetime.datetime | None = None) -> Appeal | None:
    """The most similar open appeal of the enterprise from the last 30 days, if similar enough."""
    since = (now or timezone.now()) - datetime.timedelta(days=WINDOW_DAYS)
    qs = (Appeal.objects.filter(enterprise_id=enterprise_id, submitted_at__gte=since, merged_into__isnull=True)
          .exclude(stage__in=FINAL_STAGES))
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    candidates = qs.only("id", "title", "content")[:50]
    text = f"{title}\n{content}"
    best, best_score = None, THRESHOLD
    for candidate in candidates:
        score = similarity(text, f"{candidate.title}\n{candidate.content}")
        if score >= best_score:
            best, best_score = candidate, score
    return best
