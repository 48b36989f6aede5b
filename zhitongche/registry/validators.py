"""Validation of registry values shared by the import, the services and the API."""

import re

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
INDUSTRY = re.compile(r"^(?:[A-T]|[A-T]?\d{2,4})$")


def clean_uscc(value: str) -> str | None:
    """The 统一社会信用代码 upper-cased if valid per GB 32100 (check character included), else None."""
    text = (value or "").strip().upper()
    if len(text) != 18:
        return None
    try:
        return str(stdnum_uscc.validate(text))
    except ValidationError:
        return None


def clean_phone(value: str, *, mobile_only: bool = False) -> str | None:
    """A mainland mobile (1[3-9] and 9 digits) or a landline (area code and number, dash optional); else None."""
    if MOBILE.match(value or ""):
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
