"""Writes owned by the core: the official calendar of years the library does not cover yet."""

import datetime
from typing import Any

from django.db import transaction

from . import audit
from .calendar import forget_entered_years, library_covers
from .errors import Conflict, InvalidInput
from .models import CalendarDay, CalendarYear


def calendar_year_set(*, actor: Any, year: int, source: str, holidays: list[datetime.date],
                      workdays: list[datetime.date]) -> CalendarYear:
    """Enter (or replace) a year's official holiday arrangement: weekday holidays and working weekend days."""
    source = (source or "").strip()
    if not source or len(source) > 300:
        raise InvalidInput("请注明依据（如国务院办公厅通知的标题或文号），不超过 300 字", code="missing_source")
    if library_covers(year):
        raise Conflict(f"{year} 年的安排已由日历库提供，无需录入", code="calendar_covered")
    wrong_year = [d for d in [*holidays, *workdays] if d.year != year]
    if wrong_year:
        raise InvalidInput(f"日期 {wrong_year[0]} 不在 {year} 年内", code="wrong_year")
    both = set(holidays) & set(workdays)
    if both:
        raise InvalidInput(f"日期 {min(both)} 不能既放假又上班", code="conflicting_days")
    weekday_workdays = [d for d in workdays if d.weekday() < 5]
    if weekday_workdays:
        raise InvalidInput(f"{weekday_workdays[0]} 是工作日，调休上班日应为周末", code="workday_not_weekend")
    days = {d: False for d in holidays if d.weekday() < 5} | {d: True for d in workdays}
    with transaction.atomic():
        # Locked get_or_create: two admins entering a new year at once both succeed, one after the other.
        entry, created = CalendarYear.objects.select_for_update().get_or_create(year=year, defaults={"source": source})
        previous = None if created else entry.source
        if not created:
            entry.source = source
            entry.save(update_fields=["source"])
        before = dict(CalendarDay.objects.filter(year=entry).values_list("date", "working"))
        CalendarDay.objects.filter(year=entry).delete()
        CalendarDay.objects.bulk_create([CalendarDay(year=entry, date=d, working=w) for d, w in sorted(days.items())])
        audit.record(actor=actor, action="calendar.set", obj=entry, changes={
            "source": [previous, source],
            "days": [{str(d): w for d, w in sorted(before.items())}, {str(d): w for d, w in sorted(days.items())}],
        })
    forget_entered_years()
    return entry
