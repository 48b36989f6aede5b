"""Validation of registry values shared by the import, the services and the API."""

import re
from operator import mul

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
INDUSTRY = re.compile(r"^(?:[A-T]|[A-T]?\d{2,4})$")
# GB 32100 as python-stdnum's stdnum.cn.uscc checks it: 8 digits, 10 characters of the alphabet (the last
# the check character), weighted sum of the first 17 values.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORM = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}.__getitem__
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def clean_uscc(value: str) -> str | None:
    """The 统一社会信用代码 upper-cased if valid per GB 32100 (check character included), else None."""
    text = (value or "").strip().upper()
    if len(text) != 18:
        return None
    if not text.isascii():
        # stdnum folds look-alike characters (full-width and mathematical digits); it decides those.
        try:
            return str(stdnum_uscc.validate(text))
        except ValidationError:
            return None
    # stdnum's check without its per-character clean-up, which costs 14 µs a code on a 194,000-row import;
    # test_validators checks that both agree.
    if not _USCC_FORM.fullmatch(text):
        return None
    total = sum(map(mul, map(_USCC_VALUE, text[:17]), _USCC_WEIGHTS))
    return text if _USCC_ALPHABET[-total % 31] == text[17] else None


def clean_phone(value: str, *, mobile_only: bool = False) -> str | None:
    """A mainland mobile (1[3-9] and 9 digits) or a landline (area code and number, dash optional); else None."""
    if MOBILE.match(value or ""):
        return value
    if not mobile_only and LANDLINE.match(value or ""):  # already in its cleaned form: nothing to replace below
        return value
    text = (value or "").replace(" ", "").replace("－", "-").replace("—", "-").replace("–", "-")
    text = text.removeprefix("+86").removeprefix("86-") if len(text) > 11 else text
    if MOBILE.match(text):
        return text
    if not mobile_only and LANDLINE.match(text):
        return text
    return None


def clean_industry(value: str) -> str | None:
    """A GB/T 4754 section letter or (letter and) 2–4 digit code, else None."""
    text = (value or "").strip().upper()
    return text if INDUSTRY.match(text) else None
