"""Deadlines in working days of the official calendar, across the 2025 National Day and 2026 Spring Festival."""

import datetime

import pytest

from zhitongche.appeals import services
from zhitongche.appeals.models import Appeal, Stage
from zhitongche.core.calendar import SHANGHAI

from .fixtures import appeal_at, submit


def dispatch(world, appeal, lead="RSJ"):
    services.appeal_accept(actor=world.bureau, appeal_id=appeal.pk)
    return services.appeal_dispatch(actor=world.bureau, appeal_id=appeal.pk, lead_department=lead)


def test_general_appeal_across_national_day_2025(world, clock):
    clock(2025, 9, 30, 10, 0)
    appeal = dispatch(world, submit(world, category="general"))
    assert appeal.due_at.isoformat() == "2025-10-14T23:59:59+08:00"  # the contract's example
    assert appeal.sign_due_at.astimezone(SHANGHAI).isoformat() == "2025-10-09T23:59:59+08:00"


@pytest.mark.parametrize(("category", "due"), [("consultation", "2025-10-09"), ("urgent", "2025-10-09"),
                                               ("general", "2025-10-14"), ("complex", "2025-10-28")])
def test_reply_days_by_category_national_day(world, clock, category, due):
    # 2025: Oct 1–8 off, Sat Oct 11 worked; complex = 15 working days from Oct 9.
    clock(2025, 9, 30, 16, 0)
    appeal = dispatch(world, submit(world, category=category))
    assert appeal.due_at.astimezone(SHANGHAI).date().isoformat() == due


def test_complex_appeal_across_spring_festival_2026(world, clock):
    # 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
    clock(2026, 2, 13, 9, 30)
    appeal = dispatch(world, submit(world, category="complex"))
    assert appeal.sign_due_at.astimezone(SHANGHAI).date() == datetime.date(2026, 2, 14)
    assert appeal.due_at.astimezone(SHANGHAI).date() == datetime.date(2026, 3, 12)


def test_dispatch_on_adjusted_saturday_counts_after_that_day(world, clock):
    clock(2026, 2, 14, 11, 0)  # a worked Saturday
    appeal = dispatch(world, submit(world, category="urgent"))
    assert appeal.due_at.isoformat() == "2026-02-24T23:59:59+08:00"


def test_extend_moves_due_date_by_working_days(world, clock):
    clock(2026, 2, 14, 11, 0)
    appeal = dispatch(world, submit(world, category="urgent"))
    services.appeal_sign(actor=world.rsj, appeal_id=appeal.pk)
    appeal = services.appeal_extend(actor=world.bureau, appeal_id=appeal.pk, days=3, reason="需现场核查")
    assert appeal.due_at.isoformat() == "2026-02-27T23:59:59+08:00"
    assert appeal.stage == Stage.HANDLING


@pytest.mark.parametrize("rating", ["dissatisfied", "very_dissatisfied"])
def test_bad_rating_reopens_with_fresh_deadline(world, clock, rating):
    clock(2025, 9, 1, 9, 0)
    appeal = appeal_at(world, Stage.REVISITED)
    clock(2025, 9, 30, 15, 0)
    appeal = services.appeal_evaluate(actor=world.enterprise_user, appeal_id=appeal.pk, rating=rating,
                                      comment="补贴只发了一半")
    appeal.refresh_from_db()
    assert appeal.stage == Stage.HANDLING and appeal.reopen_count == 1
    assert appeal.lead_department.code == "RSJ"
    assert appeal.due_at.astimezone(SHANGHAI).isoformat() == "2025-10-14T23:59:59+08:00"
    assert appeal.replied_at is None and appeal.confirmed is None and appeal.rating == rating


@pytest.mark.parametrize("rating", ["very_satisfied", "satisfied", "basically_satisfied"])
def test_good_rating_closes(world, rating):
    appeal = appeal_at(world, Stage.REVISITED)
    services.appeal_evaluate(actor=world.steward_user, appeal_id=appeal.pk, rating=rating)
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.stage == Stage.CLOSED and appeal.reopen_count == 0 and appeal.closed_at is not None


def test_handling_days_counted_in_working_days(world, clock):
    clock(2025, 9, 30, 10, 0)
    appeal = dispatch(world, submit(world))
    services.appeal_sign(actor=world.rsj, appeal_id=appeal.pk)
    clock(2025, 10, 10, 10, 0)  # Oct 9 and 10 are the first two working days after Sep 30
    services.appeal_reply(actor=world.rsj, appeal_id=appeal.pk, content="已办理", resolved=True)
    appeal.refresh_from_db()
    assert appeal.handling_days == 2 and appeal.overdue is False


def test_late_reply_is_marked_overdue(world, clock):
    clock(2025, 9, 30, 10, 0)
    appeal = dispatch(world, submit(world, category="urgent"))
    services.appeal_sign(actor=world.rsj, appeal_id=appeal.pk)
    clock(2025, 10, 10, 10, 0)  # due Oct 9
    services.appeal_reply(actor=world.rsj, appeal_id=appeal.pk, content="已办理", resolved=True)
    appeal.refresh_from_db()
    assert appeal.overdue is True
