"""Distance-to-frontier scoring, weighting with missing data, and ranking ties (pure functions)."""

import pytest

from zhitongche.assessment.scoring import Node, competition_ranks, leaf_score, score_tree


@pytest.mark.parametrize(("value", "frontier", "worst", "expected"), [
    (100, 100, 0, 100.0), (0, 100, 0, 0.0), (75, 100, 0, 75.0),   # higher is better
    (0.5, 0.5, 10, 100.0), (10, 0.5, 10, 0.0), (5.25, 0.5, 10, 50.0),  # lower is better
    (150, 100, 0, 100.0), (-5, 100, 0, 0.0), (0.1, 0.5, 10, 100.0), (40, 0.5, 10, 0.0),  # clipped
])
def test_leaf_score_is_direction_aware_and_clipped(value, frontier, worst, expected):
    assert leaf_score(value, frontier, worst) == pytest.approx(expected)


def test_equal_bounds_are_refused():
    with pytest.raises(ValueError):
        leaf_score(1, 5, 5)


def _tree():
    return [
        Node("A", 2.0, children=[Node("A1", 1.0, 100, 0), Node("A2", 3.0, 100, 0)]),
        Node("B", 1.0, 0, 10),
        Node("C", 1.0, 100, 0),
    ]


def test_weighted_up_the_tree():
    scored = score_tree(_tree(), {"A1": 40, "A2": 80, "B": 5, "C": 100})
    assert scored.scores["A"] == pytest.approx((1 * 40 + 3 * 80) / 4)
    assert scored.scores["B"] == pytest.approx(50)
    assert scored.overall == pytest.approx((2 * 70 + 1 * 50 + 1 * 100) / 4)
    assert scored.coverage == 1.0
    assert scored.effective_weights["A2"] == pytest.approx(0.75)


def test_missing_data_is_left_out_and_weights_renormalised_not_scored_zero():
    scored = score_tree(_tree(), {"A1": 40, "C": 100})
    assert scored.scores["A2"] is None and scored.scores["B"] is None
    assert scored.scores["A"] == pytest.approx(40)  # A2 missing: A is A1 alone, not (40 + 0) / 2
    assert scored.overall == pytest.approx((2 * 40 + 1 * 100) / 3)
    assert scored.overall != pytest.approx((2 * 10 + 0 + 100) / 4)  # what treating missing as zero would give
    assert scored.effective_weights["B"] == 0.0
    assert scored.coverage == pytest.approx(3 / 4)


def test_no_data_at_all_means_no_score():
    scored = score_tree(_tree(), {})
    assert scored.overall is None and scored.coverage == 0.0


def test_zero_weight_indicators_do_not_count():
    tree = [Node("A", 0.0, 100, 0), Node("B", 1.0, 100, 0)]
    assert score_tree(tree, {"A": 0, "B": 60}).overall == pytest.approx(60)


def test_ties_share_a_rank_and_the_next_is_skipped():
    ranks = competition_ranks({"a": 90.0, "b": 85.001, "c": 85.004, "d": 70.0})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ranks_differ_when_scores_differ_at_display_precision():
    assert competition_ranks({"a": 85.01, "b": 85.0}) == {"a": 1, "b": 2}
