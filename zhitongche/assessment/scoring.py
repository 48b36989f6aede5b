"""Distance-to-frontier scoring of indicator trees; pure functions over plain values, no database.

A leaf scores 100·(worst − y)/(worst − frontier), clipped to 0–100; the formula is direction-aware by itself
because a higher-is-better indicator has frontier > worst. A parent is the weighted mean of those children that
have a score, with the weights renormalised over them: an indicator without data is left out, never counted as
zero (which would punish a unit for a gap in reporting) and never given a made-up value. A parent none of whose
children has data has no score either. `coverage` says which share of the top-level weight had data, so a score
built on little data is visible as such.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Node:
    """An indicator as the scorer needs it."""

    code: str
    weight: float
    frontier: float | None = None
    worst: float | None = None
    children: list["Node"] = field(default_factory=list)


@dataclass
class Scored:
    """Score (None = no data) of every node by code, the effective weight of each, and the overall score."""

    scores: dict[str, float | None]
    effective_weights: dict[str, float]
    overall: float | None
    coverage: float


def leaf_score(value: float, frontier: float, worst: float) -> float:
    """Distance to frontier, 0–100, clipped."""
    if frontier == worst:
        raise ValueError("frontier and worst bound must differ")
    share = (worst - value) / (worst - frontier)
    return 100.0 * min(max(share, 0.0), 1.0)


def _score(nodes: Sequence[Node], values: Mapping[str, float], out: Scored) -> float | None:
    """Weighted mean over the nodes that have a score; fills `out` for every node below."""
    scored: list[tuple[Node, float]] = []
    for node in nodes:
        if node.children:
            value = _score(node.children, values, out)
        elif node.code in values and node.frontier is not None and node.worst is not None:
            value = leaf_score(values[node.code], node.frontier, node.worst)
        else:
            value = None
        out.scores[node.code] = value
        out.effective_weights[node.code] = 0.0
        if value is not None and node.weight > 0:
            scored.append((node, value))
    total = math.fsum(node.weight for node, _ in scored)
    if total <= 0:
        return None
    for node, _ in scored:
        out.effective_weights[node.code] = node.weight / total
    return math.fsum(node.weight * value for node, value in scored) / total


def score_tree(roots: Sequence[Node], values: Mapping[str, float]) -> Scored:
    """Score a tree from the observed values of its leaves (by code)."""
    out = Scored(scores={}, effective_weights={}, overall=None, coverage=0.0)
    out.overall = _score(roots, values, out)
    all_weight = math.fsum(node.weight for node in roots)
    with_data = math.fsum(node.weight for node in roots if out.scores.get(node.code) is not None)
    out.coverage = with_data / all_weight if all_weight > 0 else 0.0
    return out


def competition_ranks(scores: Mapping[object, float], decimals: int = 2) -> dict[object, int]:
    """Rank 1 = best; equal scores (at the displayed precision) share a rank and the next rank is skipped."""
    rounded = {key: round(value, decimals) for key, value in scores.items()}
    return {key: 1 + sum(1 for other in rounded.values() if other > value) for key, value in rounded.items()}
