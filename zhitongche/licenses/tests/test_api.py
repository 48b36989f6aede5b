"""CONTRACT.md §7 from the outside: issuance, actions, credentials, DID document, status lists, verification."""

import copy
import datetime
import json

import pytest
from django.test import override_settings
from stdnum.iso7064 import mod_37_36

from zhitongche.core.models import AuditLog
from zhitongche.licenses import keys, vc
from zhitongche.licenses.models import License, LicenseUse, StatusList
from zhitongche.licenses.tests.conftest import FOOD_FIELDS

GOOD_FIELDS = {"legalRepresentative": "张三", "address": "铁东区胜利路 1 号", "businessScope": "热食类食品制售"}


def counts():
    return License.objects.count(), AuditLog.objects.count(), StatusList.objects.count()


def fetch(api, user, identifier, **params):
    response = api(user).get(f"/api/v1/licenses/{identifier}/credential", **params)
    assert response.status_code == 200, response.content
    return response.json()


def verify(client, credential):
    body = credential if isinstance(credential, str | bytes) else json.dumps(credential, ensure_ascii=False)
    return client.post("/api/v1/verify", body, content_type="application/json")


# --------------------------------------------------------------------------- issuance


def test_issue_returns_identifier_with_mod_37_36_check(api, issuer, food_type, make_enterprise):
    holder = make_enterprise()
    response = api(issuer).post("/api/v1/licenses", {"type": "SPJY", "holder": holder.uscc, "fields": GOOD_FIELDS,
                                                     "valid_until": "2030-09-29"})
    assert response.status_code == 201, response.content
    data = response.json()
    identifier = data["identifier"]
    assert mod_37_36.is_valid(identifier.replace("-", ""))
    assert identifier.startswith("210300-SPJY-")
    assert data["status"] == "active" and data["holder"] == holder.uscc and data["version"] == 1
    assert data["valid_until"].startswith("2030-09-29T23:59:59")
    assert AuditLog.objects.filter(action="license.issue", object_id=str(License.objects.get().pk)).exists()


def test_default_validity_from_the_type(issue):
    lic = issue()
    assert lic.valid_until is not None
    assert (lic.valid_until - lic.valid_from).days in range(1820, 1828)


@pytest.mark.parametrize("payload,status,code", [
    ({"type": "NOPE", "fields": GOOD_FIELDS}, 400, "unknown_type"),
    ({"holder": "91210302MA0Y3KUP0X", "fields": GOOD_FIELDS}, 400, "invalid_uscc"),
    ({"holder": "911101081234567890"[:17] + "0", "fields": GOOD_FIELDS}, 400, "invalid_uscc"),
    ({"fields": {"address": "x"}}, 400, "missing_field"),
    ({"fields": {**GOOD_FIELDS, "color": "red"}}, 400, "unknown_field"),
    ({"fields": {**GOOD_FIELDS, "address": "x" * 1001}}, 400, "invalid_field_value"),
    ({"fields": {**GOOD_FIELDS, "businessScope": {"deep": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}, 400, "invalid_field_value"),
    ({"fields": GOOD_FIELDS, "valid_until": "2001-01-01"}, 400, "invalid_valid_until"),
    ({"fields": GOOD_FIELDS, "valid_until": "soon"}, 400, "invalid_input"),
    ({"fields": "everything"}, 400, "invalid_input"),
    ({"fields": GOOD_FIELDS, "type": "x" * 5000}, 400, "invalid_input"),
])
def test_bad_issuance_is_4xx_and_writes_nothing(api, issuer, food_type, make_enterprise, payload, status, code):
    holder = make_enterprise()
    client = api(issuer)
    before = counts()
    body = {"type": "SPJY", "holder": holder.uscc, **payload}
    response = client.post("/api/v1/licenses", body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert counts() == before


def test_unknown_holder_and_deregistered_holder(api, issuer, food_type, make_enterprise):
    from zhitongche.registry.identifiers import make_uscc

    gone = make_enterprise(status="deregistered")
    client = api(issuer)
    before = counts()
    r = client.post("/api/v1/licenses", {"type": "SPJY", "holder": make_uscc("210302", 77777), "fields": GOOD_FIELDS})
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_holder"
    r = client.post("/api/v1/licenses", {"type": "SPJY", "holder": gone.uscc, "fields": GOOD_FIELDS})
    assert r.status_code == 422 and r.json()["error"]["code"] == "holder_deregistered"
    assert counts() == before


def test_only_the_issuing_department_issues(api, make_user, food_type, make_enterprise):
    holder = make_enterprise()
    clients = [api(user) for user in (make_user("department", department="RSJ"), make_user("admin"),
                                      make_user("bureau"), make_user("enterprise", enterprise=holder.uscc))]
    before = counts()
    for client in clients:
        r = client.post("/api/v1/licenses", {"type": "SPJY", "holder": holder.uscc, "fields": GOOD_FIELDS})
        assert r.status_code == 403, r.content
    assert api(None).post("/api/v1/licenses", {"type": "SPJY", "holder": holder.uscc}).status_code == 401
    assert counts() == before


# --------------------------------------------------------------------------- credential shape


def test_credential_shape(api, issue, issuer):
    lic = issue(fields=GOOD_FIELDS)
    cred = fetch(api, issuer, lic.identifier, purpose="日常监管")
    assert cred["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "VerifiableCredential" in cred["type"]
    assert cred["issuer"] == keys.issuer_did() == "did:web:localhost%3A8000"
    assert cred["validFrom"].endswith("+08:00") and cred["validUntil"].endswith("+08:00")
    subject = cred["credentialSubject"]
    assert subject["uscc"] == lic.holder.uscc and subject["licenseNumber"] == lic.identifier
    assert subject["legalRepresentative"] == "张三" and subject["businessScope"] == "热食类食品制售"
    status = cred["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"http://127.0.0.1:8000/credentials/status/{lic.status_list_id}"
    assert status["statusListIndex"] == str(lic.status_index)
    proof = cred["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert LicenseUse.objects.filter(license=lic, action="credential", purpose="日常监管", user=issuer).count() == 1


def test_credential_is_stable_between_fetches(api, issue, issuer):
    lic = issue()
    assert fetch(api, issuer, lic.identifier) == fetch(api, issuer, lic.identifier)
    assert LicenseUse.objects.filter(license=lic).count() == 2


def test_did_document_resolves_the_verification_method(api, client, issue, issuer):
    cred = fetch(api, issuer, issue().identifier)
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == cred["issuer"]
    method = next(m for m in document["verificationMethod"] if m["id"] == cred["proof"]["verificationMethod"])
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert cred["proof"]["verificationMethod"] in document["assertionMethod"]
    # An independent check: only the published document and the vc module's generic verifier.
    assert vc.verify(cred, vc.resolver_for_did_document(document)).valid


def test_status_list_is_public_signed_and_large(api, client, issue, issuer):
    cred = fetch(api, issuer, issue().identifier)
    url = cred["credentialStatus"]["statusListCredential"].replace("http://127.0.0.1:8000", "")
    response = client.get(url)
    assert response.status_code == 200 and "max-age" in response["Cache-Control"]
    status_list = response.json()
    document = client.get("/.well-known/did.json").json()
    assert vc.verify(status_list, vc.resolver_for_did_document(document)).valid
    assert len(vc.decode_list(status_list["credentialSubject"]["encodedList"])) * 8 >= 131072
    assert vc.is_revoked(cred["credentialStatus"], status_list) is False
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert client.get("/credentials/status/999999").status_code == 404


def test_status_indexes_are_random(issue):
    # Twelve draws: random ones come out in increasing order once in 12! (six failed once in 720 runs).
    indexes = [issue().status_index for _ in range(12)]
    assert len(set(indexes)) == 12 and indexes != sorted(indexes)


# --------------------------------------------------------------------------- verification and status


def test_valid_credential_verifies(api, client, issue, issuer):
    cred = fetch(api, issuer, issue().identifier)
    response = verify(client, cred)
    assert response.status_code == 200
    assert response.json() == {"valid": True, "status": "active", "errors": []}


def test_revoked_licence_is_invalid_everywhere(api, client, issue, issuer):
    lic = issue()
    cred = fetch(api, issuer, lic.identifier)
    client_as_issuer = api(issuer)
    before_audit = AuditLog.objects.count()
    r = client_as_issuer.post(f"/api/v1/licenses/{lic.identifier}/actions/revoke", {"reason": "以欺骗手段取得许可"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert AuditLog.objects.count() == before_audit + 1
    assert verify(client, cred).json() == {"valid": False, "status": "revoked", "errors": ["revoked"]}
    # A verifier that only reads the public status list sees it too.
    status_list = client.get(cred["credentialStatus"]["statusListCredential"].replace("http://127.0.0.1:8000", "")).json()
    assert vc.is_revoked(cred["credentialStatus"], status_list) is True
    # Final: nothing more can be done.
    for action, body in (("revoke", {"reason": "again"}), ("renew", {}), ("change", {"fields": {"address": "x"}})):
        r = api(issuer).post(f"/api/v1/licenses/{lic.identifier}/actions/{action}", body)
        assert r.status_code == 409, action


def test_revoke_needs_a_reason_and_writes_nothing_without(api, issue, issuer):
    lic = issue()
    client = api(issuer)
    before = (AuditLog.objects.count(), bytes(StatusList.objects.get(pk=lic.status_list_id).bits))
    for body in ({}, {"reason": "   "}):
        r = client.post(f"/api/v1/licenses/{lic.identifier}/actions/revoke", body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "missing_reason"
    assert (AuditLog.objects.count(), bytes(StatusList.objects.get(pk=lic.status_list_id).bits)) == before
    assert License.objects.get(pk=lic.pk).status == "active"


def test_change_supersedes_and_chains_versions(api, client, issue, issuer):
    lic = issue()
    old_cred = fetch(api, issuer, lic.identifier)
    r = api(issuer).post(f"/api/v1/licenses/{lic.identifier}/actions/change",
                         {"fields": {"address": "铁东区胜利路 2 号"}, "note": "住所变更"})
    assert r.status_code == 200, r.content
    new = r.json()
    assert new["version"] == 2 and new["previous"] == lic.identifier and new["identifier"] != lic.identifier
    assert new["fields"]["address"] == "铁东区胜利路 2 号" and new["fields"]["legalRepresentative"] == "张三"
    assert new["valid_until"] == api(issuer).get(f"/api/v1/licenses/{lic.identifier}").json()["valid_until"]
    old = api(issuer).get(f"/api/v1/licenses/{lic.identifier}").json()
    assert old["status"] == "superseded" and old["next"] == new["identifier"]
    assert verify(client, old_cred).json() == {"valid": False, "status": "superseded", "errors": ["superseded"]}
    assert verify(client, fetch(api, issuer, new["identifier"])).json()["valid"] is True


def test_change_without_changes_is_refused_and_a_new_end_alone_is_a_change(api, issue, issuer):
    lic = issue(valid_until="2027-01-01")
    client = api(issuer)
    before = counts()
    same = client.post(f"/api/v1/licenses/{lic.identifier}/actions/change", {"fields": {"address": "铁东区胜利路 1 号"}})
    assert (same.status_code, same.json()["error"]["code"]) == (400, "no_change") and counts() == before
    r = client.post(f"/api/v1/licenses/{lic.identifier}/actions/change", {"valid_until": "2028-06-30"})
    assert r.status_code == 200, r.content
    assert r.json()["valid_until"].startswith("2028-06-30T23:59:59") and r.json()["fields"] == lic.fields


def test_renew_extends_from_today(api, issue, issuer):
    lic = issue(valid_until="2027-01-01")
    r = api(issuer).post(f"/api/v1/licenses/{lic.identifier}/actions/renew", {})
    assert r.status_code == 200
    until = datetime.datetime.fromisoformat(r.json()["valid_until"])
    assert until.year >= datetime.date.today().year + 4


def test_expired_licence_is_invalid(api, client, issue, issuer, make_user):
    lic = issue()
    License.objects.filter(pk=lic.pk).update(valid_until=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
                                             valid_from=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC))
    cred = fetch(api, issuer, lic.identifier)
    assert cred["validUntil"].startswith("2020-01-01T08:00:00")
    assert verify(client, cred).json() == {"valid": False, "status": "expired", "errors": ["expired"]}
    api(make_user("bureau")).post("/api/v1/verify", cred)  # answered from the status bits and the dates
    assert LicenseUse.objects.get(action="verify").license == lic  # still in the issuer's 调用记录
    assert api(issuer).get(f"/api/v1/licenses/{lic.identifier}").json()["status"] == "expired"
    # An expired licence is renewed, not changed.
    assert api(issuer).post(f"/api/v1/licenses/{lic.identifier}/actions/change",
                            {"fields": {"address": "x"}}).status_code == 409


def test_any_changed_byte_of_an_api_credential_is_invalid(api, client, issue, issuer):
    cred = fetch(api, issuer, issue(fields=GOOD_FIELDS).identifier)
    text = json.dumps(cred, ensure_ascii=False, separators=(",", ":"))
    raw = text.encode("utf-8")
    checked = 0
    for position in range(0, len(raw)):
        changed = bytearray(raw)
        changed[position] ^= 0x01
        response = verify(client, bytes(changed))
        assert response.status_code in (200, 400), response.content
        if response.status_code == 200:
            assert response.json()["valid"] is False, (position, raw[position:position + 1])
            checked += 1
    assert checked > len(raw) // 2


def test_every_member_changed_is_invalid(api, client, issue, issuer):
    cred = fetch(api, issuer, issue().identifier)
    for path in (("issuer",), ("validUntil",), ("credentialSubject", "uscc"), ("credentialSubject", "name"),
                 ("credentialStatus", "statusListIndex"), ("proof", "created"), ("id",)):
        forged = copy.deepcopy(cred)
        target = forged
        for key in path[:-1]:
            target = target[key]
        text = str(target[path[-1]])
        target[path[-1]] = text[:-1] + ("8" if text.endswith("9") else "9")
        assert target[path[-1]] != text
        assert verify(client, forged).json()["valid"] is False, path


@pytest.mark.parametrize("body,status,code", [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b"[]", 400, "malformed_credential"),
    (b'"text"', 400, "malformed_credential"),
    (b'{"a": 1, "a": 2}', 400, "duplicate_key"),
    (b"", 400, "malformed_json"),
])
def test_verify_refuses_what_is_not_a_credential(client, db, body, status, code):
    response = client.post("/api/v1/verify", body, content_type="application/json")
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_ten_megabyte_body_is_refused(client, db):
    body = b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/verify", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_unknown_proof_type_key_and_status_list(api, client, issue, issuer):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cred = fetch(api, issuer, issue().identifier)
    other = copy.deepcopy(cred)
    other["proof"]["type"] = "Ed25519Signature2020"
    assert verify(client, other).json()["errors"] == ["unknown_proof_type"]
    other = copy.deepcopy(cred)
    other["proof"]["verificationMethod"] = keys.issuer_did() + "#z6MkNotOurs"
    assert verify(client, other).json()["errors"] == ["unknown_key"]
    # A did:key credential whose proof holds but whose status list lives elsewhere cannot be trusted.
    key = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in cred.items() if k != "proof"}
    unsigned["issuer"] = vc.did_key(key.public_key())
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "licenseNumber": "x"}
    unsigned["credentialStatus"] = vc.credential_status_entry("https://elsewhere.example/status/1", 5)
    signed = vc.sign(unsigned, key, vc.did_key_verification_method(key.public_key()),
                     datetime.datetime.now(datetime.UTC))
    answer = verify(client, signed).json()
    assert answer["valid"] is False and "status_list_unavailable" in answer["errors"]
    # The same did:key credential pointing at one of our lists is read from it.
    unsigned["credentialStatus"] = cred["credentialStatus"]
    signed = vc.sign(unsigned, key, vc.did_key_verification_method(key.public_key()),
                     datetime.datetime.now(datetime.UTC))
    assert verify(client, signed).json() == {"valid": True, "status": "active", "errors": []}


def test_w3c_vector_through_the_api(client, db):
    from pathlib import Path

    vector = json.loads((Path(__file__).parent / "vectors" / "eddsa-jcs-2022" / "signed.json").read_text())
    answer = verify(client, vector).json()
    # Its issuer is not its signer and it has no status: not a licence of ours, never valid here.
    assert answer["valid"] is False


def test_verification_by_platform_user_is_logged_and_anonymous_is_not(api, client, issue, issuer, make_user):
    lic = issue()
    cred = fetch(api, issuer, lic.identifier)
    uses = LicenseUse.objects.filter(action="verify").count()
    verify(client, cred)
    assert LicenseUse.objects.filter(action="verify").count() == uses
    bank = make_user("bureau")
    r = api(bank).post("/api/v1/verify?purpose=贷款审查", cred)
    assert r.status_code == 200 and r.json()["valid"] is True
    use = LicenseUse.objects.get(action="verify")
    assert use.purpose == "贷款审查" and use.user == bank and use.license == lic and use.result == "valid"


def test_key_rotation_keeps_old_credentials_verifiable(api, client, issue, issuer, tmp_path):
    from zhitongche.cli import main

    with override_settings(ZTC_KEY_DIR=tmp_path / "keys"):
        keys.reset_caches()
        first = fetch(api, issuer, issue().identifier)
        assert main(["keys", "rotate", "--json"]) == 0
        keys.reset_caches()
        second = fetch(api, issuer, issue().identifier)
        assert first["proof"]["verificationMethod"] != second["proof"]["verificationMethod"]
        document = client.get("/.well-known/did.json").json()
        assert len(document["verificationMethod"]) == 2
        assert document["assertionMethod"][0] == second["proof"]["verificationMethod"]
        for cred in (first, second):
            assert verify(client, cred).json() == {"valid": True, "status": "active", "errors": []}
        # A credential fetched again after the rotation is the same as before: still signed by the old key.
        assert fetch(api, issuer, first["credentialSubject"]["licenseNumber"]) == first
        assert AuditLog.objects.filter(action="license_key.rotate").exists()
    keys.reset_caches()


# --------------------------------------------------------------------------- scope from the outside


def test_holder_sees_only_its_own(api, issue, make_user, make_enterprise):
    mine, theirs = issue(), issue()
    owner = make_user("enterprise", enterprise=mine.holder.uscc)
    client = api(owner)
    listed = client.get("/api/v1/licenses").json()
    assert [r["identifier"] for r in listed["results"]] == [mine.identifier]
    assert client.get(f"/api/v1/licenses/{theirs.identifier}").status_code == 404
    assert client.get(f"/api/v1/licenses/{theirs.identifier}/credential").status_code == 404
    assert client.get(f"/api/v1/licenses/{mine.identifier}/credential").status_code == 200
    assert LicenseUse.objects.get(license=mine).purpose == "持证下载"
    # The holder cannot act on its licence.
    assert client.post(f"/api/v1/licenses/{mine.identifier}/actions/revoke", {"reason": "x"}).status_code == 403


def test_bureau_of_another_region_gets_404(api, issue, make_user, make_enterprise):
    lic = issue(holder=make_enterprise(region="210303"))
    tiedong = make_user("bureau", region="210302")
    assert api(tiedong).get(f"/api/v1/licenses/{lic.identifier}").status_code == 404
    assert api(tiedong).get(f"/api/v1/licenses/{lic.identifier}/credential").status_code == 404
    tiexi = make_user("bureau", region="210303")
    assert api(tiexi).get(f"/api/v1/licenses/{lic.identifier}").status_code == 200
    assert api(make_user("bureau")).get(f"/api/v1/licenses/{lic.identifier}").status_code == 200


def test_another_department_cannot_see_or_change(api, issue, make_user):
    lic = issue()
    other = api(make_user("department", department="RSJ"))
    before = counts()
    for action, body in (("change", {"fields": {"address": "x"}}), ("renew", {}), ("revoke", {"reason": "x"})):
        assert other.post(f"/api/v1/licenses/{lic.identifier}/actions/{action}", body).status_code == 404
    assert other.get(f"/api/v1/licenses/{lic.identifier}").status_code == 404
    assert counts() == before and License.objects.get(pk=lic.pk).status == "active"


def test_bad_identifiers_and_actions_never_5xx(api, issue, issuer):
    lic = issue()
    client = api(issuer)
    for identifier in ("nope", "210300-SPJY-2025-7K3M9QXA-Z", "%00", "x" * 300, lic.identifier.lower()):
        r = client.get(f"/api/v1/licenses/{identifier}")
        assert r.status_code in (200, 404), identifier
    assert client.post(f"/api/v1/licenses/{lic.identifier}/actions/explode", {}).status_code == 400
    assert client.post(f"/api/v1/licenses/{lic.identifier}/actions/change", {}).status_code == 400
    assert client.post(f"/api/v1/licenses/{lic.identifier}/actions/change", {"fields": {"address": ""}}).status_code == 400
    assert client.get("/api/v1/licenses", status="bogus").status_code == 400


def test_license_types_endpoint(api, food_type, make_user):
    data = api(make_user("department", department="RSJ")).get("/api/v1/license-types").json()
    assert data[0]["code"] == "SPJY" and data[0]["department"] == "SCJ" and data[0]["fields"] == FOOD_FIELDS


def test_steward_leader_and_overseer_scopes(api, issue, make_user):
    from zhitongche.registry.models import Assignment, Steward

    lic, other = issue(), issue()
    steward_user = make_user("steward")
    steward = Steward.objects.create(name="王管家", phone="13900000001", department_id=lic.license_type.department_id,
                                     region_id="210302", user=steward_user)
    Assignment.objects.create(enterprise=lic.holder, steward=steward, since=datetime.date(2026, 1, 1))
    listed = api(steward_user).get("/api/v1/licenses").json()["results"]
    assert [r["identifier"] for r in listed] == [lic.identifier]
    assert api(make_user("leader")).get("/api/v1/licenses").json()["total"] == 2
    assert api(make_user("overseer")).get(f"/api/v1/licenses/{other.identifier}").status_code == 404


def test_type_without_declared_fields_accepts_free_fields(api, client, make_user, make_enterprise):
    from zhitongche.cli import main

    assert main(["license-type", "add", "ZZXK", "某某许可证", "--department", "SCJ", "--valid-years", "2"]) == 0
    officer = make_user("department", department="SCJ")
    holder = make_enterprise()
    fields = {"scope": "经营范围", "capital": 1000000, "branches": ["铁东", "铁西"], "certified": True}
    r = api(officer).post("/api/v1/licenses", {"type": "ZZXK", "holder": holder.uscc, "fields": fields})
    assert r.status_code == 201, r.content
    assert r.json()["fields"] == fields
    cred = fetch(api, officer, r.json()["identifier"])
    assert {k: cred["credentialSubject"][k] for k in fields} == fields
    assert verify(client, cred).json()["valid"] is True
    for bad in ({"uscc": "x"}, {"bad key": "x"}, {"licenseNumber": "x"}):
        r = api(officer).post("/api/v1/licenses", {"type": "ZZXK", "holder": holder.uscc, "fields": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_field_key", bad
