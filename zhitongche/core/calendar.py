"""Working days on China's official calendar: weekends and statutory holidays off, adjusted weekend days on.

The `chinese-calendar` library answers for the years it knows. For a later year an admin enters the State
Council's arrangement (`ztc calendar set`, stored as CalendarYear/CalendarDay) until the library catches up;
a year known to neither is refused, never guessed.
"""

import datetime
import time
from zoneinfo import ZoneInfo

import chinese_calendar

from .errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_WORKING_DAYS = 366


class CalendarUnavailable(DomainError):
    """The holiday data has no entry for the year asked about, so we refuse to guess."""

    def __init__(self, day: datetime.date):
        super().__init__(
            "calendar_unavailable",
            f"{day.year} 年的法定节假日安排尚未收录，无法计算工作日",
            status=422,
            details={"year": day.year},
        )


OVERLAY_TTL_SECONDS = 60
_overlay_cache: dict[int, tuple[float, dict[datetime.date, bool] | None]] = {}


def library_covers(year: int) -> bool:
    """True when the calendar library has the official arrangement of `year`."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _entered_year(year: int) -> dict[datetime.date, bool] | None:
    # Cached per process for a minute: the arrangement is entered once a year, and deadlines loop over days.
    cached = _overlay_cache.get(year)
    if cached and time.monotonic() - cached[0] < OVERLAY_TTL_SECONDS:
        return cached[1]
    from .models import CalendarDay, CalendarYear

    days = None
    if CalendarYear.objects.filter(year=year).exists():
        days = dict(CalendarDay.objects.filter(year_id=year).values_list("date", "working"))
    _overlay_cache[year] = (time.monotonic(), days)
    return days


def forget_entered_years() -> None:
    """Drop the cached arrangements (after one is entered in this process)."""
    _overlay_cache.clear()


def covered_until(today: datetime.date) -> datetime.date | None:
    """The last day of the last consecutive year, from `today`'s on, that the official calendar covers."""
    year = today.year
    while year < today.year + 50 and is_known(datetime.date(year, 12, 31)):
        year += 1
    return datetime.date(year - 1, 12, 31) if year > today.year else None


def is_known(day: datetime.date) -> bool:
    """True when the official calendar (library or an entered year) covers `day`."""
    try:
        is_working_day(day)
    except CalendarUnavailable:
        return False
    return True


def is_working_day(day: datetime.date) -> bool:
    """True on an official working day (including adjusted weekend working days)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        entered = _entered_year(day.year)
        if entered is None:
            raise CalendarUnavailable(day) from exc
        return entered.get(day, day.weekday() < 5)


def add_working_days(start: datetime.date, working_days: int) -> datetime.date:
    """The date on which the `working_days`-th working day after `start` falls (start itself not counted)."""
    if working_days < 0 or working_days > MAX_WORKING_DAYS:
        raise DomainError("invalid_working_days", f"工作日数须在 0 到 {MAX_WORKING_DAYS} 之间", status=400)
    day = start
    remaining = working_days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    if working_days == 0:
        is_working_day(day)  # still refuse a year with no data
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """23:59:59 of `day` in Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=SHANGHAI)


def deadline(start: datetime.date, working_days: int) -> datetime.datetime:
    """The deadline `working_days` working days after `start`, at 23:59:59 Asia/Shanghai."""
    return end_of_day(add_working_days(start, working_days))


def local_date(moment: datetime.datetime) -> datetime.date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()
