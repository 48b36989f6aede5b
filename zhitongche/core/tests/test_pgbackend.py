"""The PostgreSQL backend's health check: no query on an idle connection, and a closed one is still noticed."""

import select

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own check"),
              pytest.mark.django_db(transaction=True)]


def test_an_idle_connection_is_usable_without_a_query(monkeypatch):
    connection.ensure_connection()

    def no_queries(*args, **kwargs):
        raise AssertionError("the health check asked the server")

    monkeypatch.setattr(connection.connection, "cursor", no_queries)
    assert connection.is_usable()


def test_a_connection_the_server_closed_is_not_usable_and_is_replaced():
    from zhitongche.regions.models import Division

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    ready, _, _ = select.select([connection.connection.fileno()], [], [], 10)
    assert ready
    assert connection.is_usable() is False
    # What Django does at the start of the next request: the dead connection is dropped, a new one made.
    connection.close_if_unusable_or_obsolete()
    assert Division.objects.filter(code="210300").exists()
    assert connection.connection.info.backend_pid != pid



def test_more_objects_than_one_statement_may_bind_are_written_and_deleted_in_batches():
    import datetime

    from django.db.models.deletion import Collector

    from zhitongche.core.models import CalendarDay, CalendarYear

    # 70,000 rows of 3 columns: one statement for all of them would bind 210,000 parameters.
    year = CalendarYear.objects.create(year=3000, source="批量写入测试")
    first = datetime.date(3000, 1, 1)
    days = [CalendarDay(year=year, date=first + datetime.timedelta(days=n), working=False) for n in range(70_000)]
    CalendarDay.objects.bulk_create(days)
    assert CalendarDay.objects.filter(year=year).count() == 70_000
    # A deletion looks up the related rows of the objects it deletes in batches of the same bound.
    batches = Collector(using="default").get_del_batches(days, [CalendarDay._meta.get_field("year")])
    assert len(batches) > 1 and sum(map(len, batches)) == 70_000
    assert max(map(len, batches)) <= 65_535
