"""Issuer configuration, hostile bodies, query counts, the demo loader."""

import json

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhitongche.licenses import keys, vc
from zhitongche.licenses.models import License, LicenseType, StatusList


@pytest.mark.parametrize("base,configured,expected", [
    ("http://127.0.0.1:8000", "", "did:web:localhost%3A8000"),
    ("https://yshj.anshan.gov.cn", "", "did:web:yshj.anshan.gov.cn"),
    ("https://yshj.anshan.gov.cn/", "", "did:web:yshj.anshan.gov.cn"),
    ("http://[::1]:8443", "", "did:web:localhost%3A8443"),
    ("http://10.0.0.5", "zwfw.anshan.example", "did:web:zwfw.anshan.example"),
])
def test_issuer_did_from_settings(base, configured, expected):
    with override_settings(PUBLIC_BASE_URL=base, ZTC_DID_HOST=configured):
        assert keys.issuer_did() == expected


def test_production_without_passphrase_refuses_to_sign(tmp_path, monkeypatch):
    monkeypatch.delenv("ZTC_KEY_PASSPHRASE", raising=False)
    with (override_settings(DEBUG=False, ZTC_KEY_DEV_PASSPHRASE=False, ZTC_KEY_DIR=tmp_path),
          pytest.raises(keys.SigningUnavailable) as raised):
        keys.active_key_id()
    assert raised.value.code == "signing_unavailable" and not any(tmp_path.glob("*.pem"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=json_values, proof=json_values)
def test_verify_never_answers_5xx(value, proof):
    body = value if not isinstance(value, dict) else {**value, "proof": proof, "credentialSubject": value,
                                                        "credentialStatus": proof}
    response = Client().post("/api/v1/verify", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["valid"] is False


def test_status_list_of_at_least_131072_entries_and_slots_unique(issue):
    licences = [issue() for _ in range(5)]
    status_list = StatusList.objects.get()
    assert status_list.size >= 131072 and len(status_list.bits) * 8 == status_list.size
    assert status_list.allocated == 5
    assert len({(lic.status_list_id, lic.status_index) for lic in licences}) == 5


def test_superseded_version_has_its_bit_set(issue, issuer):
    from zhitongche.licenses.services import license_renew

    lic = issue()
    license_renew(actor=issuer, identifier=lic.identifier)
    bits = StatusList.objects.get(pk=lic.status_list_id).bits
    assert vc.get_bit(bytes(bits), lic.status_index) is True
    new = License.objects.get(previous=lic)
    assert vc.get_bit(bytes(bits), new.status_index) is False


def test_version_chain_in_one_query_and_apart_from_other_chains(issue, issuer, make_enterprise,
                                                                django_assert_num_queries):
    from zhitongche.licenses.selectors import license_versions
    from zhitongche.licenses.services import license_change, license_renew

    holder = make_enterprise()
    first = issue(holder=holder)
    second = license_renew(actor=issuer, identifier=first.identifier)
    third = license_change(actor=issuer, identifier=second.identifier, fields={"address": "铁东区胜利路 9 号"})
    other = issue(holder=holder)  # the same holder and type, another licence: not part of the chain
    license_renew(actor=issuer, identifier=other.identifier)
    middle = License.objects.get(pk=second.pk)
    with django_assert_num_queries(1):
        chain = license_versions(middle)
    assert [v.identifier for v in chain] == [first.identifier, second.identifier, third.identifier]
    assert [v.version for v in chain] == [1, 2, 3]
    assert [v.identifier for v in license_versions(other)][0] == other.identifier
    assert len(license_versions(other)) == 2


def test_list_page_queries_do_not_grow_with_rows(issue, make_user, django_assert_max_num_queries):
    for _ in range(3):
        issue()
    client = Client()
    client.force_login(make_user("admin"))
    client.get("/licenses/")
    with django_assert_max_num_queries(12) as small:
        client.get("/licenses/")
    for _ in range(12):
        issue()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/licenses/")


def test_demo_loader_is_idempotent(departments):
    from zhitongche.accounts.demo import load as load_users
    from zhitongche.licenses.demo import load
    from zhitongche.registry.demo import load as load_registry

    load_registry(scale="small")
    load_users(scale="small")
    first = load(scale="small")
    assert first["license_types"] >= 20 and first["created"] > 0
    owner_licences = License.objects.filter(holder__users__username="enterprise")
    assert owner_licences.filter(status="superseded").exists() and owner_licences.filter(status="active").count() >= 2
    again = load(scale="small")
    assert again["created"] == 0 and License.objects.count() == first["licenses"]
    assert LicenseType.objects.filter(code="YYZZ", valid_years__isnull=True).exists()


def test_bulk_issued_licences_read_back_and_verify(food_type, issuer, make_enterprise, client):
    import datetime

    from zhitongche.licenses.services import _RandomPool, bulk_issue, license_credential

    holders = [make_enterprise() for _ in range(3)]
    start = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)
    values = {"legalRepresentative": "赵六", "address": "立山区 8 号"}
    assert bulk_issue(license_type=food_type, rows=[(h, values, start) for h in holders * 10], batch_size=7) == 30
    rows = list(License.objects.all())
    assert len({r.identifier for r in rows}) == 30 and len({r.status_index for r in rows}) == 30
    assert all(r.valid_from == start and r.fields == values and r.effective_status() == "active" for r in rows)
    assert StatusList.objects.get().allocated == 30
    credential = license_credential(actor=issuer, identifier=rows[0].identifier)
    answer = client.post("/api/v1/verify", json.dumps(credential), content_type="application/json").json()
    assert answer == {"valid": True, "status": "active", "errors": []}
    pool = _RandomPool()
    draws = [pool.below(131072) for _ in range(2000)]
    assert min(draws) >= 0 and max(draws) < 131072 and len(set(draws)) > 1900
