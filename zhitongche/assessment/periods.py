"""Assessment periods: a year (2025), a half (2025-H1), a quarter (2025-Q3) or a month (2025-07)."""

import calendar
import datetime
import re

from zhitongche.core.errors import InvalidInput

PERIOD_RE = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")


def clean_period(value: object, field: str = "period") -> str:
    """A valid period string or InvalidInput naming the field."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not PERIOD_RE.match(text) or not 2000 <= int(text[:4]) <= 2100:
        raise InvalidInput(f"考核期格式应为 2025、2025-H1、2025-Q3 或 2025-07，收到：{value!r}"[:200],
                           code="invalid_period", details={"field": field})
    return text


def period_start(period: str) -> datetime.date:
    """The first day of a (valid) period."""
    end = period_end(period)
    part = period[5:]
    months = 12 if not part else 6 if part.startswith("H") else 3 if part.startswith("Q") else 1
    return datetime.date(end.year, end.month - months + 1, 1)


def period_end(period: str) -> datetime.date:
    """The last day of a (valid) period."""
    match = PERIOD_RE.match(period)
    if match is None:
        raise ValueError(period)
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        month = 12
    elif part.startswith("H"):
        month = 6 * int(part[1])
    elif part.startswith("Q"):
        month = 3 * int(part[1])
    else:
        month = int(part)
    return datetime.date(year, month, calendar.monthrange(year, month)[1])
