"""The `ztc` command from the outside: exit codes, one-line errors, --json, nothing written on failure."""

import json

import pytest

from zhitongche.accounts.models import ApiToken, User
from zhitongche.cli import main
from zhitongche.core.models import AuditLog
from zhitongche.regions.models import Department


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_add_and_json(departments, capsys):
    code, out, err = run(capsys, "user", "add", "wang", "--role", "department", "--department", "RSJ",
                         "--password", "Good-pass-2026", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["username"] == "wang" and data["role"] == "department" and "password" not in data
    user = User.objects.get(username="wang")
    assert user.department.code == "RSJ" and user.check_password("Good-pass-2026")


def test_user_add_generates_a_password(departments, capsys):
    code, out, _ = run(capsys, "user", "add", "li", "--role", "overseer", "--json")
    assert code == 0
    password = json.loads(out)["password"]
    assert User.objects.get(username="li").check_password(password)


@pytest.mark.parametrize("argv,fragment", [
    (["user", "add", "x", "--role", "king"], "未知角色"),
    (["user", "add", "x", "--role", "department", "--department", "NOPE"], "NOPE"),
    (["user", "add", "x", "--role", "bureau"], "--region"),
    (["user", "add", "x", "--role", "bureau", "--region", "110101"], "110101"),
    (["user", "add", "x", "--role", "overseer", "--password", "short"], "密码"),
    (["user", "add", "x"], "--role"),
    (["department", "add", "X1", "某部门", "--kind", "galaxy"], "galaxy"),
    (["department", "add", "X1", "某部门", "--kind", "district"], "--region"),
    (["department", "add", "X1", "某部门", "--kind", "city", "--responsible", "unicorns"], "unicorns"),
    (["token", "nobody"], "nobody"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_commands_fail_with_one_line_and_write_nothing(departments, capsys, argv, fragment):
    users, depts, audits = User.objects.count(), Department.objects.count(), AuditLog.objects.count()
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert (User.objects.count(), Department.objects.count(), AuditLog.objects.count()) == (users, depts, audits)


def test_duplicate_user_fails(departments, capsys):
    assert run(capsys, "user", "add", "dup", "--role", "overseer")[0] == 0
    code, out, err = run(capsys, "user", "add", "dup", "--role", "steward")
    assert code == 1 and "已存在" in err and len(err.strip().splitlines()) == 1
    assert User.objects.get(username="dup").role == "overseer"


def test_department_add_creates_then_updates(db, capsys):
    code, out, _ = run(capsys, "department", "add", "z210371", "高新区管委会", "--kind", "zone", "--region", "210371",
                       "--responsible", "other", "--duties", "园区企业服务", "--json")
    assert code == 0 and json.loads(out)["created"] is True
    code, out, _ = run(capsys, "department", "add", "Z210371", "鞍山高新区管委会", "--kind", "zone", "--region",
                       "210371", "--json")
    assert code == 0 and json.loads(out)["created"] is False
    dept = Department.objects.get(code="Z210371")
    assert dept.name == "鞍山高新区管委会" and dept.responsible_categories == ["other"] and dept.duties == "园区企业服务"


def test_token_prints_a_working_token(departments, capsys, client):
    run(capsys, "user", "add", "api-user", "--role", "leader", "--region", "210300")
    code, out, _ = run(capsys, "token", "api-user")
    raw = out.strip()
    assert code == 0 and raw.startswith("ztc_") and ApiToken.objects.filter(user__username="api-user").count() == 1
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200 and r.json()["username"] == "api-user"


def test_migrate_json(db, capsys):
    code, out, _ = run(capsys, "migrate", "--json")
    assert code == 0 and json.loads(out) == {"applied": []}


def test_demo_is_idempotent(db, capsys):
    code, out, _ = run(capsys, "demo", "--json")
    assert code == 0
    first = json.loads(out)
    users = User.objects.count()
    assert first["loaded"] and users == len(first["logins"])
    code, out, _ = run(capsys, "demo", "--if-empty", "--json")
    assert code == 0 and json.loads(out)["loaded"] is False and User.objects.count() == users


@pytest.mark.parametrize(("base", "port", "warned"), [("http://127.0.0.1:8000", "8123", True),
                                                       ("http://127.0.0.1:8000", "8000", False),
                                                       ("http://[::1]:8000", "8123", True)])
def test_serve_warns_when_the_public_address_names_another_local_port(db, capsys, monkeypatch, settings, base,
                                                                      port, warned):
    import os

    settings.PUBLIC_BASE_URL = base
    started = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    code, out, _ = run(capsys, "serve", "--port", port)
    assert code == 0 and started and f"127.0.0.1:{port}" in started[0]
    assert ("ZTC_PUBLIC_BASE_URL" in out) is warned
