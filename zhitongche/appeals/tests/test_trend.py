"""The monthly trend of the figures (`/api/v1/stats/appeals/monthly`, the statistics page): each month is what
`/api/v1/stats/appeals` gives for its days, every number links to the appeals behind it, and scope holds."""

import datetime
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from zhitongche.appeals import selectors
from zhitongche.appeals.demo import bulk_history
from zhitongche.appeals.models import Appeal


@pytest.fixture
def history(world: SimpleNamespace) -> SimpleNamespace:
    """About a thousand appeals of two enterprises (铁东区, 铁西区) over the months up to now, in every stage."""
    enterprises = [(world.ent.pk, world.ent.region_id), (world.other.pk, world.other.region_id)]
    bulk_history(count=1200, enterprises=enterprises, seed=11, start=timezone.localdate() - datetime.timedelta(days=500))
    return world


def test_each_month_is_the_figures_of_its_days(history, api):
    today = timezone.localdate()
    body = api(history.bureau).get("/api/v1/stats/appeals/monthly", **{"from": "2024-01-01"}).json()
    months = body["months"]
    assert body["from"] == "2024-01-01" and body["to"] == today.isoformat()
    assert [m["month"] for m in months][-1] == f"{today:%Y-%m}" and len(months) == len({m["month"] for m in months})
    assert sum(m["total"] for m in months) == Appeal.objects.count() == 1200
    busy = [m for m in months if m["total"]]
    assert len(busy) >= 15
    for month in busy:
        same = api(history.bureau).get("/api/v1/stats/appeals", **{"from": month["from"], "to": month["to"]}).json()
        assert month["total"] == same["total"], month["month"]
        assert month["counts"] == {k: same["counts"][k] for k in selectors.TREND_FIGURES}, month["month"]
        assert month["rates"] == same["rates"], month["month"]


def test_every_number_of_a_month_links_to_its_appeals(history, api):
    client = api(history.bureau_tiedong)
    body = client.get("/api/v1/stats/appeals/monthly").json()
    month = next(m for m in reversed(body["months"]) if m["counts"]["rated"])
    for name, count in month["counts"].items():
        query = dict(parse_qsl(urlsplit(month["links"][name]).query))
        assert query["figure"] == name and query["from"] == month["from"] and query["to"] == month["to"]
        assert client.get("/api/v1/appeals", **query).json()["count"] == count, name


def test_the_period_defaults_to_a_year_and_stops_at_sixty_months(history, api):
    client = api(history.bureau)
    today = timezone.localdate()
    months = client.get("/api/v1/stats/appeals/monthly").json()["months"]
    assert len(months) == 12 and months[-1]["month"] == f"{today:%Y-%m}" and months[-1]["to"] == today.isoformat()
    assert months[0]["from"] == months[0]["month"] + "-01"
    long = client.get("/api/v1/stats/appeals/monthly", **{"from": "2000-01-01"}).json()
    assert len(long["months"]) == 60 and long["from"] == long["months"][0]["month"] + "-01"
    short = client.get("/api/v1/stats/appeals/monthly", **{"from": "2025-03-15", "to": "2025-05-10"}).json()
    assert [(m["month"], m["from"], m["to"]) for m in short["months"]] == [
        ("2025-03", "2025-03-15", "2025-03-31"), ("2025-04", "2025-04-01", "2025-04-30"),
        ("2025-05", "2025-05-01", "2025-05-10")]


def test_scope_roles_and_bad_input(history, api):
    def total(user, **params):
        response = api(user).get("/api/v1/stats/appeals/monthly", **{"from": "2024-01-01", **params})
        return sum(m["total"] for m in response.json()["months"]) if response.status_code == 200 else response

    tiedong = Appeal.objects.filter(region_id="210302").count()
    assert 0 < tiedong < 1200
    assert total(history.bureau_tiedong) == tiedong  # a district bureau sees its district only
    assert total(history.bureau, region="210302") == tiedong
    assert total(history.bureau_tiedong, region="210303") == 0
    assert total(history.rsj) == Appeal.objects.filter(lead_department__code="RSJ").count()
    for user in (history.enterprise_user, history.steward_user):
        refused = total(user)
        assert refused.status_code == 403
    bad = api(history.bureau).get("/api/v1/stats/appeals/monthly", **{"from": "2025-05-01", "to": "2025-04-01"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
    future = api(history.bureau).get("/api/v1/stats/appeals/monthly", **{"from": "2100-01-01"})
    assert future.status_code == 200 and future.json()["months"] == []
    unknown = api(history.bureau).get("/api/v1/stats/appeals/monthly", region="999999")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_region"


def test_the_statistics_page_shows_the_trend(history, client):
    client.force_login(history.bureau)
    text = client.get("/appeals/stats/").content.decode()
    today = timezone.localdate()
    assert "按月趋势" in text and 'id="chart-trend"' in text and "近 12 个月，最多 60 个月" in text
    assert f'<th scope="row">{today:%Y-%m}</th>' in text
    assert f"from={today:%Y-%m}-01" in text and "figure=signed_on_time" in text


def test_a_start_after_the_period_counts_no_month(world, django_assert_num_queries):
    with django_assert_num_queries(0):  # nothing to count: no query for it
        trend = selectors.appeal_trend(user=world.bureau, date_from=timezone.localdate() + datetime.timedelta(days=40))
    assert trend["months"] == [] and trend["from"] > trend["to"]
