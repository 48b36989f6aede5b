"""The synonym table: shape, and every formal term really used by the catalogue."""

import csv
import re

import pytest

from zhitongche.catalog.ranking_reference import load_items
from zhitongche.catalog.textproc import SYNONYMS_CSV, expand_query, load_synonyms, normalize

# Standard names from the national catalogue (国家政务服务事项基本目录) that the bundled Guang'an list
# lacks but other cities' lists use; see data/SOURCES.md.
COMMON_FORMAL_TERMS = {
    "出生登记",
    "药品经营",
    "药品经营许可",
    "网络经营",
    "住房公积金提取",
    "住房公积金",
    "不动产登记",
    "生育登记",
}

_PARENTHESISED = re.compile(r"\([^()]*\)")


def _catalogue_names() -> list[str]:
    names = []
    for item in load_items():
        for field in (item.item_name, item.main_item):
            folded = normalize(field).replace(" ", "")
            # normalize() turns brackets into spaces, so fold the original to keep parentheses visible
            with_brackets = re.sub(r"\s+", "", field).replace("（", "(").replace("）", ")").lower()
            names.extend((folded, _PARENTHESISED.sub("", with_brackets)))
    return names


def test_file_has_the_columns_and_enough_rows():
    with open(SYNONYMS_CSV, encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["colloquial", "formal", "note"]
    assert len(rows) >= 150
    assert all(r["colloquial"].strip() and r["formal"].strip() for r in rows)


def test_rows_are_unique_and_not_identities():
    pairs = [(s.colloquial, s.formal) for s in load_synonyms()]
    assert len(pairs) == len(set(pairs))
    assert all(c != f for c, f in pairs)


def test_every_formal_term_occurs_in_an_item_name_or_is_a_documented_common_term():
    names = _catalogue_names()
    missing = sorted(
        {s.formal for s in load_synonyms()}
        - COMMON_FORMAL_TERMS
        - {f for f in {s.formal for s in load_synonyms()} if any(normalize(f).replace(" ", "") in n for n in names)}
    )
    assert missing == []


def test_common_formal_terms_are_really_absent_so_the_list_stays_honest():
    names = _catalogue_names()
    assert [t for t in COMMON_FORMAL_TERMS if any(t in n for n in names)] == []


@pytest.mark.parametrize(
    ("query", "formal"),
    [
        ("办健康证", "预防性体检"),
        ("交社保", "参保登记"),
        ("开网店", "网络经营"),
        ("上户口", "户口登记"),
        ("上户口", "出生登记"),
        ("开饭店", "食品经营许可"),
        ("办营业执照", "设立登记"),
        ("办退休", "养老保险待遇"),
        ("公积金提取", "住房公积金提取"),
        ("换驾照", "机动车驾驶证"),
        ("医保报销", "住院费用报销"),
        ("生孩子", "生育津贴"),
        ("办暂住证", "居住证"),
        ("开药店", "药品经营许可"),
        ("盖房子", "建设工程规划许可"),
        ("开公司", "公司设立登记"),
        ("注销公司", "公司注销登记"),
        ("办残疾证", "残疾人证"),
        ("低保怎么申请", "最低生活保障"),
        ("结婚", "结婚登记"),
    ],
)
def test_everyday_expressions_from_the_brief_expand(query, formal):
    sources = [g.source for g in expand_query(query).groups]
    assert any(s.endswith(f"→{formal}") for s in sources), sources
