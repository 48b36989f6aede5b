"""Tests of the licence credential core: W3C vectors, round trips, hostile input. No Django."""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import hashlib
import json
import os
import stat
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as cn_uscc
from stdnum.iso7064 import mod_37_36

from zhitongche.licenses import identifiers, keystore, vc

VECTORS = Path(__file__).parent / "vectors" / "eddsa-jcs-2022"
SHANGHAI = timezone(timedelta(hours=8))
HYPOTHESIS = settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def vector_text(name: str) -> str:
    """A vector file's text."""
    return (VECTORS / name).read_text(encoding="utf-8")


def vector_json(name: str) -> Any:
    """A vector file parsed as JSON."""
    return json.loads(vector_text(name))


@pytest.fixture(scope="module")
def vector_key() -> Ed25519PrivateKey:
    """The W3C test vector's secret key."""
    return vc.decode_secret_key_multibase(vector_json("keyPair.json")["privateKeyMultibase"])


def make_uscc(body: str = "91210302MA0Y3KUP0") -> str:
    """A unified social credit code with a correct check character."""
    return body + cn_uscc.calc_check_digit(body)


# --------------------------------------------------------------------------- W3C eddsa-jcs-2022 vector


def test_vector_key_pair_round_trips(vector_key: Ed25519PrivateKey) -> None:
    pair = vector_json("keyPair.json")
    assert vc.encode_secret_key_multibase(vector_key) == pair["privateKeyMultibase"]
    assert vc.encode_public_key_multibase(vector_key.public_key()) == pair["publicKeyMultibase"]
    assert vc.public_key_bytes(vc.decode_public_key_multibase(pair["publicKeyMultibase"])) == vc.public_key_bytes(
        vector_key.public_key()
    )


def test_vector_intermediate_values() -> None:
    unsigned = vector_json("unsigned.json")
    options = vector_json("proofOptions.json")
    assert vc.canonicalize(unsigned).decode() == vector_text("canonicalDocument.txt")
    assert vc.canonicalize(options).decode() == vector_text("canonicalProofOptions.txt")
    doc_hash = hashlib.sha256(vc.canonicalize(unsigned)).hexdigest()
    options_hash = hashlib.sha256(vc.canonicalize(options)).hexdigest()
    assert doc_hash == vector_text("documentHash.txt")
    assert options_hash == vector_text("proofOptionsHash.txt")
    assert options_hash + doc_hash == vector_text("combinedHash.txt")


def test_signing_reproduces_the_published_proof_value(vector_key: Ed25519PrivateKey) -> None:
    options = vector_json("proofOptions.json")
    signed = vc.sign(
        vector_json("unsigned.json"), vector_key, options["verificationMethod"], options["created"]
    )
    assert signed == vector_json("signed.json")
    assert signed["proof"]["proofValue"] == vector_text("signatureBase58btc.txt")
    signature = vc.decode_multibase_base58btc(signed["proof"]["proofValue"])
    assert signature.hex() == vector_text("signatureHex.txt")
    # Same member order as the published proof, so serialised output matches too.
    assert list(signed["proof"]) == list(vector_json("signed.json")["proof"])


def test_published_vectors_verify(vector_key: Ed25519PrivateKey) -> None:
    result = vc.verify(vector_json("signed.json"), vc.resolve_did_key, check_issuer=False)
    assert result == vc.VerifyResult(True, [], vector_json("proofOptions.json")["verificationMethod"])
    https_key = "https://vc.example/issuers/5678#" + vector_json("keyPair.json")["publicKeyMultibase"]
    repo_vector = vector_json("signedJCS-repo.json")
    resolver = {https_key: vector_key.public_key()}.get
    assert vc.verify(repo_vector, resolver).valid  # issuer https://vc.example/issuers/5678 signs it
    assert vc.verify_json(vector_text("signed.json"), vc.resolve_did_key, check_issuer=False).valid


def test_issuer_check_rejects_the_vector_signed_by_a_foreign_key() -> None:
    result = vc.verify(vector_json("signed.json"), vc.resolve_did_key)
    assert result.errors == ["issuer_mismatch"]


def _mutations(byte: int) -> list[int]:
    """A few replacements for one byte: flipped bits, a letter, a digit, a quote, whitespace."""
    return sorted({byte ^ 0x01, byte ^ 0x20, byte ^ 0x80, *b'a0" \n\t'} - {byte})


def _rejected(data: bytes, original: Any, *, check_issuer: bool = False) -> bool:
    """True if a mutated JSON text fails to parse, is semantically unchanged, or fails to verify."""
    try:
        parsed = vc.parse_json_strict(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return True
    if parsed == original and vc.canonicalize(parsed) == vc.canonicalize(original):
        return True  # insignificant whitespace: the same credential, not a changed one
    return not vc.verify(parsed, vc.resolve_did_key, check_issuer=check_issuer).valid


def test_every_changed_byte_of_the_canonical_vector_is_rejected() -> None:
    signed = vector_json("signed.json")
    canonical = vc.canonicalize(signed)
    changed = 0
    for position, byte in enumerate(canonical):
        for replacement in _mutations(byte):
            mutated = canonical[:position] + bytes([replacement]) + canonical[position + 1 :]
            parsed_equal = False
            with contextlib.suppress(ValueError):
                parsed_equal = vc.parse_json_strict(mutated) == signed
            assert not parsed_equal, f"byte {position} change left the JSON value unchanged"
            assert _rejected(mutated, signed), f"accepted change at byte {position}: {mutated[position:position + 20]!r}"
            changed += 1
    assert changed > 4 * len(canonical)


def test_every_changed_byte_of_the_raw_vector_text_is_rejected() -> None:
    raw = (VECTORS / "signed.json").read_bytes()
    signed = json.loads(raw)
    unchanged_positions = set()
    for position, byte in enumerate(raw):
        for replacement in _mutations(byte):
            mutated = raw[:position] + bytes([replacement]) + raw[position + 1 :]
            result = vc.verify_json(mutated, vc.resolve_did_key, check_issuer=False)
            if result.valid:
                # Only whitespace may change without changing the credential.
                assert json.loads(mutated) == signed
                unchanged_positions.add(position)
    # Whitespace between tokens is not part of the credential; everything else is covered.
    assert unchanged_positions and all(chr(raw[p]) in " \n" for p in unchanged_positions)


@HYPOTHESIS
@given(data=st.data())
def test_random_byte_changes_are_rejected(data: st.DataObject) -> None:
    signed = vector_json("signed.json")
    canonical = vc.canonicalize(signed)
    position = data.draw(st.integers(0, len(canonical) - 1))
    replacement = data.draw(st.integers(0, 255).filter(lambda b: b != canonical[position]))
    mutated = canonical[:position] + bytes([replacement]) + canonical[position + 1 :]
    assert _rejected(mutated, signed)
    assert not vc.verify_json(mutated, vc.resolve_did_key, check_issuer=False).valid


def test_context_prefix_rule_follows_the_specification() -> None:
    extended = vector_json("signed.json")
    extended["@context"] = [*extended["@context"], "https://example.org/extra/v1"]
    strict = vc.verify(extended, vc.resolve_did_key, check_issuer=False)
    assert strict.errors == ["context_mismatch"]
    # The specification itself only requires the document's @context to start with the proof's.
    assert vc.verify(extended, vc.resolve_did_key, check_issuer=False, strict_context=False).valid
    key = Ed25519PrivateKey.generate()
    method = vc.did_key_verification_method(key.public_key())
    lone = vc.sign({"@context": vc.VC_V2_CONTEXT, "issuer": method.split("#")[0]}, key, method, "2025-01-01T00:00:00Z")
    assert vc.verify(lone, vc.resolve_did_key).valid
    lone["@context"] = [vc.VC_V2_CONTEXT]  # the same context in another JSON shape
    assert vc.verify(lone, vc.resolve_did_key).errors == ["context_mismatch"]
    assert vc.verify(lone, vc.resolve_did_key, strict_context=False).valid
    reordered = vector_json("signed.json")
    reordered["@context"].reverse()
    assert vc.verify(reordered, vc.resolve_did_key, check_issuer=False, strict_context=False).errors == [
        "context_mismatch"
    ]


# --------------------------------------------------------------------------- encodings and canonical JSON


@given(st.binary(max_size=80))
@HYPOTHESIS
def test_base58btc_round_trip(data: bytes) -> None:
    assert vc.base58btc_decode(vc.base58btc_encode(data)) == data


def test_base58btc_known_values() -> None:
    assert vc.base58btc_encode(b"") == ""
    assert vc.base58btc_encode(b"\0\0\1") == "112"
    assert vc.base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"
    with pytest.raises(vc.MultibaseError):
        vc.base58btc_decode("0OIl")


def test_multikey_rejects_other_headers(vector_key: Ed25519PrivateKey) -> None:
    secret = vc.encode_secret_key_multibase(vector_key)
    public = vc.encode_public_key_multibase(vector_key.public_key())
    with pytest.raises(vc.MultibaseError):
        vc.decode_public_key_multibase(secret)  # a secret key must never pass as a public one
    with pytest.raises(vc.MultibaseError):
        vc.decode_secret_key_multibase(public)
    for bad in ["", "z", "u" + public[1:], public + "1", 42, None, "z" + "1" * 300]:
        with pytest.raises(vc.MultibaseError):
            vc.decode_public_key_multibase(bad)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=6), children, max_size=4),
    max_leaves=25,
)


@HYPOTHESIS
@given(JSON_VALUES)
def test_canonicalize_equals_rfc8785(value: Any) -> None:
    assert vc.canonicalize(value) == rfc8785.dumps(value)


BMP_TEXT = st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=8)
PLAIN_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(BMP_TEXT, children, max_size=5),
    max_leaves=40,
)


@HYPOTHESIS
@given(PLAIN_VALUES)
def test_canonicalize_fast_path_equals_rfc8785(value: Any) -> None:
    assert vc._is_plain_json(value)  # these all take the orjson path
    assert vc.canonicalize(value) == rfc8785.dumps(value)


@HYPOTHESIS
@given(st.dictionaries(st.text(string.printable + "\x00\x1f\x7fé中\U0001f600\ufffd\ue000", max_size=4), st.text(max_size=3)))
def test_canonicalize_key_order_and_escapes_equal_rfc8785(value: dict[str, str]) -> None:
    assert vc.canonicalize(value) == rfc8785.dumps(value)


def test_canonicalize_known_tricky_values() -> None:
    # U+E000 sorts after U+1F600 by code point but before it in UTF-16 (surrogates D83D...).
    tricky = {"\ue000": 1, "\U0001f600": 2, "a": [1.0, 1e21, 1e-7, -0.0, 5e-324], "\x7f": "\u2028\x1f"}
    assert vc.canonicalize(tricky) == rfc8785.dumps(tricky)
    for bad in [{"n": float("nan")}, {"n": 2**53}, {1: "x"}, {"s": "\ud800"}, {"b": b"x"}, {"t": {1, 2}}]:
        with pytest.raises((ValueError, TypeError)):
            vc.canonicalize(bad)


# --------------------------------------------------------------------------- identifiers


def test_identifier_shape_and_check_character() -> None:
    identifier = identifiers.make_identifier("210302", "SPJY", 2025, serial=123456)
    assert identifier[:-1] == "210302-SPJY-2025-00003RJ0-"  # 123456 = 3·32³ + 24·32² + 18·32
    assert identifiers.is_valid_identifier(identifier)
    assert mod_37_36.is_valid(identifier.replace("-", ""))
    parts = identifiers.parse_identifier(identifier)
    assert parts is not None and (parts.region, parts.type_code, parts.year) == ("210302", "SPJY", 2025)
    random_ids = {identifiers.make_identifier("210300", "YYZ", 2024) for _ in range(200)}
    assert len(random_ids) == 200 and all(identifiers.is_valid_identifier(i) for i in random_ids)


def test_identifier_detects_every_single_substitution_and_transposition() -> None:
    identifier = identifiers.make_identifier("210302", "SPJY", 2025, serial=987654321)
    alphabet = string.digits + string.ascii_uppercase
    for position, char in enumerate(identifier):
        if char == "-":
            continue
        for other in alphabet.replace(char, ""):
            assert not identifiers.is_valid_identifier(identifier[:position] + other + identifier[position + 1 :])
    compact = identifier.replace("-", "")
    for position in range(len(compact) - 1):
        if compact[position] != compact[position + 1]:
            swapped = compact[:position] + compact[position + 1] + compact[position] + compact[position + 2 :]
            assert not mod_37_36.is_valid(swapped)


@HYPOTHESIS
@given(
    st.from_regex(r"\A[0-9]{6}-[0-9A-Z]{2,6}-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{8}-[0-9A-Z]\Z", fullmatch=True)
)
def test_identifier_validity_agrees_with_stdnum(candidate: str) -> None:
    assert identifiers.is_valid_identifier(candidate) == mod_37_36.is_valid(candidate.replace("-", ""))


def test_identifier_rejects_wrong_form_and_documents_case() -> None:
    identifier = identifiers.make_identifier("210302", "SPJY", 2025, serial=42)
    for bad in [
        identifier.lower(),
        identifier.replace("-", ""),
        identifier + "0",
        identifier[:-2],
        " " + identifier,
        "",
        None,
        42,
        identifier.replace("SPJY", "SPJYSPJ"),
        "21030-SPJY-2025-0000001A-0",
    ]:
        assert not identifiers.is_valid_identifier(bad)
    typed = "  " + identifier.lower().replace("-", "").replace("2", "\uff12") + " "
    assert identifiers.normalize_identifier(typed) == identifier
    with pytest.raises(ValueError):
        identifiers.make_identifier("21030", "SPJY", 2025)
    with pytest.raises(ValueError):
        identifiers.make_identifier("210302", "spjy", 2025)
    with pytest.raises(ValueError):
        identifiers.make_identifier("210302", "SPJY", 2025, serial=-1)


# --------------------------------------------------------------------------- DIDs


def test_did_web_forms() -> None:
    assert vc.did_web("zwfw.anshan.gov.cn") == "did:web:zwfw.anshan.gov.cn"
    assert vc.did_web("Localhost:8000") == "did:web:localhost%3A8000"
    assert vc.did_web("example.com", "/issuers/城建 1/") == "did:web:example.com:issuers:%E5%9F%8E%E5%BB%BA%201"
    assert vc.did_web_document_url("did:web:localhost%3A8000") == "https://localhost:8000/.well-known/did.json"
    assert vc.did_web_document_url("did:web:example.com:issuers:a") == "https://example.com/issuers/a/did.json"
    for bad in ["127.0.0.1:8000", "[::1]", "exa mple.com", "", "example.com:0", "example.com:99999", "-a.com"]:
        with pytest.raises(ValueError):
            vc.did_web(bad)


def test_did_document_resolution() -> None:
    did = vc.did_web("localhost:8000")
    active, retired, stranger = (Ed25519PrivateKey.generate() for _ in range(3))
    keys = [
        (vc.encode_public_key_multibase(retired.public_key()), retired.public_key(), False),
        (vc.encode_public_key_multibase(active.public_key()), active.public_key(), True),
    ]
    document = vc.did_document(did, keys)
    assert document["@context"] == [vc.DID_V1_CONTEXT, vc.MULTIKEY_V1_CONTEXT]
    ids = [method["id"] for method in document["verificationMethod"]]
    assert document["assertionMethod"] == [ids[1], ids[0]]  # active first
    assert all(m["type"] == "Multikey" and m["controller"] == did for m in document["verificationMethod"])
    resolve = vc.resolver_for_did_document(json.loads(json.dumps(document)))
    assert vc.public_key_bytes(resolve(ids[0])) == vc.public_key_bytes(retired.public_key())  # type: ignore[arg-type]
    assert resolve(f"{did}#{vc.encode_public_key_multibase(stranger.public_key())}") is None
    assert resolve("did:web:elsewhere#" + ids[1].split("#")[1]) is None
    # A key only in verificationMethod (not an assertion method) does not resolve for assertions.
    document["assertionMethod"] = [ids[1]]
    assert vc.resolver_for_did_document(document)(ids[0]) is None
    with pytest.raises(ValueError):
        vc.did_document(did, keys + keys[:1])


def test_did_key_resolution(vector_key: Ed25519PrivateKey) -> None:
    method = vc.did_key_verification_method(vector_key.public_key())
    assert method == vector_json("proofOptions.json")["verificationMethod"]
    assert vc.did_key(vector_key.public_key()) == method.split("#")[0]
    assert vc.resolve_did_key(method) is not None
    assert vc.resolve_did_key(method.split("#")[0] + "#other") is None
    assert vc.resolve_did_key(method.split("#")[0]) is None  # a DID is not a verification method
    assert vc.resolve_did_key("did:key:zzz") is None
    assert vc.resolve_did_key("did:web:example.com#x") is None


# --------------------------------------------------------------------------- licence credentials


def license_credential(issuer: str, **overrides: Any) -> dict[str, Any]:
    """An unsigned licence credential with plausible fields."""
    arguments: dict[str, Any] = {
        "identifier": identifiers.make_identifier("210302", "SPJY", 2025, serial=7),
        "issuer": issuer,
        "holder_uscc": make_uscc(),
        "holder_name": "鞍山市铁东区示例餐饮有限公司",
        "license_type": "SPJY",
        "license_type_name": "食品经营许可证",
        "fields": {"businessScope": "热食类食品制售", "address": "鞍山市铁东区胜利南路 1 号", "seats": 40},
        "valid_from": datetime(2025, 9, 30, 9, 0, tzinfo=SHANGHAI),
        "valid_until": datetime(2030, 9, 29, 23, 59, 59, tzinfo=SHANGHAI),
        "credential_status": vc.credential_status_entry("https://localhost:8000/api/v1/status/1", 94567),
    }
    arguments.update(overrides)
    return vc.build_license_credential(**arguments)


def test_license_credential_shape_and_round_trip() -> None:
    did = vc.did_web("localhost:8000")
    key = Ed25519PrivateKey.generate()
    key_id = vc.encode_public_key_multibase(key.public_key())
    credential = license_credential(did)
    assert credential["@context"][0] == vc.VC_V2_CONTEXT and credential["@context"] == [vc.VC_V2_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", vc.LICENSE_CREDENTIAL_TYPE]
    assert credential["validFrom"] == "2025-09-30T09:00:00+08:00"
    assert credential["validUntil"] == "2030-09-29T23:59:59+08:00"
    assert credential["credentialSubject"]["uscc"] == make_uscc()
    assert credential["credentialStatus"] == {
        "id": "https://localhost:8000/api/v1/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://localhost:8000/api/v1/status/1",
    }
    signed = vc.sign(credential, key, vc.verification_method_id(did, key_id), datetime(2025, 9, 30, 1, 0, tzinfo=UTC))
    assert "proof" not in credential  # sign() does not touch its input
    assert signed["proof"]["created"] == "2025-09-30T01:00:00Z"
    assert signed["proof"]["@context"] == credential["@context"]
    resolve = vc.resolver_for_did_document(vc.did_document(did, [(key_id, key.public_key(), True)]))
    assert vc.verify(signed, resolve).valid
    assert vc.verify_json(json.dumps(signed, ensure_ascii=False).encode(), resolve).valid
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["seats"] = 41
    assert vc.verify(tampered, resolve).errors == ["bad_signature"]


def test_license_credential_refuses_bad_arguments() -> None:
    did = vc.did_web("localhost:8000")
    with pytest.raises(ValueError):
        license_credential(did, identifier="210302-SPJY-2025-00000007-0")
    with pytest.raises(ValueError):
        license_credential(did, holder_uscc="91210302MA0Y3KUP00")
    with pytest.raises(ValueError):
        license_credential("https://not-a-did.example")
    with pytest.raises(ValueError):
        license_credential(did, fields={"uscc": "x"})
    with pytest.raises(ValueError):
        license_credential(did, fields={"ratio": float("nan")})
    with pytest.raises(ValueError):
        license_credential(did, valid_from=datetime(2025, 1, 1))  # naive
    with pytest.raises(ValueError):
        vc.sign({"proof": {}}, Ed25519PrivateKey.generate(), "did:web:x#k", "2025-01-01T00:00:00Z")
    with pytest.raises(ValueError):
        vc.sign({}, Ed25519PrivateKey.generate(), "did:web:x#k", "yesterday")


# --------------------------------------------------------------------------- keystore and rotation


def test_keystore_rotation_keeps_old_credentials_verifying(tmp_path: Path) -> None:
    store = keystore.KeyStore(tmp_path / "keys", b"a long test passphrase")
    did = vc.did_web("localhost:8000")
    first = store.create_key()
    key_id, private_key = store.signing_key()
    assert key_id == first.key_id
    old = vc.sign(license_credential(did), private_key, vc.verification_method_id(did, key_id), "2025-01-01T00:00:00Z")

    second = store.rotate()
    new_id, new_key = store.signing_key()
    assert new_id == second.key_id != first.key_id
    new = vc.sign(license_credential(did), new_key, vc.verification_method_id(did, new_id), "2025-06-01T00:00:00Z")
    assert new["proof"]["verificationMethod"].endswith("#" + second.key_id)

    listed = store.list_keys()
    assert [(k.key_id, k.status) for k in listed] == [(second.key_id, "active"), (first.key_id, "retired")]
    document = vc.did_document(did, store.public_keys())
    resolve = vc.resolver_for_did_document(document)
    assert vc.verify(old, resolve).valid and vc.verify(new, resolve).valid
    assert document["assertionMethod"][0].endswith(second.key_id)

    # Re-opening the directory (another process) sees the same state.
    again = keystore.KeyStore(tmp_path / "keys", b"a long test passphrase")
    assert again.active_key() == store.active_key()
    again.retire(second.key_id)
    with pytest.raises(keystore.KeyStoreError):
        again.signing_key()
    again.activate(first.key_id)
    assert again.signing_key()[0] == first.key_id
    with pytest.raises(keystore.KeyStoreError):
        again.activate("z6MkUnknown")


def test_keystore_files_are_private_and_encrypted(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # the widest umask must still give owner-only files
    try:
        store = keystore.KeyStore(tmp_path / "keys", b"a long test passphrase")
        info = store.create_key()
    finally:
        os.umask(old_umask)
    directory = tmp_path / "keys"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    pem = (directory / f"{info.key_id}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    seed = store.load_private_key(info.key_id).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    assert seed not in pem and base64.b64encode(seed)[:20] not in pem
    with pytest.raises(TypeError):
        load_pem_private_key(pem, password=None)
    with pytest.raises(keystore.KeyStoreError):
        keystore.KeyStore(directory, b"wrong passphrase").load_private_key(info.key_id)
    assert not list(directory.glob("*.tmp"))


def test_keystore_detects_a_swapped_key_file(tmp_path: Path) -> None:
    store = keystore.KeyStore(tmp_path, b"a long test passphrase")
    first, second = store.create_key(), store.create_key()
    (tmp_path / f"{first.key_id}.pem").write_bytes((tmp_path / f"{second.key_id}.pem").read_bytes())
    with pytest.raises(keystore.KeyStoreError):
        store.load_private_key(first.key_id)
    (tmp_path / "keys.json").write_text("{not json")
    with pytest.raises(keystore.KeyStoreError):
        store.list_keys()


def test_passphrase_from_environment() -> None:
    assert keystore.passphrase_from_env({"ZTC_KEY_PASSPHRASE": "s3cret"}) == b"s3cret"
    with pytest.raises(keystore.KeyStoreError):
        keystore.passphrase_from_env({})
    assert keystore.passphrase_from_env({}, allow_dev_default=True) == keystore.DEV_PASSPHRASE.encode()
    with pytest.raises(keystore.KeyStoreError):
        keystore.KeyStore("/tmp/unused-keystore", b"")


# --------------------------------------------------------------------------- Bitstring Status List


def test_status_list_round_trip_of_131072_entries() -> None:
    bits = vc.new_status_list()
    assert len(bits) * 8 == 131072
    revoked = {0, 7, 8, 4095, 65536, 94567, 131071}
    for index in revoked:
        vc.set_bit(bits, index)
    assert bits[0] == 0b1000_0001 and bits[1] == 0b1000_0000  # index 0 is the left-most bit
    encoded = vc.encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    decoded = vc.decode_list(encoded)
    assert decoded == bits
    assert {i for i in range(131072) if vc.get_bit(decoded, i)} == revoked
    vc.set_bit(bits, 7, False)
    assert not vc.get_bit(bits, 7)
    with pytest.raises(IndexError):
        vc.get_bit(bits, 131072)
    with pytest.raises(IndexError):
        vc.set_bit(bits, -1)
    with pytest.raises(ValueError):
        vc.new_status_list(1024)


def test_status_list_specification_example_decodes() -> None:
    # encodedList of the "Example BitstringStatusListCredential" in Bitstring Status List v1.0.
    bits = vc.decode_list("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
    assert len(bits) == 16384 and not any(bits)


def _u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        (None, "malformed_encoded_list"),
        (12, "malformed_encoded_list"),
        ("", "malformed_encoded_list"),
        ("zabc", "malformed_encoded_list"),
        ("u!!!", "malformed_encoded_list"),
        ("uA", "malformed_encoded_list"),
        ("u" + "A" * 40, "malformed_encoded_list"),
        (_u(b"not gzip at all"), "malformed_encoded_list"),
        (_u(gzip.compress(bytes(16384), mtime=0)[:-9]), "malformed_encoded_list"),
        (_u(gzip.compress(bytes(16384), mtime=0) + b"trailing"), "malformed_encoded_list"),
        (_u(gzip.compress(bytes(100), mtime=0)), "status_list_length_error"),
        (_u(gzip.compress(bytes(64 << 20), mtime=0)), "status_list_too_large"),
    ],
)
def test_decode_list_refuses_garbage(encoded: Any, code: str) -> None:
    with pytest.raises(vc.StatusListError) as caught:
        vc.decode_list(encoded)
    assert caught.value.code == code


@HYPOTHESIS
@given(st.text(max_size=200) | st.binary(max_size=200).map(_u))
def test_decode_list_only_raises_status_list_error(encoded: str) -> None:
    with contextlib.suppress(vc.StatusListError):
        vc.decode_list(encoded)


def test_status_list_credential_signs_and_answers_revocation() -> None:
    did = vc.did_web("localhost:8000")
    key = Ed25519PrivateKey.generate()
    key_id = vc.encode_public_key_multibase(key.public_key())
    url = "https://localhost:8000/api/v1/status/1"
    bits = vc.new_status_list()
    vc.set_bit(bits, 94567)
    unsigned = vc.status_list_credential(url, did, bits, datetime(2025, 10, 1, tzinfo=SHANGHAI))
    assert unsigned["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert unsigned["credentialSubject"]["type"] == "BitstringStatusList"
    assert unsigned["credentialSubject"]["statusPurpose"] == "revocation"
    signed = vc.sign(unsigned, key, vc.verification_method_id(did, key_id), "2025-10-01T00:00:00Z")
    resolve = vc.resolver_for_did_document(vc.did_document(did, [(key_id, key.public_key(), True)]))
    assert vc.verify(signed, resolve).valid
    assert vc.is_revoked(vc.credential_status_entry(url, 94567), signed)
    assert not vc.is_revoked(vc.credential_status_entry(url, 94566), signed)
    with pytest.raises(vc.StatusListError) as caught:
        vc.is_revoked(vc.credential_status_entry(url, 131072), signed)
    assert caught.value.code == "status_list_range_error"
    with pytest.raises(vc.StatusListError) as caught:
        vc.is_revoked(vc.credential_status_entry(url + "x", 1), signed)
    assert caught.value.code == "status_list_mismatch"
    with pytest.raises(vc.StatusListError):
        vc.is_revoked({"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "-1"}, signed)
    with pytest.raises(ValueError):
        vc.credential_status_entry(url, -1)


# --------------------------------------------------------------------------- hostile input


@pytest.fixture(scope="module")
def signed_vector() -> dict[str, Any]:
    """The published signed credential."""
    return vector_json("signed.json")


def with_proof(signed: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The signed vector with some proof members replaced (None removes a member)."""
    result = copy.deepcopy(signed)
    for key, value in changes.items():
        key = key.replace("_at_", "@")
        if value is None:
            result["proof"].pop(key, None)
        else:
            result["proof"][key] = value
    return result


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"d": [value]}
    return value


def hostile_cases(signed: dict[str, Any]) -> list[tuple[Any, str]]:
    """(credential, expected error) pairs."""
    cyclic = copy.deepcopy(signed)
    cyclic["credentialSubject"]["self"] = cyclic
    deep = copy.deepcopy(signed)
    deep["credentialSubject"]["deep"] = _deep(100_000)
    return [
        (None, "malformed_credential"),
        ([], "malformed_credential"),
        ("credential", "malformed_credential"),
        (3.5, "malformed_credential"),
        ({}, "missing_proof"),
        ({k: v for k, v in signed.items() if k != "proof"}, "missing_proof"),
        ({**signed, "proof": None}, "malformed_proof"),
        ({**signed, "proof": "z123"}, "malformed_proof"),
        ({**signed, "proof": [signed["proof"]]}, "proof_set_unsupported"),
        ({**signed, "proof": {}}, "unknown_proof_type"),
        (with_proof(signed, type="Ed25519Signature2020"), "unknown_proof_type"),
        (with_proof(signed, type=["DataIntegrityProof"]), "unknown_proof_type"),
        (with_proof(signed, cryptosuite="eddsa-rdfc-2022"), "unknown_cryptosuite"),
        (with_proof(signed, cryptosuite=None), "unknown_cryptosuite"),
        (with_proof(signed, verificationMethod=None), "malformed_proof"),
        (with_proof(signed, verificationMethod=["did:key:x"]), "malformed_proof"),
        (with_proof(signed, proofPurpose=None), "malformed_proof"),
        (with_proof(signed, proofPurpose="authentication"), "wrong_proof_purpose"),
        (with_proof(signed, created="2023-02-30T00:00:00Z"), "malformed_proof"),
        (with_proof(signed, created=20230224), "malformed_proof"),
        (with_proof(signed, expires="2000-01-01T00:00:00Z"), "proof_expired"),
        (with_proof(signed, expires="soon"), "malformed_proof"),
        (with_proof(signed, proofValue=None), "malformed_proof_value"),
        (with_proof(signed, proofValue=12345), "malformed_proof_value"),
        (with_proof(signed, proofValue=""), "malformed_proof_value"),
        (with_proof(signed, proofValue="z"), "malformed_proof_value"),
        (with_proof(signed, proofValue="u" + signed["proof"]["proofValue"][1:]), "malformed_proof_value"),
        (with_proof(signed, proofValue=signed["proof"]["proofValue"] + "2"), "malformed_proof_value"),
        (with_proof(signed, proofValue="z0OIl"), "malformed_proof_value"),
        (with_proof(signed, proofValue="z" + "2" * 10_000_000), "malformed_proof_value"),
        (with_proof(signed, _at_context="https://www.w3.org/ns/credentials/v2"), "context_mismatch"),
        (with_proof(signed, _at_context=[]), "context_mismatch"),
        (with_proof(signed, _at_context=[1, True]), "context_mismatch"),
        ({**signed, "@context": None}, "context_mismatch"),
        (with_proof(signed, verificationMethod="did:key:z6MkUnknown#z6MkUnknown"), "unknown_key"),
        (with_proof(signed, nonce=float("nan")), "canonicalization_failed"),
        ({**signed, "big": 2**64}, "canonicalization_failed"),
        ({**signed, 7: "int key"}, "canonicalization_failed"),
        ({**signed, "bytes": b"\x00"}, "canonicalization_failed"),
        ({**signed, "set": {1, 2}}, "canonicalization_failed"),
        ({**signed, "lone": "\ud800"}, "canonicalization_failed"),
        (cyclic, "canonicalization_failed"),
        (deep, "canonicalization_failed"),
        ({**signed, "extra": "member"}, "bad_signature"),
        ({**signed, "name": "Alumni Credential "}, "bad_signature"),
        (with_proof(signed, created="2023-02-24T23:36:39Z"), "bad_signature"),
    ]


def test_hostile_credentials_are_refused_with_codes(signed_vector: dict[str, Any]) -> None:
    for credential, code in hostile_cases(signed_vector):
        result = vc.verify(credential, vc.resolve_did_key, check_issuer=False)
        assert result.valid is False and result.errors == [code], (code, result)


def test_resolver_failures_are_reported(signed_vector: dict[str, Any]) -> None:
    def exploding(method: str) -> None:
        raise RuntimeError("DID document unreachable")

    assert vc.verify(signed_vector, exploding, check_issuer=False).errors == ["key_resolution_failed"]
    assert vc.verify(signed_vector, lambda m: "not a key", check_issuer=False).errors == ["unknown_key"]  # type: ignore[arg-type,return-value]
    other = Ed25519PrivateKey.generate().public_key()
    assert vc.verify(signed_vector, lambda m: other, check_issuer=False).errors == ["bad_signature"]


def test_ten_megabyte_credential(signed_vector: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.generate()
    method = vc.did_key_verification_method(key.public_key())
    unsigned = {k: v for k, v in signed_vector.items() if k != "proof"}
    unsigned["issuer"] = method.split("#")[0]
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "blob": "证" * ((10 << 20) // 3)}
    unsigned["credentialSubject"]["list"] = list(range(200_000))
    big = vc.sign(unsigned, key, method, "2025-01-01T00:00:00Z")
    assert vc.verify(big, vc.resolve_did_key).valid
    big["credentialSubject"]["list"][123_456] = -1
    assert vc.verify(big, vc.resolve_did_key).errors == ["bad_signature"]
    text = json.dumps(big, ensure_ascii=False).encode()
    assert len(text) > 10 << 20
    assert vc.verify_json(text, vc.resolve_did_key).errors == ["too_large"]
    assert vc.verify_json(text, vc.resolve_did_key, max_bytes=64 << 20).errors == ["bad_signature"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "malformed_json"),
        ("{", "malformed_json"),
        ("[1,]", "malformed_json"),
        ('{"a": NaN}', "malformed_json"),
        ('{"a": Infinity}', "malformed_json"),
        (b"\xff\xfe{}", "malformed_json"),
        ('{"a": 1, "a": 2}', "duplicate_key"),
        ("[" * 100_000 + "]" * 100_000, "malformed_json"),
        ("null", "malformed_credential"),
        ('"text"', "malformed_credential"),
    ],
)
def test_verify_json_refuses_bad_text(text: str | bytes, code: str) -> None:
    assert vc.verify_json(text, vc.resolve_did_key).errors == [code]


def test_duplicate_member_smuggling_is_refused(signed_vector: dict[str, Any]) -> None:
    text = json.dumps(signed_vector)
    smuggled = text.replace('"name": "Alumni Credential"', '"name": "Forged", "name": "Alumni Credential"')
    assert smuggled != text
    assert vc.verify_json(smuggled, vc.resolve_did_key, check_issuer=False).errors == ["duplicate_key"]


@HYPOTHESIS
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=10)
        | st.binary(max_size=4)
        | st.sampled_from(["DataIntegrityProof", "eddsa-jcs-2022", "assertionMethod", "z6Mk"]),
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["proof", "type", "cryptosuite", "proofValue", "verificationMethod", "@context", "created"])
            | st.text(max_size=4),
            children,
            max_size=5,
        ),
        max_leaves=30,
    )
)
def test_verify_never_raises_on_arbitrary_structures(value: Any) -> None:
    result = vc.verify(value, vc.resolve_did_key)
    assert isinstance(result, vc.VerifyResult) and result.valid is False and len(result.errors) == 1
    proofed = {"@context": [vc.VC_V2_CONTEXT], "proof": value}
    assert vc.verify(proofed, vc.resolve_did_key).valid is False
