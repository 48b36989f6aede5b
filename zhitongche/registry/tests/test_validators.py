"""The import's own USCC check gives python-stdnum's answer for valid, mutated and arbitrary codes."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from zhitongche.registry.identifiers import make_uscc
from zhitongche.registry.validators import clean_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Every character a mutation may put in: the alphabet, the letters it leaves out, lower case, separators,
# and non-ASCII look-alikes that stdnum folds (full-width and mathematical digits, full-width letters, dashes).
MUTATIONS = (ALPHABET + "IOSVZ" + "abcxyz" + " -_.*/'`" + "０１９ＡＸ𝟎𝟗" + "\u2013\u2014\u00a0" + "ⅠⅡ٣")


def reference(value: str) -> str | None:
    """The check as stdnum alone makes it (the behaviour clean_uscc must keep)."""
    text = (value or "").strip().upper()
    if len(text) != 18:
        return None
    try:
        return str(stdnum_uscc.validate(text))
    except ValidationError:
        return None


def random_uscc(rng: random.Random) -> str:
    head = rng.choice("9159") + rng.choice("123") + "".join(rng.choice("0123456789") for _ in range(6)) + \
        "".join(rng.choice(ALPHABET) for _ in range(9))
    return head + stdnum_uscc.calc_check_digit(head)


def test_valid_codes_agree():
    rng = random.Random(3)
    codes = [random_uscc(rng) for _ in range(2000)] + [make_uscc("210302", i) for i in range(500)]
    for code in codes:
        assert clean_uscc(code) == reference(code) == code
        assert clean_uscc(f"  {code.lower()} ") == code


def test_every_single_character_mutation_agrees():
    rng = random.Random(4)
    mismatches = []
    for _ in range(60):
        code = random_uscc(rng)
        for position in range(18):
            for char in MUTATIONS:
                mutated = code[:position] + char + code[position + 1:]
                if clean_uscc(mutated) != reference(mutated):
                    mismatches.append(mutated)
    assert mismatches == []


def test_swaps_insertions_and_deletions_agree():
    rng = random.Random(5)
    for _ in range(3000):
        code = list(random_uscc(rng))
        i, j = rng.randrange(18), rng.randrange(18)
        swapped = code.copy()
        swapped[i], swapped[j] = swapped[j], swapped[i]
        for variant in ("".join(swapped), "".join(code[:i] + code[i + 1:]),
                        "".join(code[:i] + [rng.choice(MUTATIONS)] + code[i:])):
            assert clean_uscc(variant) == reference(variant), variant


def test_look_alike_characters_are_stdnums_to_decide():
    code = make_uscc("210302", 7)
    wide = code[:8].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + code[8:]
    assert clean_uscc(wide) == reference(wide) == code


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=MUTATIONS, min_size=16, max_size=20))
def test_arbitrary_text_agrees(text):
    assert clean_uscc(text) == reference(text)
