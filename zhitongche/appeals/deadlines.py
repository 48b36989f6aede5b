"""Deadlines of CONTRACT.md §5 on the official calendar (core.calendar), and working days between two dates."""

import datetime

from zhitongche.core.calendar import deadline, is_working_day, local_date

from .models import REPLY_DAYS, SIGN_DAYS, Category


def dispatch_deadlines(category: str, at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """(sign deadline, reply deadline) for an appeal of `category` dispatched at `at`, counted after that day."""
    day = local_date(at)
    return deadline(day, SIGN_DAYS), deadline(day, REPLY_DAYS[Category(category)])


def reply_deadline(category: str, at: datetime.datetime) -> datetime.datetime:
    """A fresh reply deadline from `at` (used when a bad rating reopens an appeal)."""
    return deadline(local_date(at), REPLY_DAYS[Category(category)])


def extended(due_at: datetime.datetime, working_days: int) -> datetime.datetime:
    """The reply deadline moved by `working_days` working days."""
    return deadline(local_date(due_at), working_days)


def working_days_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end` (0 on the same day)."""
    day, last = local_date(start), local_date(end)
    count = 0
    while day < last:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count
