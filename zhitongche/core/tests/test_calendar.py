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


def test_year_without_data_is_refused_not_guessed():
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
def test_deadline_api_bad_input(client, params, status, code):
    r = client.get("/api/v1/calendar/deadline", params)
    assert r.status_code == status
    body = r.json()["error"]
    assert body["code"] == code and body["message"]
