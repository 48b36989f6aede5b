"""Every API failure has the contract's shape; no input makes the server answer 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def assert_error(response, status, code=None):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code
    return error


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/", "/api/v2/appeals", "/api/v1/calendar/deadline/x"])
def test_unknown_routes(db, client, path):
    assert_error(client.get(path), 404)


def test_wrong_method(db, client):
    assert_error(client.delete("/api/v1/calendar/deadline"), 405, "method_not_allowed")


def test_no_token(db, client):
    response = client.get("/api/v1/me")
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"] == "Bearer"


def test_malformed_json_body(make_user, api):
    client = api(make_user("steward"))
    for body in ["{", '{"name": 5}', '{"name": "' + "x" * 500 + '"}', "\x00\xff"]:
        assert_error(client.post("/api/v1/tokens", body), 400, "invalid_input")


def test_session_post_without_csrf_is_refused(make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("steward"))
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/tokens", "{}", content_type="application/json")
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)


def test_openapi_document_is_public(db, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json()["info"]["title"] == "政企直通车 API"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.text(max_size=40), days=st.text(max_size=12))
def test_deadline_never_5xx(db, client, start, days):
    response = client.get("/api/v1/calendar/deadline", {"start": start, "working_days": days})
    assert response.status_code < 500
