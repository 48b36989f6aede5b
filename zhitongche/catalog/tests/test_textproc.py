"""Normalisation, tokens, query expansion, FTS5/PostgreSQL query safety and highlighting."""

import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhitongche.catalog import textproc
from zhitongche.catalog.textproc import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    QUERY_WEIGHT,
    SYNONYM_WEIGHT,
    ExpandedQuery,
    TermGroup,
    document_terms,
    expand_query,
    find_colloquial,
    fts5_match,
    highlight,
    is_follow_up,
    load_domain_dictionary,
    normalize,
    pg_lexemes,
    pg_tsquery,
    pg_weighted_lexemes,
    rank_factor,
    tokenize,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
FTS5_SPECIALS = list('"*^:()-+{}[],.\'`~!@#$%&=|\\/;<>?') + ["AND", "OR", "NOT", "NEAR", "NEAR/2", "col:"]
HOSTILE = [
    "",
    " ",
    '"',
    '""',
    '"""',
    "*",
    "NEAR",
    "NEAR(a b)",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "- 营业执照",
    "title:营业执照",
    "^营业",
    "(营业执照",
    "营业执照)",
    "'; DROP TABLE items; --",
    "SELECT * FROM items WHERE 1=1",
    "😀🏠👶 上户口 🎉",
    "\x00\x01\x1b[31m营业执照\x7f",
    "ＫＴＶ＊（）＂",
    "营" * 10_000,
    "".join(chr(0x4E00 + i) for i in range(10_000)),
]


@pytest.fixture(scope="module")
def fts5():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='unicode61')")
    conn.executemany(
        "INSERT INTO t(title, body) VALUES (?, ?)",
        [(document_terms("个体工商户设立登记"), document_terms("区行政审批局")), (document_terms("户口登记"), "")],
    )
    yield conn
    conn.close()


def _run_fts5(conn: sqlite3.Connection, expression: str) -> list:
    return conn.execute(
        "SELECT rowid, bm25(t, 3.0, 1.0) FROM t WHERE t MATCH ? ORDER BY bm25(t, 3.0, 1.0)", (expression,)
    ).fetchall()


# --- normalisation and tokens ---------------------------------------------------------------------


def test_normalize_folds_width_and_case_and_drops_punctuation_emoji_and_controls():
    assert normalize("ＫＴＶ１２３，办\u3000营业执照！😀\x00\u200b") == "ktv123 办 营业执照"


def test_normalize_caps_length():
    assert len(normalize("营" * 10_000, MAX_QUERY_CHARS)) == MAX_QUERY_CHARS


def test_tokenize_keeps_words_their_dictionary_parts_and_characters():
    tokens = tokenize("个体工商户设立登记")
    # jieba's own search mode would drop both of these 4- and 5-character parts
    assert {"个体工商户", "设立登记", "登记", "体", "户"} <= set(tokens)


def test_tokenize_drops_stop_words_but_keeps_catalogue_words():
    assert tokenize("我想问一下怎么办") == ["问"]
    assert "办理" in tokenize("居住证办理")


def test_tokenize_is_the_same_for_documents_and_queries():
    assert tuple(tokenize("营业执照")) == expand_query("营业执照").tokens


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_tokens_are_nonempty_letters_and_digits_only(text):
    for token in tokenize(text):
        assert token
        assert all(unicodedata.category(ch)[0] in "LN" for ch in token)


def test_document_terms_repeats_the_title_when_asked():
    assert document_terms("户口登记", "区公安分局", title_repeat=2).count("户口登记") == 2
    assert document_terms("", "区公安分局") == " ".join(tokenize("区公安分局"))


def test_domain_dictionary_changes_segmentation():
    assert "鞍钢驿站" not in tokenize("鞍钢驿站备案")
    assert load_domain_dictionary(["鞍钢驿站", "", "x"]) == 1
    assert "鞍钢驿站" in tokenize("鞍钢驿站备案")


def test_jieba_initialises_quietly_and_once():
    code = (
        "from zhitongche.catalog import textproc as t\n"
        "t.tokenize('营业执照'); a = t._get_tokenizer(); t.tokenize('户口'); assert a is t._get_tokenizer()"
    )
    result = subprocess.run(  # noqa: S603 - fixed command, no user input
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# --- query expansion -------------------------------------------------------------------------------


def test_expansion_adds_formal_tokens_at_a_lower_weight():
    expanded = expand_query("我想办健康证")
    weights = expanded.term_weights()
    assert weights["健康证"] == QUERY_WEIGHT
    assert weights["预防性体检"] == SYNONYM_WEIGHT
    assert "健康证" in expanded.matched


def test_without_synonyms_only_query_tokens_remain():
    expanded = expand_query("办健康证", use_synonyms=False)
    assert {g.source for g in expanded.groups} == {"query"}


def test_longest_colloquial_match_wins():
    assert find_colloquial(normalize("社保卡丢了")) == ["社保卡", "丢了"]


def test_single_character_keys_need_a_word_of_their_own():
    assert "砍" in find_colloquial(normalize("砍自家的树"))
    assert "砍" not in find_colloquial(normalize("林木砍伐"))


def test_multi_word_keys_match_in_any_order():
    for text in ("老板一直拖欠我们的工资", "工资被拖欠了三个月"):
        assert not any(key in text for key in ("拖欠工资", "工资拖欠"))
        sources = [g.source for g in expand_query(text).groups]
        assert any(s.endswith("→劳动人事争议仲裁") for s in sources), sources


def test_follow_up_intent_comes_from_words_or_expansions():
    assert not expand_query("开饭店").follow_up
    assert expand_query("营业执照丢了").follow_up  # 丢了 → 遗失
    assert expand_query("个体户不干了").follow_up  # 不干了 → 注销登记
    assert is_follow_up("个体工商户注销登记") and not is_follow_up("个体工商户设立登记")
    assert rank_factor(expand_query("开饭店"), True) < 1 == rank_factor(expand_query("开饭店"), False)
    assert rank_factor(expand_query("注销个体户"), True) == 1


@pytest.mark.parametrize("text", HOSTILE)
def test_expansion_survives_hostile_input(text):
    expanded = expand_query(text)
    assert len(expanded.text) <= MAX_QUERY_CHARS
    assert len(expanded.term_weights()) <= MAX_QUERY_TERMS


def test_empty_queries_are_empty():
    for text in ("", "   ", "？！…", "😀", "我想怎么办"):
        assert expand_query(text).is_empty


# --- FTS5 ------------------------------------------------------------------------------------------


def test_fts5_expression_quotes_every_token_and_weighs_query_tokens_double():
    expression = fts5_match(expand_query("办营业执照"))
    assert '("营业执照" OR "营业执照")' in expression
    assert '"设立登记"' in expression and '("设立登记" OR' not in expression


def test_fts5_ranks_the_title_match_first(fts5):
    rows = _run_fts5(fts5, fts5_match(expand_query("开个体户")))
    assert rows[0][0] == 1


def test_empty_query_gives_a_valid_expression_matching_nothing(fts5):
    assert fts5_match(expand_query("")) == '""'
    assert _run_fts5(fts5, '""') == []


def test_fts5_quotes_even_tokens_that_tokenize_never_produces(fts5):
    weird = ExpandedQuery("", (), (TermGroup(('a"b', "NEAR", "*", "AND", "x:y", '"'), 1.0, "query"),))
    _run_fts5(fts5, fts5_match(weird))


@pytest.mark.parametrize("text", HOSTILE)
def test_fts5_accepts_hostile_input(fts5, text):
    _run_fts5(fts5, fts5_match(expand_query(text)))


@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(st.sampled_from([*FTS5_SPECIALS, "营业执照", "上户口", "社保", " ", "😀", "\x00"]), max_size=60).map(
            "".join
        ),
        st.lists(st.sampled_from([*FTS5_SPECIALS, "营业", "a", "1"]), max_size=60).map(" ".join),
    )
)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fts5_never_raises_for_generated_text(fts5, text):
    try:
        _run_fts5(fts5, fts5_match(expand_query(text)))
    except sqlite3.OperationalError as exc:  # pragma: no cover - the failure report
        pytest.fail(f"{text!r}: {exc}")


# --- PostgreSQL ------------------------------------------------------------------------------------


def test_pg_tsquery_quotes_lexemes_and_joins_with_or():
    expanded = expand_query("办营业执照")
    query = pg_tsquery(expanded)
    assert "'营业执照'" in query and " | " in query
    assert pg_tsquery(expand_query("")) == ""
    assert set(pg_lexemes(expanded, min_weight=QUERY_WEIGHT)) == {"营业执照", "营业", "执照"}


def test_pg_tsquery_escapes_quotes_and_backslashes():
    weird = ExpandedQuery("", (), (TermGroup(("it's", "a\\b"), 1.0, "query"),))
    assert pg_tsquery(weird) == "'it''s' | 'a\\\\b'"


def test_pg_weighted_lexemes_skip_unknown_and_weigh_rare_lexemes_more():
    lexemes, weights = pg_weighted_lexemes(expand_query("营业执照"), {"营业执照": 2, "营业": 50}, 1000)
    weight = dict(zip(lexemes, weights, strict=True))
    assert set(weight) == {"营业执照", "营业"}
    assert weight["营业执照"] > weight["营业"] > 0


@pytest.mark.skipif(not os.environ.get("ZTC_TEST_PG_DSN"), reason="set ZTC_TEST_PG_DSN to test against PostgreSQL")
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(FTS5_SPECIALS + ["营业执照", "'", "\\"])).map("".join)))
@settings(max_examples=200, deadline=None)
def test_pg_tsquery_never_raises(text):
    import psycopg

    with psycopg.connect(os.environ["ZTC_TEST_PG_DSN"]) as conn:
        query = pg_tsquery(expand_query(text))
        if query:
            conn.execute("SELECT to_tsquery('simple', %s)", (query,)).fetchone()


# --- highlighting ----------------------------------------------------------------------------------


def test_highlight_escapes_html_and_marks_terms():
    assert highlight("<b>营业执照</b>办理", ["营业执照"]) == "&lt;b&gt;<mark>营业执照</mark>&lt;/b&gt;办理"


def test_highlight_matches_full_width_text_and_merges_overlaps():
    assert highlight("开ＫＴＶ营业执照", ["ktv", "营业", "执照"]) == "开<mark>ＫＴＶ营业执照</mark>"


def test_highlight_without_terms_only_escapes():
    assert highlight("a&b", []) == "a&amp;b"
    assert highlight("a&b", ["", "&"]) == "a&amp;b"


def test_highlight_terms_prefer_words_over_characters():
    assert all(len(t) > 1 for t in expand_query("办营业执照").highlight_terms())


def test_textproc_exposes_a_one_line_docstring_on_every_public_function():
    public = [getattr(textproc, n) for n in dir(textproc) if not n.startswith("_")]
    functions = [f for f in public if callable(f) and getattr(f, "__module__", "") == textproc.__name__]
    assert functions and all((f.__doc__ or "").strip() for f in functions)
