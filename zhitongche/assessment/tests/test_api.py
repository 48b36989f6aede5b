"""CONTRACT §8 from the outside: POST /api/v1/assessment/db2020/simulate."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhitongche.assessment import db2020
from zhitongche.assessment.models import Db2020Scenario, Observation, Result
from zhitongche.core.models import AuditLog

URL = "/api/v1/assessment/db2020/simulate"


def _counts() -> tuple[int, ...]:
    return (AuditLog.objects.count(), Db2020Scenario.objects.count(), Observation.objects.count(),
            Result.objects.count())


def assert_bad(response: Any, field: str | None, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    assert error["details"]["field"] == field
    if code:
        assert error["code"] == code
    return error


@pytest.fixture
def client(make_user, api):
    return api(make_user("steward"))


@pytest.mark.parametrize("code", ["CHN", "CHN_Beij", "NZL", "SOM", "BRA", "BRAZ", "CHIN", "USA_Losa", "LIE"])
def test_happy_path_equals_engine(client, code):
    raw = db2020.published_raw(code)
    response = client.post(URL, raw)
    assert response.status_code == 200
    assert response.json() == db2020.simulate(raw)
    body = response.json()
    assert list(body["topics"]) == list(db2020.TOPICS) and body["of"] == 190


def test_china_rank_matches_published(client):
    body = client.post(URL, db2020.published_raw("CHN")).json()
    published = next(r for r in db2020.published_table().cities if r.code == "CHN")
    assert abs(body["score"] - published.score) < 0.05


def test_any_signed_in_role_may_simulate_but_anonymous_may_not(make_user, api):
    raw = db2020.published_raw("CHN_Beij")
    for role in ("admin", "bureau", "department", "leader", "clerk", "overseer"):
        assert api(make_user(role)).post(URL, raw).status_code == 200
    response = api(None).post(URL, raw)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def _with(**changes: Any) -> dict[str, Any]:
    raw = db2020.published_raw("CHN_Beij")
    raw.update(changes)
    return raw


@pytest.mark.parametrize(("body", "field", "code"), [
    ({**db2020.published_raw("CHN_Beij"), "sb_time_days": 5}, "sb_time_days", "unknown_field"),
    (_with(dcp_time_days=None), "dcp_time_days", "missing"),
    ({k: v for k, v in db2020.published_raw("CHN_Beij").items() if k != "ge_time_days"}, "ge_time_days", "missing"),
    (_with(dcp_time_days="111"), "dcp_time_days", "not_a_number"),
    (_with(dcp_time_days="一百天"), "dcp_time_days", "not_a_number"),
    (_with(dcp_time_days=-1), "dcp_time_days", "negative"),
    (_with(rp_time_days=-0.5), "rp_time_days", "negative"),
    (_with(pt_vat_status="refund"), "pt_vat_status", "invalid_choice"),
    (_with(pt_cit_status=3), "pt_cit_status", "invalid_choice"),
    (_with(dcp_no_practice=2), "dcp_no_practice", "invalid_choice"),
    (_with(dcp_no_practice=True), "dcp_no_practice", "invalid_choice"),
    (_with(ec_time_days=True), "ec_time_days", "not_a_number"),
    (_with(ec_time_days={"value": 1}), "ec_time_days", "not_a_number"),
    (_with(ec_time_days=[1]), "ec_time_days", "not_a_number"),
    (_with(gc_legal_rights_index_0_12=13), "gc_legal_rights_index_0_12", "out_of_range"),
])
def test_bad_input_is_400_naming_the_field_and_stores_nothing(client, body, field, code):
    before = _counts()
    assert_bad(client.post(URL, body), field, code)
    assert _counts() == before


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_400(client, text):
    raw = db2020.published_raw("CHN_Beij")
    raw["dcp_time_days"] = 0
    body = json.dumps(raw).replace('"dcp_time_days": 0', f'"dcp_time_days": {text}')
    assert_bad(client.post(URL, body), "dcp_time_days", "not_a_number")


@pytest.mark.parametrize("body", ["[]", "null", "5", '"text"', "true", "[1, 2]"])
def test_non_object_json_is_400(client, body):
    error = assert_bad(client.post(URL, body), None, "not_an_object")
    assert "对象" in error["message"]


@pytest.mark.parametrize("body", ["{", "", "\x00\xff", "{'a': 1}", "[" * 50000, '{"a": ' + "9" * 5000 + "}"])
def test_malformed_json_is_400(client, body):
    response = client.post(URL, body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_huge_body_is_refused_without_5xx(client):
    raw = db2020.published_raw("CHN_Beij")
    raw["padding"] = "x" * 3_000_000
    response = client.post(URL, raw)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    many = {f"k{i}": i for i in range(20000)}
    assert client.post(URL, many).status_code in (400, 413)


def test_an_empty_object_names_the_first_missing_field(client):
    error = assert_bad(client.post(URL, {}), "sb_procedures_men", "missing")
    assert "开办企业" in error["message"]


def test_openapi_documents_the_raw_columns(db, client):
    document = client.client.get("/api/v1/openapi.json").json()
    operation = document["paths"][URL.removeprefix("")]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert list(schema["properties"]) == list(db2020.RAW_COLUMNS)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(db2020.RAW_COLUMNS), value=JSON_VALUES)
def test_any_value_in_any_field_is_200_or_400(client, field, value):
    raw = db2020.published_raw("CHN_Beij")
    raw[field] = value
    response = client.post(URL, json.dumps(raw, allow_nan=True))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["error"]["details"]["field"] in (field, *db2020.RAW_COLUMNS)
