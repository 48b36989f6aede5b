"""The API's orjson renderer writes the values ninja's own JSON renderer writes."""

import datetime
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.renderers import JSONRenderer

from zhitongche.api.renderers import OrjsonRenderer
from zhitongche.appeals.models import Stage


class Point(Schema):
    x: int
    label: str


VALUES = {
    "utc": datetime.datetime(2025, 10, 14, 15, 59, 59, 123456, tzinfo=datetime.UTC),
    "utc_whole": datetime.datetime(2025, 10, 14, 15, 59, 59, tzinfo=datetime.UTC),
    "shanghai": datetime.datetime(2025, 10, 14, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai")),
    "naive": datetime.datetime(2025, 10, 14, 23, 59, 59, 500),
    "date": datetime.date(2025, 10, 1),
    "time": datetime.time(8, 30, 15, 250000),
    "duration": datetime.timedelta(days=1, seconds=5),
    "decimal": decimal.Decimal("72.35"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "choice": Stage.HANDLING,
    "lazy": gettext_lazy("诉求"),
    "schema": Point(x=1, label="点"),
    "chinese": "鞍山市营商环境建设局",
    "numbers": [1, -2, 0.5, 1e-7, 12345678901234, True, None],
    "int_keys": {1: "一", 2: ["二"]},
    "nested": [{"at": datetime.datetime(2026, 2, 16, 0, 0, tzinfo=datetime.UTC), "tuple": (1, "a")}],
}


def test_the_values_are_those_ninjas_renderer_writes():
    ours = OrjsonRenderer().render(None, VALUES, response_status=200)
    ninja = JSONRenderer().render(None, VALUES, response_status=200)
    assert json.loads(ours) == json.loads(ninja)
    assert json.loads(ours)["utc"] == "2025-10-14T15:59:59.123Z" and json.loads(ours)["shanghai"].endswith("+08:00")
    assert "鞍山市营商环境建设局".encode() in ours  # UTF-8, not \\u escapes


def test_the_api_answers_with_it(client):
    response = client.get("/api/v1/calendar/deadline", {"start": "2025-09-30", "working_days": 5})
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b'{"due_at":"2025-10-14T23:59:59+08:00"}'
