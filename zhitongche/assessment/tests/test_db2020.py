"""Reproduces the published Doing Business 2020 table from the raw indicators and tests each scoring rule.

Expected values always come from the World Bank's published scores in the package's CSV files, read
here independently of the engine; nothing is compared with numbers produced by the engine itself.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhitongche.assessment import db2020

DATA = Path(db2020.__file__).parent / "data"

# SOURCES.md §6: the raw values are published rounded, so recomputed scores can differ from the published
# ones by up to about 0.33 on a component and 0.08 on a topic; cities match within 0.015 overall.
COMPONENT_TOL = 0.34
TOPIC_TOL = 0.1
OVERALL_TOL = 0.05
CITY_TOL = 0.015
# Published overall scores carry 3 decimals.
PUBLISHED_HALF_UNIT = 0.0005


def _read(name: str) -> list[dict[str, str]]:
    """Rows of one of the package's CSV files."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


SCORES = _read("doing_business_2020_scores.csv")
CITY_SCORES = {row["code"]: row for row in _read("doing_business_2020_cities_and_unranked.csv")}
INDICATORS = {row["wb_db_code"]: row for row in _read("doing_business_2020_indicators.csv")}
CITY_INDICATORS = {row["wb_db_code"]: row for row in _read("doing_business_2020_indicators_cities.csv")}
PUBLISHED = {row["wb_db_code"]: row for row in SCORES}
CITIES_OF: dict[str, list[dict[str, str]]] = {}
for _city in CITY_INDICATORS.values():
    if _city["national_wb_db_code"]:
        CITIES_OF.setdefault(_city["national_wb_db_code"], []).append(_city)

BEIJING, SHANGHAI = "CHN_Beij", "CHN"


def raw_of(row: dict[str, str]) -> dict[str, Any]:
    """The test's own conversion of an indicators CSV row to API input (empty cell → null)."""
    raw: dict[str, Any] = {}
    for field in db2020.RAW_COLUMNS:
        cell = row[field]
        if field.endswith("_no_practice"):
            raw[field] = int(cell)
        elif field.endswith("_status"):
            raw[field] = cell or None
        else:
            raw[field] = float(cell) if cell else None
    return raw


def national_result(code: str) -> db2020.Result:
    """Score an economy the World Bank way: two-city economies from their weighted cities."""
    if code in CITIES_OF:
        return db2020.score_two_city(
            [(raw_of(city), float(city["national_weight"])) for city in CITIES_OF[code]]
        )
    return db2020.score(raw_of(INDICATORS[code]))


def topic_score(row: dict[str, str], topic: str) -> float:
    """A published topic score from a scores CSV row."""
    return float(row[f"{topic}_score"])


def rows_where(predicate: Any) -> Iterator[dict[str, str]]:
    """The 190 economies' indicator rows that satisfy the predicate."""
    return (row for row in INDICATORS.values() if predicate(row))


def assert_error(data: Any, field: str, code: str) -> None:
    """parse_raw refuses the data for that field with that code and a Chinese message naming it."""
    with pytest.raises(db2020.RawInputError) as caught:
        db2020.parse_raw(data)
    assert (caught.value.field, caught.value.code) == (field, code), caught.value.message
    assert re.search(r"[\u4e00-\u9fff]", caught.value.message), "message must be Chinese"
    assert field in caught.value.message


# --- the data and constants ------------------------------------------------------------------------


def test_raw_columns_are_the_contract_range_of_the_indicator_header() -> None:
    header = list(next(iter(INDICATORS.values())))
    start, end = header.index("dcp_no_practice"), header.index("ri_if_creditor_participation_0_4")
    assert tuple(header[start : end + 1]) == db2020.RAW_COLUMNS


def test_topics_are_the_scores_file_topics_in_order() -> None:
    header = list(SCORES[0])
    assert tuple(col[: -len("_score")] for col in header[8::2]) == db2020.TOPICS


def test_every_scored_component_has_a_published_score_column() -> None:
    header = set(next(iter(INDICATORS.values())))
    assert {f"score_{key}" for key in db2020.COMPONENT_KEYS} == {c for c in header if c.startswith("score_")}


def test_published_raw_matches_the_csv_rows() -> None:
    for code, row in {**INDICATORS, **CITY_INDICATORS}.items():
        assert db2020.published_raw(code) == raw_of(row)


def test_published_table_matches_the_scores_files() -> None:
    table = db2020.published_table()
    assert [row.rank for row in table.economies] == list(range(1, 191))
    for row in table.economies:
        source = PUBLISHED[row.code]
        assert (row.economy, row.iso3, row.score) == (source["economy"], source["iso3"], float(source["db2020_score"]))
        assert row.rank == int(source["db2020_rank"])
        assert row.topics == {topic: topic_score(source, topic) for topic in db2020.TOPICS}
    assert [row.code for row in table.cities] == [BEIJING, SHANGHAI]
    for row in table.cities:
        source = CITY_SCORES[row.code]
        assert (row.economy, row.iso3, row.rank, row.score) == (source["economy"], None, None, float(source["db2020_score"]))


def test_every_ranked_economy_has_its_chinese_name() -> None:
    names = db2020.economy_names_zh()
    assert {row.iso3 for row in db2020.published_table().economies} == set(names)
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）]+", name) for name in names.values()), names
    assert (names["CHN"], names["HKG"], names["TWN"], names["KOR"], names["KHM"]) == (
        "中国", "中国香港", "中国台湾", "韩国", "柬埔寨")


# --- reproducing the published table ---------------------------------------------------------------


@pytest.mark.parametrize("code", list(PUBLISHED))
def test_economy_reproduces_published_scores(code: str) -> None:
    published, indicators = PUBLISHED[code], INDICATORS[code]
    result = national_result(code)
    assert abs(result.overall - float(published["db2020_score"])) <= OVERALL_TOL
    for topic in db2020.TOPICS:
        assert abs(result.topics[topic] - topic_score(published, topic)) <= TOPIC_TOL, topic
    for key, value in result.components.items():
        cell = indicators[f"score_{key}"]
        if cell == "":
            assert value is None, key
        else:
            assert value is not None and abs(value - float(cell)) <= COMPONENT_TOL, key


def test_ranks_reproduce_except_where_rounding_decides() -> None:
    # The recomputed score x of an economy differs from its published score s by raw-value rounding, and s
    # itself is rounded to 3 decimals. Its rank among the other 189 economies may therefore differ from the
    # published rank only because of other economies whose published score lies between x and s (widened by
    # the half-unit of the published rounding), and by at most the number of such economies.
    scores = {code: float(row["db2020_score"]) for code, row in PUBLISHED.items()}
    exceptions = []
    for code, row in PUBLISHED.items():
        computed, published = national_result(code).overall, scores[code]
        others = [value for other, value in scores.items() if other != code]
        reproduced = 1 + sum(1 for value in others if value > computed)
        low, high = min(computed, published) - PUBLISHED_HALF_UNIT, max(computed, published) + PUBLISHED_HALF_UNIT
        in_band = sum(1 for value in others if low <= value <= high)
        difference = abs(reproduced - int(row["db2020_rank"]))
        assert difference <= in_band, (code, reproduced, row["db2020_rank"])
        if difference:
            exceptions.append(code)
    assert len(exceptions) <= 10, exceptions


def test_rank_of_each_published_score_is_its_published_rank() -> None:
    scores = [float(row["db2020_score"]) for row in SCORES]
    for row in SCORES:
        value = float(row["db2020_score"])
        # Equal published scores share the better rank (none occur in DB2020, but the rule must hold).
        expected = int(row["db2020_rank"]) if scores.count(value) == 1 else 1 + sum(s > value for s in scores)
        assert db2020.rank(value) == expected


def test_rank_extremes_and_bad_values() -> None:
    best = max(float(row["db2020_score"]) for row in SCORES)
    worst = min(float(row["db2020_score"]) for row in SCORES)
    assert db2020.rank(best + 0.001) == 1
    assert db2020.rank(best) == 1
    assert db2020.rank(worst) == 190
    assert db2020.rank(worst - 0.001) == 191
    for bad in (math.nan, math.inf, True, "80"):
        with pytest.raises(ValueError):
            db2020.rank(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", list(CITY_INDICATORS))
def test_city_and_unranked_rows_reproduce(code: str) -> None:
    result = db2020.score(raw_of(CITY_INDICATORS[code]))
    published = CITY_SCORES[code]
    assert abs(result.overall - float(published["db2020_score"])) <= CITY_TOL
    for topic in db2020.TOPICS:
        assert abs(result.topics[topic] - topic_score(published, topic)) <= TOPIC_TOL, topic


@pytest.mark.parametrize("code", [BEIJING, SHANGHAI])
def test_beijing_and_shanghai_against_published_table(code: str) -> None:
    city = next(row for row in db2020.published_table().cities if row.code == code)
    result = db2020.score(db2020.published_raw(code))
    assert abs(result.overall - city.score) <= CITY_TOL
    assert all(abs(result.topics[topic] - city.topics[topic]) <= TOPIC_TOL for topic in db2020.TOPICS)


# --- each rule on its own --------------------------------------------------------------------------


TTCR = db2020.TTCR_FIELD


def _pt_rows() -> list[dict[str, str]]:
    return list(rows_where(lambda row: row["pt_no_practice"] == "0"))


def test_ttcr_uses_the_power_curve_not_the_linear_score() -> None:
    interior = [row for row in _pt_rows() if 26.1 < float(row[TTCR]) < 84.0]
    linear_misses = 0
    for row in interior:
        value, published = float(row[TTCR]), float(row[f"score_{TTCR}"])
        assert abs(db2020.component_score(TTCR, value) - published) <= COMPONENT_TOL, row["economy"]
        linear = 100 * (84.0 - value) / (84.0 - 26.1)
        linear_misses += abs(linear - published) > 1
    assert linear_misses >= 100, "the data must tell the curve from a straight line"


@pytest.mark.parametrize(("beyond", "expected"), [("best", 100.0), ("worst", 0.0)])
def test_ttcr_is_clipped(beyond: str, expected: float) -> None:
    rows = [row for row in _pt_rows() if (float(row[TTCR]) < 26.1 if beyond == "best" else float(row[TTCR]) > 84.0)]
    assert rows
    for row in rows:
        assert float(row[f"score_{TTCR}"]) == expected
        assert db2020.component_score(TTCR, float(row[TTCR])) == expected


def test_every_component_is_clipped_at_best_and_worst() -> None:
    clipped_fields = set()
    for row in INDICATORS.values():
        for field, (best, worst) in db2020.BOUNDS.items():
            if row[field] == "" or row[f"score_{field}"] == "":
                continue
            value = float(row[field])
            beyond_best = value < best if best < worst else value > best
            beyond_worst = value > worst if best < worst else value < worst
            if beyond_best or beyond_worst:
                expected = 100.0 if beyond_best else 0.0
                assert float(row[f"score_{field}"]) == expected
                assert db2020.component_score(field, value) == expected
                clipped_fields.add(field)
    assert len(clipped_fields) >= 10, clipped_fields


@pytest.mark.parametrize("field", list(db2020.BOUNDS))
def test_bounds_leave_no_systematic_deviation(field: str) -> None:
    # Rounding of the published raw values scatters the recomputed component scores both ways; a wrong best
    # or worst bound shifts them all one way. Shifting either bound by 0.1% of its range biases most components
    # by 0.03–0.09, while the correct bounds leave under 0.015. Two-city national rows are weighted city
    # scores, and clipped rows do not depend on the bounds, so both are left out.
    deviations = [
        db2020.component_score(field, float(row[field])) - float(row[f"score_{field}"])
        for row in INDICATORS.values()
        if row["wb_db_code"] not in CITIES_OF and row[field] != "" and row[f"score_{field}"] != ""
        and 0 < float(row[f"score_{field}"]) < 100
    ]
    assert len(deviations) >= 50
    assert abs(sum(deviations) / len(deviations)) <= 0.02


def _vat_expectation(row: dict[str, str], field: str) -> float | None:
    cell = row[f"score_{field}"]
    return None if cell == "" else float(cell)


@pytest.mark.parametrize("status", ["vat_refund", "no_vat", "no_vat_refund_in_case", "no_practice"])
def test_each_vat_status(status: str) -> None:
    rows = list(rows_where(lambda row: row["pt_vat_status"] == status))
    assert rows
    for row in rows:
        result = db2020.score(raw_of(row))
        for field in db2020.VAT_FIELDS:
            expected, got = _vat_expectation(row, field), result.components[field]
            if status == "no_vat":
                assert expected is None and got is None
            elif status in ("no_vat_refund_in_case", "no_practice"):
                assert expected == 0.0 and got == 0.0
            else:
                assert expected is not None and got is not None and abs(got - expected) <= COMPONENT_TOL
        published = topic_score(PUBLISHED[row["wb_db_code"]], "paying_taxes")
        assert abs(result.topics["paying_taxes"] - published) <= TOPIC_TOL, row["economy"]


def test_vat_refund_times_are_not_read_without_a_refund_in_the_case() -> None:
    row = next(rows_where(lambda row: row["pt_vat_status"] == "no_vat_refund_in_case"))
    raw = raw_of(row)
    raw.update(pt_vat_refund_comply_hours=1.0, pt_vat_refund_obtain_weeks=4.0)
    result = db2020.score(raw)
    assert result.components["pt_vat_refund_comply_hours"] == 0.0
    assert abs(result.topics["paying_taxes"] - topic_score(PUBLISHED[row["wb_db_code"]], "paying_taxes")) <= TOPIC_TOL


@pytest.mark.parametrize("status", ["cit", "no_cit", "no_practice"])
def test_each_cit_status(status: str) -> None:
    rows = list(rows_where(lambda row: row["pt_cit_status"] == status))
    assert rows
    for row in rows:
        result = db2020.score(raw_of(row))
        for field in db2020.CIT_FIELDS:
            expected, got = _vat_expectation(row, field), result.components[field]
            if status == "no_cit":
                assert expected is None and got is None
            elif status == "no_practice":
                assert expected == 0.0 and got == 0.0
            else:
                assert expected is not None and got is not None and abs(got - expected) <= COMPONENT_TOL
        published = topic_score(PUBLISHED[row["wb_db_code"]], "paying_taxes")
        assert abs(result.topics["paying_taxes"] - published) <= TOPIC_TOL, row["economy"]


def test_without_vat_and_cit_paying_taxes_is_the_mean_of_three() -> None:
    rows = list(rows_where(lambda row: (row["pt_vat_status"], row["pt_cit_status"]) == ("no_vat", "no_cit")))
    assert rows
    for row in rows:
        result = db2020.score(raw_of(row))
        assert result.components[db2020.POSTFILING] is None
        assert row[f"score_{db2020.POSTFILING}"] == ""
        three = [float(row[f"score_{field}"]) for field in ("pt_payments_per_year", "pt_time_hours_per_year", TTCR)]
        published = topic_score(PUBLISHED[row["wb_db_code"]], "paying_taxes")
        assert abs(sum(three) / 3 - published) <= 0.001, "premise: the World Bank averages three"
        assert abs(result.topics["paying_taxes"] - published) <= TOPIC_TOL


@pytest.mark.parametrize(("topic", "flag"), list(db2020.NO_PRACTICE_FLAGS.items()))
def test_no_practice_scores_the_topic_zero(topic: str, flag: str) -> None:
    rows = list(rows_where(lambda row: row[flag] == "1"))
    assert rows
    for row in rows:
        published = PUBLISHED[row["wb_db_code"]]
        assert topic_score(published, topic) == 0.0
        result = db2020.score(raw_of(row))
        assert result.topics[topic] == 0.0
        prefix = flag.removesuffix("no_practice")
        assert all(value == 0.0 for key, value in result.components.items() if key.startswith(prefix))
        for other in db2020.TOPICS:
            assert abs(result.topics[other] - topic_score(published, other)) <= TOPIC_TOL, other


@pytest.mark.parametrize(("topic", "flag"), list(db2020.NO_PRACTICE_FLAGS.items()))
def test_setting_no_practice_needs_no_topic_values_and_leaves_other_topics(topic: str, flag: str) -> None:
    row = next(rows_where(lambda row: all(row[f] == "0" for f in db2020.NO_PRACTICE_FLAGS.values())))
    raw = raw_of(row)
    prefix = flag.removesuffix("no_practice")
    raw = {key: (None if key.startswith(prefix) and key != flag else value) for key, value in raw.items()}
    raw[flag] = 1
    result = db2020.score(raw)
    assert result.topics[topic] == 0.0
    published = PUBLISHED[row["wb_db_code"]]
    for other in set(db2020.TOPICS) - {topic}:
        assert abs(result.topics[other] - topic_score(published, other)) <= TOPIC_TOL


def test_resolving_insolvency_no_practice_zeroes_the_framework_index_despite_the_law() -> None:
    rows = list(rows_where(lambda row: row["ri_no_practice"] == "1"))
    parts = db2020.COMPOSITES["ri_insolvency_framework_index_0_16"].parts
    with_law = [row for row in rows if sum(float(row[part]) for part in parts) > 0]
    assert with_law, "premise: some No Practice economies have insolvency law"
    for row in with_law:
        raw = raw_of(row)
        raw["ri_insolvency_framework_index_0_16"] = sum(raw[part] for part in parts)
        raw["ri_recovery_rate_cents_per_dollar"] = 50.0
        result = db2020.score(raw)
        assert float(row["score_ri_insolvency_framework_index_0_16"]) == 0.0
        assert result.components["ri_insolvency_framework_index_0_16"] == 0.0
        assert result.components["ri_recovery_rate_cents_per_dollar"] == 0.0
        assert result.topics["resolving_insolvency"] == topic_score(PUBLISHED[row["wb_db_code"]], "resolving_insolvency")


def test_starting_a_business_averages_men_and_women() -> None:
    rows = list(rows_where(lambda row: any(row[men] != row[women] for men, women in db2020.SB_PAIRS)))
    assert len(rows) >= 10
    for row in rows:
        raw = raw_of(row)
        published = topic_score(PUBLISHED[row["wb_db_code"]], "starting_a_business")
        result = db2020.score(raw)
        assert abs(result.topics["starting_a_business"] - published) <= TOPIC_TOL, row["economy"]
        men_only = [db2020.component_score(men, raw[men]) for men, _ in db2020.SB_PAIRS]
        men_only.append(db2020.component_score("sb_min_capital_pct_income", raw["sb_min_capital_pct_income"]))
        assert abs(sum(men_only) / 4 - published) > TOPIC_TOL, "men-only scoring must be distinguishable"


def test_credit_and_minority_investors_score_the_sum_of_their_indices() -> None:
    for row in INDICATORS.values():
        published = PUBLISHED[row["wb_db_code"]]
        result = db2020.score(raw_of(row))
        for topic in db2020.SUM_TOPICS:
            assert abs(result.topics[topic] - topic_score(published, topic)) <= 0.001, (row["economy"], topic)


@pytest.mark.parametrize("code", list(CITIES_OF))
def test_two_city_economies_are_weighted_means_of_city_scores(code: str) -> None:
    cities = CITIES_OF[code]
    assert len(cities) == 2
    assert abs(sum(float(city["national_weight"]) for city in cities) - 1) < 1e-9
    published = PUBLISHED[code]
    result = db2020.score_two_city([(raw_of(city), float(city["national_weight"])) for city in cities])
    assert abs(result.overall - float(published["db2020_score"])) <= OVERALL_TOL
    for topic in db2020.TOPICS:
        assert abs(result.topics[topic] - topic_score(published, topic)) <= TOPIC_TOL, topic


def test_weighting_city_scores_differs_from_scoring_the_mean_where_a_bound_clips() -> None:
    # SOURCES.md: Brazil's construction time clips in one city, so only the weighted city scores reproduce it.
    topic = "dealing_with_construction_permits"
    published = topic_score(PUBLISHED["BRAZ"], topic)
    direct = db2020.score(raw_of(INDICATORS["BRAZ"])).topics[topic]
    assert abs(direct - published) > TOPIC_TOL
    assert abs(national_result("BRAZ").topics[topic] - published) <= TOPIC_TOL


@pytest.mark.parametrize("weights", [(0.5, 0.4), (1.0, 0.0), (True, 0.0), (0.6, "0.4")])
def test_two_city_weights_are_validated(weights: tuple[Any, Any]) -> None:
    cities = [raw_of(CITY_INDICATORS[SHANGHAI]), raw_of(CITY_INDICATORS[BEIJING])]
    with pytest.raises(db2020.RawInputError) as caught:
        db2020.score_two_city(list(zip(cities, weights, strict=True)))
    assert caught.value.code == "invalid_weight"


@pytest.mark.parametrize("composite", [c for c, spec in db2020.COMPOSITES.items() if spec.derivable])
def test_a_missing_composite_is_the_sum_of_its_parts(composite: str) -> None:
    row = next(rows_where(lambda row: all(row[f] == "0" for f in db2020.NO_PRACTICE_FLAGS.values())))
    raw = raw_of(row)
    raw[composite] = None
    assert db2020.parse_raw(raw)[composite] == pytest.approx(float(row[composite]), abs=0.2)
    result = db2020.score(raw)
    published = PUBLISHED[row["wb_db_code"]]
    assert all(abs(result.topics[t] - topic_score(published, t)) <= TOPIC_TOL for t in db2020.TOPICS)


def test_reliability_index_is_not_derived_because_the_world_bank_can_zero_it() -> None:
    zeroed = [
        row for row in INDICATORS.values()
        if row["ge_no_practice"] == "0" and row["ge_reliability_index_0_8"] == "0"
        and sum(float(row[p]) for p in db2020.COMPOSITES["ge_reliability_index_0_8"].parts) > 0
    ]
    assert zeroed, "premise: published data has reliability 0 despite positive parts"
    for row in zeroed:
        assert float(row["score_ge_reliability_index_0_8"]) == 0.0
        assert db2020.score(raw_of(row)).components["ge_reliability_index_0_8"] == 0.0
        raw = raw_of(row)
        raw["ge_reliability_index_0_8"] = None
        assert_error(raw, "ge_reliability_index_0_8", "missing")


# --- validation ------------------------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    return raw_of(INDICATORS["NZL"])


@pytest.mark.parametrize("key", ["foo", "iso3", "score_sb_procedures_men", "sb_no_practice", 7])
def test_unknown_field(key: Any) -> None:
    assert_error({**_valid(), key: 1}, str(key), "unknown_field")


@pytest.mark.parametrize("value", ["12", "", "十二", True, False, math.nan, math.inf, 10**400, [1], {"v": 1}])
def test_not_a_number(value: Any) -> None:
    assert_error({**_valid(), "sb_time_men_days": value}, "sb_time_men_days", "not_a_number")


@pytest.mark.parametrize("field", ["sb_time_men_days", "pt_vat_refund_comply_hours", "ge_saidi_hours", "ec_enforcement_days"])
def test_negative(field: str) -> None:
    assert_error({**_valid(), field: -0.1}, field, "negative")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dcp_building_quality_index_0_15", 15.5),
        ("gc_legal_rights_index_0_12", 13),
        ("rp_la_equal_access_minus2_0", -2.5),
        ("rp_la_equal_access_minus2_0", 1),
        ("gc_credit_bureau_coverage_pct_adults", 100.1),
        ("ri_recovery_rate_cents_per_dollar", 101),
        ("ri_outcome_going_concern", 2),
    ],
)
def test_out_of_range(field: str, value: float) -> None:
    assert_error({**_valid(), field: value}, field, "out_of_range")


def test_equal_access_may_be_negative() -> None:
    raw = raw_of(next(rows_where(lambda row: row["rp_la_equal_access_minus2_0"] == "-2")))
    assert db2020.parse_raw(raw)["rp_la_equal_access_minus2_0"] == -2.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dcp_no_practice", 2),
        ("dcp_no_practice", 0.5),
        ("dcp_no_practice", "1"),
        ("dcp_no_practice", True),
        ("ri_no_practice", -1),
        ("pt_vat_status", "VAT_REFUND"),
        ("pt_vat_status", "no_cit"),
        ("pt_vat_status", ""),
        ("pt_vat_status", 1),
        ("pt_cit_status", "no_vat"),
    ],
)
def test_invalid_choice(field: str, value: Any) -> None:
    assert_error({**_valid(), field: value}, field, "invalid_choice")


def test_no_practice_flag_accepts_integral_floats_and_defaults_to_zero() -> None:
    raw = _valid()
    raw["ge_no_practice"] = 1.0
    assert db2020.parse_raw(raw)["ge_no_practice"] == 1
    del raw["ge_no_practice"]
    assert db2020.parse_raw(raw)["ge_no_practice"] == 0


@pytest.mark.parametrize(
    "field",
    [
        "sb_time_women_days",
        "sb_min_capital_pct_income",
        "dcp_building_quality_index_0_15",
        "pt_vat_status",
        "pt_vat_refund_obtain_weeks",
        "pt_cit_correction_comply_hours",
        "ri_recovery_rate_cents_per_dollar",
        "pmi_disclosure_0_10",
    ],
)
def test_missing(field: str) -> None:
    raw = _valid()
    raw[field] = None
    # With a part unknown too, the building quality index cannot be derived.
    raw["dcp_bq_regulations_0_2"] = None
    assert_error(raw, field, "missing")
    del raw[field]
    assert_error(raw, field, "missing")


def test_missing_values_the_rules_do_not_need_are_fine() -> None:
    raw = _valid()
    for field in ("ge_saidi_hours", "ge_price_us_cents_kwh", "gc_credit_bureau_coverage_pct_adults", "ri_time_years",
                  "pt_profit_tax_pct_profit", "ec_filing_service_days", "pmi_strength_index_0_50"):
        raw[field] = None
    result = db2020.score(raw)
    assert abs(result.overall - float(PUBLISHED["NZL"]["db2020_score"])) <= OVERALL_TOL


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("dcp_building_quality_index_0_15", {"dcp_bq_regulations_0_2": 1.0}),
        ("pmi_strength_index_0_50", {"pmi_disclosure_0_10": 5.0}),
        (TTCR, {TTCR: 40.0}),
        ("ec_time_days", {"ec_time_days": 300.0}),
        ("ge_reliability_index_0_8", {"ge_reliability_index_0_8": 3.0}),
        ("pt_vat_status", {"pt_vat_status": "no_practice"}),
        ("pt_cit_status", {"pt_cit_status": "no_practice"}),
    ],
)
def test_inconsistent(field: str, change: dict[str, Any]) -> None:
    assert_error({**_valid(), **change}, field, "inconsistent")


@pytest.mark.parametrize("data", [[("sb_procedures_men", 1)], "sb_procedures_men=1", None, 3])
def test_not_an_object(data: Any) -> None:
    with pytest.raises(db2020.RawInputError) as caught:
        db2020.parse_raw(data)
    assert caught.value.code == "not_an_object"


def test_parse_raw_returns_every_column_typed() -> None:
    parsed = db2020.parse_raw({key: value for key, value in _valid().items() if value is not None})
    assert tuple(parsed) == db2020.RAW_COLUMNS
    assert parsed["pt_vat_status"] == "vat_refund"
    assert isinstance(parsed["dcp_no_practice"], int)
    assert all(isinstance(parsed[f], float) for f in db2020.BOUNDS)


@pytest.mark.parametrize("entry", [db2020.score, db2020.simulate])
def test_bad_input_raises_instead_of_scoring(entry: Any) -> None:
    for bad in ({**_valid(), "sb_time_men_days": "5"}, {**_valid(), "oops": 1}, {**_valid(), "ri_recovery_rate_cents_per_dollar": None}):
        with pytest.raises(db2020.RawInputError):
            entry(bad)


# --- simulate (CONTRACT §8) ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["CHIN", "NZL", "SOM", "BHR"])
def test_simulate_shape_and_rank(code: str) -> None:
    reply = db2020.simulate(raw_of(INDICATORS[code]))
    assert list(reply) == ["topics", "score", "rank", "of"]
    assert list(reply["topics"]) == list(db2020.TOPICS)
    assert reply["of"] == 190
    assert abs(reply["score"] - float(PUBLISHED[code]["db2020_score"])) <= OVERALL_TOL
    for value in (reply["score"], *reply["topics"].values()):
        assert value == round(value, 3) and 0 <= value <= 100
    published_scores = [float(row["db2020_score"]) for row in SCORES]
    assert reply["rank"] == 1 + sum(1 for value in published_scores if value > reply["score"])


def test_simulate_beijing_against_published_city_score() -> None:
    reply = db2020.simulate(raw_of(CITY_INDICATORS[BEIJING]))
    assert abs(reply["score"] - float(CITY_SCORES[BEIJING]["db2020_score"])) <= CITY_TOL


def test_rounding_is_half_up_to_three_decimals() -> None:
    assert db2020.round_score(0.0005) == 0.001
    assert db2020.round_score(2.6745) == 2.675
    assert db2020.round_score(77.68249) == 77.682


# --- properties ------------------------------------------------------------------------------------

_json_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 1000), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5), st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(PUBLISHED)), st.dictionaries(st.sampled_from(db2020.RAW_COLUMNS), _json_values, max_size=4))
def test_any_input_either_scores_in_range_or_raises_raw_input_error(code: str, changes: dict[str, Any]) -> None:
    raw = {**raw_of(INDICATORS[code]), **changes}
    try:
        result = db2020.score(raw)
    except db2020.RawInputError as error:
        assert error.field in db2020.RAW_COLUMNS and error.code
        return
    assert all(0 <= value <= 100 for value in result.topics.values())
    assert all(value is None or 0 <= value <= 100 for value in result.components.values())
    assert 0 <= result.overall <= 100


@settings(max_examples=200, database=None)
@given(
    st.sampled_from([c for c in PUBLISHED if c not in CITIES_OF]),
    st.sampled_from([f for f in db2020.BOUNDS if not any(f in c.parts for c in db2020.COMPOSITES.values())]),
    st.floats(0, 50),
)
def test_a_worse_value_never_raises_the_score(code: str, field: str, step: float) -> None:
    raw = raw_of(INDICATORS[code])
    if raw[field] is None:
        return
    best, worst = db2020.BOUNDS[field]
    worse = dict(raw)
    worse[field] = raw[field] + step if worst > best else max(raw[field] - step, 0.0)
    parts = db2020.COMPOSITES.get(field)
    if parts is not None:
        for part in parts.parts:
            worse[part] = None
    before, after = db2020.score(raw), db2020.score(worse)
    assert after.overall <= before.overall + 1e-9
