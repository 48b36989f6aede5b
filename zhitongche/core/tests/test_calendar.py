import datetime

import pytest

from zhitongche.core.calendar import CalendarUnavailable, add_working_days, deadline, is_working_day
from zhitongche.core.errors import DomainError


def test_contract_example_across_national_day_2025():
    # CONTRACT.md §5: a general appeal dispatched on 2025-09-30 is due 2025-10-14T23:59:59+08:00.
    due = deadline(datetime.date(2025, 9, 30), 5)
    assert due.isoformat() == "2025-10-14T23:59:59+08:00"


def test_adjusted_weekend_days_count_as_working_days():
    assert is_working_day(datetime.date(2025, 9, 28))  # Sunday, worked for National Day
    assert is_working_day(datetime.date(2025, 10, 11))  # Saturday, worked for National Day
    assert not is_working_day(datetime.date(2025, 10, 8))  # last day of the holiday
    assert add_working_days(datetime.date(2025, 9, 26), 1) == datetime.date(2025, 9, 28)


def test_spring_festival_2026():
    # 2026 Spring Festival: Feb 15–23 off, Feb 14 (Sat) and Feb 28 (Sat) worked.
    assert is_working_day(datetime.date(2026, 2, 14))
    assert not is_working_day(datetime.date(2026, 2, 16))
    assert add_working_days(datetime.date(2026, 2, 13), 1) == datetime.date(2026, 2, 14)
    assert add_working_days(datetime.date(2026, 2, 14), 1) == datetime.date(2026, 2, 24)


def test_zero_working_days_is_the_start_day():
    assert deadline(datetime.date(2025, 3, 3), 0).isoformat() == "2025-03-03T23:59:59+08:00"


def test_year_without_data_is_refused_not_guessed(db):
    with pytest.raises(CalendarUnavailable) as exc:
        add_working_days(datetime.date(2099, 12, 20), 3)
    assert exc.value.code == "calendar_unavailable"
    assert exc.value.details == {"year": 2099}


@pytest.mark.parametrize("days", [-1, 367])
def test_working_days_out_of_range(days):
    with pytest.raises(DomainError) as exc:
        add_working_days(datetime.date(2025, 3, 3), days)
    assert exc.value.status == 400


def test_deadline_api(client):
    r = client.get("/api/v1/calendar/deadline", {"start": "2025-09-30", "working_days": 5})
    assert r.status_code == 200
    assert r.json() == {"due_at": "2025-10-14T23:59:59+08:00"}


@pytest.mark.parametrize("params,status,code", [
    ({"start": "2025-13-01", "working_days": 1}, 400, "invalid_input"),
    ({"start": "2025-09-30", "working_days": -2}, 400, "invalid_input"),
    ({"start": "2025-09-30", "working_days": "abc"}, 400, "invalid_input"),
    ({"start": "2025-09-30"}, 400, "invalid_input"),
    ({"start": "2099-01-05", "working_days": 3}, 422, "calendar_unavailable"),
    ({"start": "9" * 5000, "working_days": 3}, 400, "invalid_input"),
])
def test_deadline_api_bad_input(db, client, params, status, code):
    r = client.get("/api/v1/calendar/deadline", params)
    assert r.status_code == status
    body = r.json()["error"]
    assert body["code"] == code and body["message"]


def test_entered_year_is_used_where_the_library_stops(db, capsys):
    from zhitongche.cli import main
    from zhitongche.core.calendar import forget_entered_years
    from zhitongche.core.models import AuditLog

    forget_entered_years()
    with pytest.raises(CalendarUnavailable):
        add_working_days(datetime.date(2099, 9, 30), 5)
    # A made-up arrangement for 2099: Oct 1–7 off (Thu–Wed), Sat Oct 10 worked.
    holidays = [f"2099-10-0{d}" for d in range(1, 8)]
    code = main(["calendar", "set", "2099", "--source", "测试用安排", "--holidays", *holidays,
                 "--workdays", "2099-10-10", "--json"])
    assert code == 0, capsys.readouterr().err
    assert add_working_days(datetime.date(2099, 9, 30), 1) == datetime.date(2099, 10, 8)
    assert add_working_days(datetime.date(2099, 9, 30), 3) == datetime.date(2099, 10, 10)
    assert AuditLog.objects.filter(action="calendar.set", object_id="2099").count() == 1
    assert main(["calendar", "set", "2099", "--source", "更正后的安排", "--holidays", *holidays]) == 0
    replaced = AuditLog.objects.filter(action="calendar.set", object_id="2099").latest("id")
    assert replaced.changes["source"] == ["测试用安排", "更正后的安排"]
    forget_entered_years()


@pytest.mark.parametrize("argv,fragment", [
    (["2026", "--source", "x"], "日历库"),
    (["2099", "--source", "x", "--workdays", "2099-10-12"], "周末"),
    (["2099", "--source", "x", "--holidays", "2098-10-01"], "2099"),
    (["2099", "--source", "x", "--holidays", "2099-10-10", "--workdays", "2099-10-10"], "既放假又上班"),
    (["2099", "--source", "", "--holidays", "2099-10-01"], "依据"),
    (["2099", "--source", "x", "--holidays", "2099-13-01"], "YYYY-MM-DD"),
])
def test_calendar_set_refuses_bad_input(db, capsys, argv, fragment):
    from zhitongche.cli import main
    from zhitongche.core.models import CalendarDay, CalendarYear

    assert main(["calendar", "set", *argv]) != 0
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()


def test_demo_and_tests_move_the_clock_only_when_the_calendar_stops_short(db):
    from zhitongche.core.calendar import SHANGHAI, library_covers
    from zhitongche.core.demo import clock_from, moved_clock_anchor

    last = 2026
    while library_covers(last + 1):
        last += 1
    assert moved_clock_anchor(datetime.datetime(last, 6, 1, 10, tzinfo=SHANGHAI)) is None
    anchor = datetime.datetime(last, 9, 1, 10, tzinfo=SHANGHAI)
    assert moved_clock_anchor(datetime.datetime(last, 12, 20, 10, tzinfo=SHANGHAI)) == anchor
    assert moved_clock_anchor(datetime.datetime(last + 2, 3, 1, 10, tzinfo=SHANGHAI)) == anchor
    from django.utils import timezone

    before = timezone.now
    with clock_from(anchor):
        assert anchor <= timezone.now() < anchor + datetime.timedelta(minutes=1)
        deadline(timezone.localdate(), 15)  # computable on the moved clock
    assert timezone.now is before
