import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from conftest import PASSWORD
from zhitongche.accounts import scopes
from zhitongche.accounts.models import ApiToken, User
from zhitongche.accounts.services import token_authenticate, token_create, token_revoke, user_create
from zhitongche.core.errors import DomainError
from zhitongche.core.models import AuditLog
from zhitongche.registry.models import Enterprise


@pytest.mark.parametrize("kwargs,code", [
    ({"role": "chief"}, "unknown_role"),
    ({"role": "department"}, "missing_scope"),
    ({"role": "department", "department": "NOPE"}, "unknown_department"),
    ({"role": "bureau"}, "missing_scope"),
    ({"role": "bureau", "region": "210302002"}, "unknown_region"),
    ({"role": "enterprise", "enterprise": "91210300MA0000000X"}, "unknown_enterprise"),
    ({"role": "steward", "password": "aaaaaaaaaaaa"}, "weak_password"),
    ({"role": "steward", "password": "Ab1"}, "weak_password"),
    ({"role": "steward", "username": ""}, "invalid_username"),
])
def test_user_create_refuses_bad_input_and_writes_nothing(departments, kwargs, code):
    users, audits = User.objects.count(), AuditLog.objects.count()
    args = {"actor": "test", "username": "newbie", "password": PASSWORD, **kwargs}
    with pytest.raises(DomainError) as exc:
        user_create(**args)
    assert exc.value.code == code and exc.value.message
    assert User.objects.count() == users and AuditLog.objects.count() == audits


def test_duplicate_user_is_refused(make_user):
    make_user("steward", username="dup")
    with pytest.raises(DomainError) as exc:
        user_create(actor="test", username="dup", role="overseer", password=PASSWORD)
    assert exc.value.code == "duplicate_user" and exc.value.status == 409
    assert User.objects.get(username="dup").role == "steward"


def test_user_create_records_audit(make_user):
    user = make_user("department", username="officer", department="FGW")
    entry = AuditLog.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.changes["role"] == [None, "department"]
    assert user.region_id == "210300"  # a city department's officer gets the department's region


def test_password_rules():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for bad in ["short1A", "abcdefghijk", "12345678901", "ABCDEFGHIJKL"]:
        with pytest.raises(ValidationError):
            validate_password(bad)
    validate_password("abcdefgh-2026")


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_after_five_failures(make_user, client):
    make_user("overseer", username="lockme")
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        r = login(client, "lockme", "wrong-password-1")
        assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()
    r = login(client, "lockme", PASSWORD)
    assert r.status_code == 200 and "账户已锁定" in r.content.decode()
    assert "_auth_user_id" not in client.session
    user = User.objects.get(username="lockme")
    assert user.locked_until > timezone.now() + datetime.timedelta(minutes=14)
    assert AuditLog.objects.filter(action="user.lock", object_id=str(user.pk)).exists()
    # Fifteen minutes later the right password works again.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    r = login(client, "lockme", PASSWORD)
    assert r.status_code == 302
    assert User.objects.get(pk=user.pk).failed_logins == 0


def test_four_failures_then_success_resets(make_user, client):
    make_user("overseer", username="careful")
    for _ in range(4):
        login(client, "careful", "wrong-password-1")
    assert login(client, "careful", PASSWORD).status_code == 302
    user = User.objects.get(username="careful")
    assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.parametrize("username, password", [("careful", ""), ("", "any-password-1"), ("", "")])
def test_an_empty_field_is_asked_for_not_a_server_error(make_user, client, username, password):
    make_user("overseer", username="careful")
    r = login(client, username, password)
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.get(username="careful").failed_logins == 0


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST


def test_tokens_are_hashed_shown_once_and_revocable(make_user):
    user = make_user("steward")
    token, raw = token_create(actor=user, user=user)
    assert raw.startswith("ztc_") and raw not in {t.key_hash for t in ApiToken.objects.all()}
    assert token_authenticate(raw) == user
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert token_authenticate(raw + "x") is None
    token_revoke(actor=user, token=token)
    assert token_authenticate(raw) is None
    with pytest.raises(DomainError) as exc:
        token_revoke(actor=user, token=token)
    assert exc.value.status == 409


def test_inactive_user_token_is_refused(make_user, api):
    user = make_user("steward")
    client = api(user)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Token abc", "Bearer ztc_" + "x" * 200, "garbage"])
def test_wrong_tokens_get_401(db, client, header):
    r = client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_token_api_round_trip(make_user, api):
    user = make_user("leader")
    client = api(user)
    r = client.post("/api/v1/tokens", {"name": "报表脚本"})
    assert r.status_code == 201
    new = r.json()
    assert new["token"].startswith("ztc_") and new["name"] == "报表脚本"
    listed = client.get("/api/v1/tokens").json()
    assert all("token" not in t for t in listed) and len(listed) == 2
    r = client.post(f"/api/v1/tokens/{new['id']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert ApiToken.objects.get(pk=new["id"]).revoked_at is not None


def test_cannot_revoke_someone_elses_token(make_user, api):
    owner, other = make_user("leader"), make_user("leader")
    token, _ = token_create(actor=owner, user=owner)
    r = api(other).post(f"/api/v1/tokens/{token.pk}/revoke")
    assert r.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_me_reports_scope(make_user, api):
    user = make_user("bureau", region="210302")
    body = api(user).get("/api/v1/me").json()
    assert body["role"] == "bureau" and body["region"] == "210302" and body["role_label"] == "营商局"


def test_scope_of_enterprises_by_role(make_user):
    from zhitongche.registry.demo import load as load_registry
    from zhitongche.registry.models import Steward

    load_registry(scale="small")
    every = Enterprise.objects.count()
    assert scopes.visible(make_user("admin"), Enterprise.objects.all()).count() == every
    assert scopes.visible(make_user("bureau", region="210300"), Enterprise.objects.all()).count() == every
    district = scopes.visible(make_user("bureau", region="210302"), Enterprise.objects.all())
    assert 0 < district.count() < every and set(district.values_list("region_id", flat=True)) == {"210302"}
    fgw = scopes.visible(make_user("department", department="FGW"), Enterprise.objects.all())
    assert fgw.count() > 0 and all(e.is_key_project for e in fgw)
    rsj = scopes.visible(make_user("department", department="RSJ"), Enterprise.objects.all())
    assert rsj.count() == 0
    steward = Steward.objects.first()
    steward_user = make_user("steward")
    Steward.objects.filter(pk=steward.pk).update(user=steward_user)
    mine = scopes.visible(steward_user, Enterprise.objects.all())
    assert mine.count() > 0 and all(e.assignments.filter(steward=steward).exists() for e in mine)
    ent = Enterprise.objects.last()
    assert list(scopes.visible(make_user("enterprise", enterprise=ent.uscc), Enterprise.objects.all())) == [ent]
    assert scopes.visible(make_user("overseer"), Enterprise.objects.all()).count() == 0


def test_anonymous_and_inactive_see_nothing(make_user):
    assert scopes.visible(None, User.objects.all()).count() == 0
    user = make_user("admin")
    user.is_active = False
    assert scopes.visible(user, User.objects.all()).count() == 0
    assert not scopes.may(user, "audit.read")


def test_token_lookup_is_one_query_with_the_scope_loaded(make_user, django_assert_num_queries):
    user = make_user("department", department="RSJ")
    _, raw = token_create(actor="test", user=user)
    token_authenticate(raw)  # the first use also records last_used_at
    with django_assert_num_queries(1):
        found = token_authenticate(raw)
        assert found == user and found.role == "department" and found.department.code == "RSJ"
        assert found.region.level == user.region.level
