"""Bad input answers 4xx with a clear code and changes nothing (no appeal, no event, no audit row)."""

import pytest

from zhitongche.appeals.models import Appeal, AppealEvent, Stage
from zhitongche.core.models import AuditLog

from .fixtures import appeal_at, state, submit

GOOD = {"channel": "online", "category": "general", "title": "标题", "content": "内容"}


def counts():
    return Appeal.objects.count(), AppealEvent.objects.count(), AuditLog.objects.count()


@pytest.mark.parametrize(("change", "code"), [
    ({"title": ""}, "missing"),
    ({"title": "   "}, "missing"),
    ({"content": ""}, "missing"),
    ({"title": "长" * 101}, "too_long"),
    ({"content": "长" * 2001}, "too_long"),
    ({"category": "whatever"}, "invalid_category"),
    ({"channel": "fax"}, "invalid_channel"),
    ({"enterprise": "X" * 30}, "invalid_uscc"),
])
def test_submit_bad_fields(world, api, change, code):
    client = api(world.enterprise_user)
    before = counts()
    r = client.post("/api/v1/appeals", {"enterprise": world.ent.uscc, **GOOD, **change})
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == code
    assert counts() == before


@pytest.mark.parametrize("missing", ["enterprise", "category", "title", "content"])
def test_submit_missing_keys(world, api, missing):
    client = api(world.enterprise_user)
    before = counts()
    body = {"enterprise": world.ent.uscc, **GOOD}
    body.pop(missing)
    r = client.post("/api/v1/appeals", body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"
    assert counts() == before


def test_submit_unknown_enterprise_is_404(world, api):
    client = api(world.bureau)
    before = counts()
    from zhitongche.registry.identifiers import make_uscc

    # A well-formed code no enterprise has (a malformed one is 400 invalid_uscc, see above).
    r = client.post("/api/v1/appeals", {"enterprise": make_uscc("210302", 99_999), **GOOD})
    assert r.status_code == 404 and counts() == before
    assert client.post("/api/v1/appeals", {"enterprise": "91210302000000000X", **GOOD}).json()["error"]["code"] == \
        "invalid_uscc"


@pytest.mark.parametrize(("stage", "action", "data", "code"), [
    (Stage.SUBMITTED, "reject", {}, "missing"),
    (Stage.SUBMITTED, "reject", {"reason": "  "}, "missing"),
    (Stage.ACCEPTED, "dispatch", {"lead_department": "NOPE"}, "unknown_department"),
    (Stage.ACCEPTED, "dispatch", {"lead_department": "RSJ", "co_departments": ["ZJJ", "NOPE"]}, "unknown_department"),
    (Stage.ACCEPTED, "dispatch", {"lead_department": "RSJ", "co_departments": ["RSJ"]}, "lead_in_co_departments"),
    (Stage.ACCEPTED, "dispatch", {}, "missing"),
    (Stage.ACCEPTED, "dispatch", {"lead_department": "RSJ", "note": "长" * 1001}, "too_long"),
    (Stage.DISPATCHED, "return", {}, "missing"),
    (Stage.HANDLING, "extend", {"days": 0, "reason": "x"}, "invalid_days"),
    (Stage.HANDLING, "extend", {"days": 31, "reason": "x"}, "invalid_days"),
    (Stage.HANDLING, "extend", {"reason": "x"}, "invalid_days"),
    (Stage.HANDLING, "extend", {"days": 2}, "missing"),
    (Stage.HANDLING, "extend", {"days": "abc", "reason": "x"}, "invalid_input"),
    (Stage.HANDLING, "reply", {"content": "已办"}, "missing"),
    (Stage.HANDLING, "reply", {"resolved": True}, "missing"),
    (Stage.HANDLING, "reply", {"content": "长" * 2001, "resolved": True}, "too_long"),
    (Stage.REPLIED, "revisit", {"note": "x"}, "missing"),
    (Stage.REVISITED, "evaluate", {"rating": "excellent"}, "invalid_rating"),
    (Stage.REVISITED, "evaluate", {}, "invalid_rating"),
    (Stage.REVISITED, "evaluate", {"rating": "satisfied", "comment": "长" * 1001}, "too_long"),
])
def test_action_bad_fields_change_nothing(world, api, stage, action, data, code):
    appeal = appeal_at(world, stage)
    user = {"return": world.rsj, "reply": world.rsj, "revisit": world.steward_user,
            "evaluate": world.enterprise_user}.get(action, world.bureau)
    client = api(user)
    before = state(appeal)
    r = client.post(f"/api/v1/appeals/{appeal.pk}/actions/{action}", data)
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == code
    assert state(appeal) == before


def test_unknown_action_and_appeal(world, api):
    appeal = appeal_at(world, Stage.SUBMITTED)
    client = api(world.bureau)
    before = state(appeal)
    r = client.post(f"/api/v1/appeals/{appeal.pk}/actions/approve")
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_action"
    assert "merge" in r.json()["error"]["message"]  # the message lists the actions there are
    assert client.post("/api/v1/appeals/999999/actions/accept").status_code == 404
    assert client.get("/api/v1/appeals/abc").status_code in (400, 404)
    r = client.post(f"/api/v1/appeals/{appeal.pk}/actions/accept", "not json", content_type="application/json")
    assert r.status_code == 400
    assert state(appeal) == before


def test_stats_bad_parameters(world, api):
    client = api(world.bureau)
    assert client.get("/api/v1/stats/appeals", **{"from": "2025-13-01"}).status_code == 400
    assert client.get("/api/v1/stats/appeals", **{"from": "2025-12-01", "to": "2025-01-01"}).status_code == 400
    assert client.get("/api/v1/stats/appeals", region="999999").status_code == 400
    assert client.get("/api/v1/stats/appeals", department="NOPE").status_code == 400


def test_failed_submission_leaves_no_file_behind(world, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhitongche.appeals import services
    from zhitongche.appeals.models import Attachment

    stored = []
    real_save = Attachment.save

    def save_then_remember(self, *args, **kwargs):
        stored.append(self.file.name)
        return real_save(self, *args, **kwargs)

    def fail(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(Attachment, "save", save_then_remember)
    monkeypatch.setattr(services, "notify", fail)
    png = SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    with pytest.raises(RuntimeError):
        submit(world, files=[png])
    assert len(stored) == 1 and not Attachment.objects.exists()
    assert not Attachment.file.field.storage.exists(stored[0])
