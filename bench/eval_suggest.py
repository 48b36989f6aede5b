"""Print the department suggester's cross-validated accuracy and timing.

Usage: python bench/eval_suggest.py [--folds 5] [--seed 20250601]

Accuracy is k-fold cross-validation on the labelled TipDM sample (category mapped to a department):
each held-out fold is suggested for with the other folds as dispatch history and the duty file always
present. "duties only" uses no history; the learning curve keeps a fraction of each training fold.
Wall-clock times are noisy on a shared machine; CPU time is the steadier figure. Timing builds from 5,000 past appeals (the sample repeated with distinct numeric prefixes so that every text
is segmented), cold and again with the token cache warm, then times single suggestions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zhitongche.appeals import suggest as sg  # noqa: E402


def learning_curve(
    duties: dict[str, str],
    labelled: list[tuple[str, str]],
    folds: int,
    seed: int,
    fractions: tuple[float, ...],
) -> list[tuple[float, float, float]]:
    """(fraction, top-1, top-3) with that share of each training fold kept as history."""
    assignment = sg.stratified_folds([code for _, code in labelled], folds, seed)
    rng = random.Random(seed)
    rows = []
    for fraction in fractions:
        hits1 = hits3 = 0
        for fold in range(folds):
            train = [item for item, f in zip(labelled, assignment, strict=True) if f != fold]
            history = rng.sample(train, round(len(train) * fraction))
            suggester = sg.build_suggester(duties, history)
            for (text, code), f in zip(labelled, assignment, strict=True):
                if f == fold:
                    top = [s.department for s in suggester.suggest(text)]
                    hits1 += top[:1] == [code]
                    hits3 += code in top
        rows.append((fraction, hits1 / len(labelled), hits3 / len(labelled)))
    return rows


def timing(duties: dict[str, str], labelled: list[tuple[str, str]], size: int = 5000) -> None:
    """Print jieba start-up, cold and warm build time for `size` past appeals, and suggestion latency."""
    start, cpu = time.perf_counter(), time.process_time()
    sg.tokenize("预热")
    print(
        f"jieba start-up:           {time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"
    )
    history = [(f"{i} {labelled[i % len(labelled)][0]}", labelled[i % len(labelled)][1]) for i in range(size)]
    for label in ("cold", "warm"):
        start, cpu = time.perf_counter(), time.process_time()
        suggester = sg.build_suggester(duties, history)
        print(
            f"build from {size} ({label}): {time.perf_counter() - start:.2f} s wall, "
            f"{time.process_time() - cpu:.2f} s CPU"
        )
    latencies = []
    for text, _ in labelled:
        start = time.perf_counter()
        suggester.suggest("又" + text, k=3)  # altered so the query is segmented, not cached
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    print(
        f"suggest (history {size}): median {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms, max {latencies[-1]:.1f} ms"
    )


def main() -> None:
    """Print accuracy (with and without history, learning curve) and timing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()

    duties = sg.load_duties()
    labelled = sg.load_labelled_sample()
    print(f"{len(duties)} departments, {len(labelled)} labelled appeals, {args.folds}-fold, seed {args.seed}")
    timing(duties, labelled)
    with_history = sg.cross_validate(duties, labelled, args.folds, args.seed)
    duties_only = sg.cross_validate(duties, labelled, args.folds, args.seed, use_history=False)
    print(f"with history:  top-1 {with_history.top1:.3f}  top-3 {with_history.top3:.3f}")
    print(f"duties only:   top-1 {duties_only.top1:.3f}  top-3 {duties_only.top3:.3f}")
    print("learning curve (share of training folds used as history):")
    for fraction, top1, top3 in learning_curve(
        duties, labelled, args.folds, args.seed, (0.1, 0.25, 0.5, 1.0)
    ):
        print(f"  {fraction:>4.0%}  top-1 {top1:.3f}  top-3 {top3:.3f}")


if __name__ == "__main__":
    main()
