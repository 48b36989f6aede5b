"""`ztc license-type add` and `ztc keys` from the outside."""

import json

import pytest
from django.test import override_settings

from zhitongche.cli import main
from zhitongche.core.models import AuditLog
from zhitongche.licenses import keys
from zhitongche.licenses.models import LicenseType


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_license_type_add_creates_then_updates(departments, capsys):
    code, out, err = run(capsys, "license-type", "add", "LWPQ", "劳务派遣经营许可证", "--department", "RSJ",
                         "--valid-years", "3", "--field", "legalRepresentative=法定代表人",
                         "--optional-field", "address=住所", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["created"] is True and data["department"] == "RSJ" and data["valid_years"] == 3
    assert data["fields"] == [{"key": "legalRepresentative", "label": "法定代表人", "required": True},
                              {"key": "address", "label": "住所", "required": False}]
    code, out, _ = run(capsys, "license-type", "add", "LWPQ", "劳务派遣经营许可证（新）", "--department", "RSJ")
    assert code == 0 and "已更新" in out
    lt = LicenseType.objects.get(code="LWPQ")
    assert lt.name == "劳务派遣经营许可证（新）" and lt.valid_years == 3 and len(lt.fields) == 2
    assert AuditLog.objects.filter(action__startswith="license_type.").count() == 2


def test_indefinite_validity(departments, capsys):
    assert run(capsys, "license-type", "add", "YYZZ", "营业执照", "--department", "SCJ")[0] == 0
    assert LicenseType.objects.get(code="YYZZ").valid_years is None


@pytest.mark.parametrize("argv,fragment", [
    (["license-type", "add", "X", "名称", "--department", "RSJ"], "类型代码"),
    (["license-type", "add", "lower!", "名称", "--department", "RSJ"], "类型代码"),
    (["license-type", "add", "ABC", "名称", "--department", "NOPE"], "NOPE"),
    (["license-type", "add", "ABC", "名称", "--department", "RSJ", "--valid-years", "500"], "有效期"),
    (["license-type", "add", "ABC", "名称", "--department", "RSJ", "--valid-years", "x"], "valid-years"),
    (["license-type", "add", "ABC", "名称", "--department", "RSJ", "--field", "noequals"], "KEY=中文名称"),
    (["license-type", "add", "ABC", "名称", "--department", "RSJ", "--field", "uscc=代码"], "保留名"),
    (["license-type", "add", "ABC", "名称", "--department", "RSJ", "--field", "a=甲", "--field", "a=乙"], "重复"),
    (["license-type", "add", "ABC", "", "--department", "RSJ"], "名称"),
    (["license-type", "add", "ABC", "名称"], "--department"),
])
def test_bad_license_type_commands_write_nothing(departments, capsys, argv, fragment):
    before = (LicenseType.objects.count(), AuditLog.objects.count())
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert (LicenseType.objects.count(), AuditLog.objects.count()) == before


def test_keys_list_and_rotate(db, capsys, tmp_path):
    with override_settings(ZTC_KEY_DIR=tmp_path / "keys"):
        keys.reset_caches()
        code, out, _ = run(capsys, "keys", "list", "--json")
        assert code == 0 and json.loads(out)["keys"] == []
        assert run(capsys, "keys", "rotate", "--json")[0] == 0
        code, out, _ = run(capsys, "keys", "rotate", "--json")
        rotated = json.loads(out)
        listed = json.loads(run(capsys, "keys", "list", "--json")[1])
        assert [k["status"] for k in listed["keys"]] == ["active", "retired"]
        assert listed["keys"][0]["key_id"] == rotated["key_id"] and listed["keys"][1]["key_id"] == rotated["previous"]
        assert listed["did"] == "did:web:localhost%3A8000"
        assert AuditLog.objects.filter(action="license_key.rotate").count() == 2
    keys.reset_caches()
