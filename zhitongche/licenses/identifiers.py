"""Licence identifiers issued by the platform.

Scheme (canonical form, upper case, hyphen separated)::

    RRRRRR-TTTT-YYYY-SSSSSSSS-C
    210302-SPJY-2025-7K3M9QXA-B

- ``RRRRRR``: the 6-digit administrative division code of the issuing region (GB/T 2260).
- ``TTTT``: the licence type code, 2 to 6 characters from ``0-9A-Z``.
- ``YYYY``: the year of first issuance.
- ``SSSSSSSS``: 8 characters of Crockford base32 (``0-9A-Z`` without ``I L O U``, so a
  person reading it aloud or typing it from paper cannot confuse 1/I/L or 0/O). It is random
  by default (40 bits), so identifiers cannot be enumerated from the public verification page;
  a caller that prefers a sequence passes ``serial`` and gets the same shape, zero padded.
  Uniqueness is the caller's job (a unique database column, retry on collision).
- ``C``: the ISO/IEC 7064 MOD 37,36 check character (hybrid system, alphabet ``0-9A-Z``),
  computed by ``stdnum.iso7064.mod_37_36`` over all the preceding characters with the hyphens
  removed. It detects every single-character error and every adjacent transposition.

Case: the canonical form is upper case and :func:`is_valid_identifier` accepts only that form,
so that each licence has exactly one URL. :func:`normalize_identifier` folds what a person may
type (lower case, full-width characters, surrounding spaces, no hyphens) into the canonical form;
call it before validating user input.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from stdnum.iso7064 import mod_37_36

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 8
MAX_SERIAL = len(CROCKFORD_ALPHABET) ** SERIAL_LENGTH - 1

_IDENTIFIER_RE = re.compile(
    r"(?P<region>[0-9]{6})-(?P<type_code>[0-9A-Z]{2,6})-(?P<year>[0-9]{4})"
    r"-(?P<serial>[0-9A-HJKMNP-TV-Z]{8})-(?P<check>[0-9A-Z])"
)
_COMPACT_RE = re.compile(r"([0-9]{6})([0-9A-Z]{2,6})([0-9]{4})([0-9A-HJKMNP-TV-Z]{8})([0-9A-Z])")


@dataclass(frozen=True)
class IdentifierParts:
    """The components of a valid licence identifier."""

    region: str
    type_code: str
    year: int
    serial: str
    check: str


def _encode_serial(value: int) -> str:
    """Write value in Crockford base32, zero padded to SERIAL_LENGTH characters."""
    chars = []
    for _ in range(SERIAL_LENGTH):
        value, digit = divmod(value, len(CROCKFORD_ALPHABET))
        chars.append(CROCKFORD_ALPHABET[digit])
    return "".join(reversed(chars))


def check_character(body: str) -> str:
    """Return the MOD 37,36 check character for an identifier body (hyphens ignored)."""
    return mod_37_36.calc_check_digit(body.replace("-", ""))


def make_identifier(region: str, type_code: str, year: int, serial: int | None = None) -> str:
    """Build a new canonical identifier; serial=None draws a random serial."""
    if not re.fullmatch(r"[0-9]{6}", region):
        raise ValueError("region must be a 6-digit division code")
    if not re.fullmatch(r"[0-9A-Z]{2,6}", type_code):
        raise ValueError("type_code must be 2-6 characters of 0-9A-Z")
    if not 1000 <= year <= 9999:
        raise ValueError("year must have 4 digits")
    if serial is None:
        serial = secrets.randbelow(MAX_SERIAL + 1)
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be between 0 and {MAX_SERIAL}")
    body = f"{region}-{type_code}-{year:04d}-{_encode_serial(serial)}"
    return f"{body}-{check_character(body)}"


def parse_identifier(s: object) -> IdentifierParts | None:
    """Split a canonical identifier into its parts, or None when it is not valid."""
    if not isinstance(s, str):
        return None
    match = _IDENTIFIER_RE.fullmatch(s)
    if match is None or not mod_37_36.is_valid(s.replace("-", "")):
        return None
    return IdentifierParts(
        region=match["region"],
        type_code=match["type_code"],
        year=int(match["year"]),
        serial=match["serial"],
        check=match["check"],
    )


def is_valid_identifier(s: object) -> bool:
    """True for a canonical (upper-case, hyphenated) identifier with a correct check character."""
    return parse_identifier(s) is not None


def normalize_identifier(s: str) -> str:
    """Fold typed input (case, full-width forms, spaces, missing hyphens) to the canonical form.

    The result is not validated; pass it to :func:`is_valid_identifier`.
    """
    folded = unicodedata.normalize("NFKC", s).strip().upper()
    folded = re.sub(r"[\s\-\u2010-\u2015\u2212]+", "-", folded)
    compact = folded.replace("-", "")
    match = _COMPACT_RE.fullmatch(compact)
    if match is None:
        return folded
    return "-".join(match.groups())
