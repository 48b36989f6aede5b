"""Electronic licences as W3C Verifiable Credentials 2.0, secured with ``eddsa-jcs-2022``.

Pure Python, no Django and no database. The pieces:

- Multibase/Multikey encoding of Ed25519 keys (base58btc ``z``; multicodec ``0xed01`` for public
  keys and ``0x8026`` for secret keys), ``did:key`` and ``did:web`` identifiers, DID documents whose
  ``verificationMethod`` entries are ``Multikey``.
- :func:`sign` and :func:`verify` implement the ``eddsa-jcs-2022`` cryptosuite of W3C "Data Integrity
  EdDSA Cryptosuites v1.0" (Recommendation, 15 May 2025, §3.3): the proof configuration (the proof
  options without ``proofValue``, carrying the document's ``@context``) and the document without its
  proof are each canonicalised with RFC 8785 (JCS) and hashed with SHA-256; the Ed25519 signature is
  over ``sha256(proofConfig) || sha256(document)``; ``proofValue`` is multibase base58btc.
- W3C Bitstring Status List v1.0 for revocation.
- :func:`build_license_credential`, the credential for one licence.

:func:`verify` never raises. It answers a :class:`VerifyResult` whose ``errors`` are these codes:

=========================  ==================================================================
``malformed_credential``   the credential is not a JSON object
``missing_proof``          no ``proof`` member
``proof_set_unsupported``  ``proof`` is a list (proof sets and chains are not supported)
``malformed_proof``        ``proof`` is not an object, a member is missing or has a wrong type,
                           or ``created``/``expires`` is not an XML Schema dateTime
``unknown_proof_type``     ``proof.type`` is not ``DataIntegrityProof``
``unknown_cryptosuite``    ``proof.cryptosuite`` is not ``eddsa-jcs-2022``
``malformed_proof_value``  ``proofValue`` is not base58btc multibase of 64 bytes
``wrong_proof_purpose``    ``proofPurpose`` is not the expected one (``assertionMethod``)
``proof_expired``          ``proof.expires`` is in the past
``context_mismatch``       the document's ``@context`` does not start with the proof's
``issuer_mismatch``        the verification method is not controlled by the credential's issuer
``unknown_key``            the resolver does not know the verification method
``key_resolution_failed``  the resolver raised an exception
``canonicalization_failed``  the document cannot be canonicalised by RFC 8785 (NaN, huge
                           integers, non-string keys, lone surrogates, too deeply nested, ...)
``bad_signature``          the signature does not match
``internal_error``         a last-resort guard; no known input reaches it
=========================  ==================================================================

:func:`verify_json` (for raw request bodies) adds ``too_large``, ``malformed_json`` and
``duplicate_key``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import hashlib
import ipaddress
import json
import re
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

import orjson
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from stdnum.cn import uscc as cn_uscc

from .identifiers import is_valid_identifier

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
LICENSE_CREDENTIAL_TYPE = "ElectronicLicenseCredential"
STATUS_PURPOSE = "revocation"
MIN_STATUS_LIST_BITS = 131072

ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"

PublicKeyResolver = Callable[[str], Ed25519PublicKey | None]


# --------------------------------------------------------------------------- base58btc, Multikey

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_RE = re.compile(r"[1-9A-HJ-NP-Za-km-z]*")
_BASE58_DIGITS = bytes.maketrans(BASE58_ALPHABET.encode("ascii"), bytes(range(58)))


def _pair_table() -> list[int]:
    """Two base58 digits read as one native 16-bit unsigned integer → their value (58 × first + second)."""
    table = [0] * 65536
    for first in range(58):
        for second in range(58):
            table[memoryview(bytes((first, second))).cast("H")[0]] = first * 58 + second
    return table


_PAIRS = _pair_table()


class MultibaseError(ValueError):
    """A string is not the expected multibase/multikey encoding."""


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in the Bitcoin base58 alphabet (leading zero bytes become '1')."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(BASE58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Decode Bitcoin base58; raise MultibaseError on any character outside the alphabet."""
    if not isinstance(text, str) or not _BASE58_RE.fullmatch(text):
        raise MultibaseError("invalid base58 text")
    digits = text.encode("ascii").translate(_BASE58_DIGITS)
    # Two digits at a time through a table: signatures are verified on a hot path, and each step on the
    # growing big integer costs more than the table look-up.
    number = digits[0] if len(digits) % 2 else 0
    for pair in memoryview(digits[len(digits) % 2:]).cast("H"):
        number = number * 3364 + _PAIRS[pair]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_base58btc(data: bytes) -> str:
    """Multibase-encode bytes as base58btc ('z' prefix)."""
    return "z" + base58btc_encode(data)


def decode_multibase_base58btc(value: object, max_length: int = 256) -> bytes:
    """Decode a 'z'-prefixed multibase string; max_length bounds the work on hostile input."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > max_length:
        raise MultibaseError("not a base58btc multibase string")
    return base58btc_decode(value[1:])


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Multikey form of an Ed25519 public key: 'z' + base58btc(0xed01 || key)."""
    return multibase_base58btc(ED25519_PUB_HEADER + public_key_bytes(public_key))


def decode_public_key_multibase(value: object) -> Ed25519PublicKey:
    """Parse a Multikey Ed25519 public key; raise MultibaseError if it is anything else."""
    raw = decode_multibase_base58btc(value)
    if len(raw) != 34 or not raw.startswith(ED25519_PUB_HEADER):
        raise MultibaseError("not an Ed25519 Multikey public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def encode_secret_key_multibase(private_key: Ed25519PrivateKey) -> str:
    """Multikey form of an Ed25519 secret key: 'z' + base58btc(0x8026 || seed)."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_base58btc(ED25519_PRIV_HEADER + seed)


def decode_secret_key_multibase(value: object) -> Ed25519PrivateKey:
    """Parse a Multikey Ed25519 secret key; raise MultibaseError if it is anything else."""
    raw = decode_multibase_base58btc(value)
    if len(raw) != 34 or not raw.startswith(ED25519_PRIV_HEADER):
        raise MultibaseError("not an Ed25519 Multikey secret key")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


# --------------------------------------------------------------------------- DIDs

_HOST_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _check_host(hostname: str) -> None:
    """Reject what did:web forbids or cannot express: IP addresses and invalid DNS names."""
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError("did:web must not use an IP address; use a domain name such as localhost")
    if len(hostname) > 253 or not all(_HOST_LABEL_RE.fullmatch(label) for label in hostname.split(".")):
        raise ValueError(f"invalid domain name: {hostname!r}")


def did_web(host: str, path: str | None = None) -> str:
    """The did:web DID for a host ('example.com' or 'example.com:8443') and optional path."""
    hostname, _, port = host.strip().lower().partition(":")
    _check_host(hostname)
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"invalid port: {port!r}")
    did = "did:web:" + hostname + (f"%3A{port}" if port else "")
    segments = [quote(segment, safe="") for segment in (path or "").split("/") if segment]
    return ":".join([did, *segments])


def did_web_document_url(did: str) -> str:
    """Where a did:web DID document is served (https://host/.well-known/did.json or .../did.json)."""
    if not did.startswith("did:web:"):
        raise ValueError("not a did:web DID")
    host, *segments = did[len("did:web:") :].split(":")
    authority = unquote(host)
    if not segments:
        return f"https://{authority}/.well-known/did.json"
    return f"https://{authority}/{'/'.join(segments)}/did.json"


def did_key(public_key: Ed25519PublicKey) -> str:
    """The did:key DID of an Ed25519 public key."""
    return "did:key:" + encode_public_key_multibase(public_key)


def did_key_verification_method(public_key: Ed25519PublicKey) -> str:
    """The verification method id of a did:key (did:key:z6Mk...#z6Mk...)."""
    multibase = encode_public_key_multibase(public_key)
    return f"did:key:{multibase}#{multibase}"


def resolve_did_key(verification_method: str) -> Ed25519PublicKey | None:
    """Resolve a did:key verification method id locally; None if it is not one."""
    if not isinstance(verification_method, str) or not verification_method.startswith("did:key:"):
        return None
    did, _, fragment = verification_method.partition("#")
    multibase = did[len("did:key:") :]
    if fragment != multibase:
        return None
    try:
        return decode_public_key_multibase(multibase)
    except (MultibaseError, ValueError):
        return None


def verification_method_id(did: str, key_id: str) -> str:
    """Absolute id of a key in a DID document; key_id is a fragment ('z6Mk...') or already absolute."""
    if key_id.startswith(did + "#"):
        return key_id
    return f"{did}#{key_id.lstrip('#')}"


def did_document(did: str, keys: Iterable[tuple[str, Ed25519PublicKey, bool]]) -> dict[str, Any]:
    """A DID document listing every key, active or retired, as a Multikey assertion method.

    Retired keys stay listed (in ``verificationMethod`` and ``assertionMethod``) so that credentials
    signed before a rotation keep verifying; active keys come first. A compromised key must instead
    be left out of ``keys``, which makes everything it signed fail with ``unknown_key``.
    """
    methods: list[dict[str, Any]] = []
    active_ids: list[str] = []
    retired_ids: list[str] = []
    for key_id, public_key, active in keys:
        vm_id = verification_method_id(did, key_id)
        if any(method["id"] == vm_id for method in methods):
            raise ValueError(f"duplicate key id {vm_id}")
        methods.append(
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": encode_public_key_multibase(public_key),
            }
        )
        (active_ids if active else retired_ids).append(vm_id)
    return {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": active_ids + retired_ids,
    }


def resolver_for_did_document(
    document: Mapping[str, Any], relationship: str = "assertionMethod"
) -> PublicKeyResolver:
    """A key resolver for one DID document: only Multikey methods listed under ``relationship``."""
    did = document.get("id")
    keys: dict[str, Ed25519PublicKey] = {}
    if isinstance(did, str):
        methods = {m.get("id"): m for m in document.get("verificationMethod") or [] if isinstance(m, dict)}
        for ref in document.get(relationship) or []:
            method = ref if isinstance(ref, dict) else methods.get(ref)
            if not isinstance(method, dict) or not isinstance(method.get("id"), str):
                continue
            vm_id = verification_method_id(did, method["id"]) if method["id"].startswith("#") else method["id"]
            if method.get("type") != "Multikey" or method.get("controller") != did:
                continue
            try:
                keys[vm_id] = decode_public_key_multibase(method.get("publicKeyMultibase"))
            except ValueError:
                continue

    def resolve(verification_method: str) -> Ed25519PublicKey | None:
        return keys.get(verification_method)

    return resolve


# --------------------------------------------------------------------------- canonicalisation

_FAST_PATH_MAX_DEPTH = 64
_ORJSON_JCS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
# Any character above U+FFFF (a 4-byte UTF-8 sequence): there JCS's UTF-16 key order and orjson's
# code point order can differ, so such documents go to rfc8785.
_ASTRAL_LEAD_BYTES = b"\xf0\xf1\xf2\xf3\xf4"


def _is_plain_json(value: Any) -> bool:
    """True if value holds only dict, list, str, bool, None and int — no float and no other type.

    Floats are excluded because their shortest form is not guaranteed to be ECMAScript's number
    formatting; other types (subclasses included) have no JSON form of their own. Nesting is
    bounded, which also stops on reference cycles. Keys and integer ranges are left to orjson.
    """
    level = [value]
    for _ in range(_FAST_PATH_MAX_DEPTH):
        deeper: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str or kind is int or kind is bool or item is None:
                continue
            if kind is dict:
                deeper.extend(item.values())
            elif kind is list:
                deeper.extend(item)
            else:
                return False
        if not deeper:
            return True
        level = deeper
    return False


def canonicalize(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value.

    Plain documents (see _is_plain_json) go through orjson with sorted keys and the 53-bit integer
    limit, whose output is identical to JCS for them when no character lies above U+FFFF (tested
    against rfc8785 by property tests) at a tenth of the json module's cost on the verification hot
    path; anything else, or anything orjson refuses (a non-str key, a lone surrogate, an integer
    outside the safe range), goes through rfc8785, which decides. Raises ValueError (or TypeError,
    RecursionError) when the value has no JCS form.
    """
    if _is_plain_json(value):
        try:
            text = orjson.dumps(value, option=_ORJSON_JCS)
        except TypeError:
            text = b""
        # Deleting the lead bytes is several times faster than a regular expression search for them.
        if text and len(text.translate(None, _ASTRAL_LEAD_BYTES)) == len(text):
            return text
    return rfc8785.dumps(value)


# --------------------------------------------------------------------------- Data Integrity proofs

_XSD_DATETIME_RE = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


def parse_xsd_datetime(value: object) -> datetime | None:
    """Parse an XML Schema dateTime (timezone optional); None when it is not one."""
    if not isinstance(value, str) or not _XSD_DATETIME_RE.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def format_datetime(moment: datetime, *, utc: bool = False) -> str:
    """XML Schema dateTimeStamp for an aware datetime, in UTC ('Z') or in its own offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    if utc:
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds")


def _hash_data(proof_config: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)), per §3.3.4."""
    return hashlib.sha256(canonicalize(proof_config)).digest() + hashlib.sha256(canonicalize(document)).digest()


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a copy of document with an eddsa-jcs-2022 DataIntegrityProof added."""
    if not isinstance(document, Mapping):
        raise TypeError("document must be a JSON object")
    if "proof" in document:
        raise ValueError("document already has a proof; proof sets are not supported")
    created_text = format_datetime(created, utc=True) if isinstance(created, datetime) else created
    if parse_xsd_datetime(created_text) is None:
        raise ValueError(f"created is not an XML Schema dateTime: {created_text!r}")
    unsecured = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created_text,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(_hash_data(proof, unsecured))
    proof["proofValue"] = multibase_base58btc(signature)
    return {**unsecured, "proof": proof}


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of verify(): valid, or the machine-readable reasons why not."""

    valid: bool
    errors: list[str] = field(default_factory=list)
    verification_method: str | None = None


def _fail(code: str, verification_method: str | None = None) -> VerifyResult:
    """A negative VerifyResult with one error code."""
    return VerifyResult(valid=False, errors=[code], verification_method=verification_method)


def _context_list(value: Any) -> list[Any] | None:
    """@context as a list (a lone string or object is a one-element list); None if absent."""
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def _same_json(first: Any, second: Any) -> bool:
    """Whether two values are the same JSON (Python's ``==`` would also equate ``1`` and ``true``)."""
    if type(first) is str and type(second) is str:
        return first == second
    if type(first) is list and type(second) is list and all(type(x) is str for x in first + second):
        return first == second
    try:
        return canonicalize(first) == canonicalize(second)
    except (ValueError, TypeError, RecursionError):
        return False


def _context_matches(proof_context: Any, document_context: Any, strict: bool) -> bool:
    """§3.3.2 step 4.1: the document's @context starts with the proof's; strict: is the same JSON."""
    if strict:
        return _same_json(proof_context, document_context)
    proof_list = _context_list(proof_context)
    document_list = _context_list(document_context)
    if not proof_list or document_list is None or len(document_list) < len(proof_list):
        return False
    return _same_json(document_list[: len(proof_list)], proof_list)


def _issuer_id(credential: Mapping[str, Any]) -> object:
    """The issuer's id whether `issuer` is a string or an object."""
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _check_proof_options(proof: Mapping[str, Any], expected_purpose: str, now: datetime) -> str | None:
    """The first structural problem with proof options, as an error code, or None."""
    if proof.get("type") != PROOF_TYPE:
        return "unknown_proof_type"
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return "unknown_cryptosuite"
    if not isinstance(proof.get("verificationMethod"), str) or not isinstance(proof.get("proofPurpose"), str):
        return "malformed_proof"
    if "created" in proof and parse_xsd_datetime(proof["created"]) is None:
        return "malformed_proof"
    if "expires" in proof:
        expires = parse_xsd_datetime(proof["expires"])
        if expires is None:
            return "malformed_proof"
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        if expires <= now:
            return "proof_expired"
    if proof["proofPurpose"] != expected_purpose:
        return "wrong_proof_purpose"
    return None


def _verify(
    credential: Any,
    resolve_key: PublicKeyResolver,
    expected_purpose: str,
    check_issuer: bool,
    strict_context: bool,
    now: datetime,
) -> VerifyResult:
    """verify() without the last-resort exception guard."""
    if not isinstance(credential, dict):
        return _fail("malformed_credential")
    if "proof" not in credential:
        return _fail("missing_proof")
    proof = credential["proof"]
    if isinstance(proof, list):
        return _fail("proof_set_unsupported")
    if not isinstance(proof, dict):
        return _fail("malformed_proof")
    problem = _check_proof_options(proof, expected_purpose, now)
    if problem:
        return _fail(problem)
    method: str = proof["verificationMethod"]
    try:
        signature = decode_multibase_base58btc(proof.get("proofValue"))
    except MultibaseError:
        return _fail("malformed_proof_value", method)
    if len(signature) != 64:
        return _fail("malformed_proof_value", method)

    unsecured = dict(credential)
    del unsecured["proof"]
    proof_config = dict(proof)
    proof_config.pop("proofValue", None)
    if "@context" in proof_config:
        if not _context_matches(proof_config["@context"], credential.get("@context"), strict_context):
            return _fail("context_mismatch", method)
        unsecured["@context"] = proof_config["@context"]

    if check_issuer and method.partition("#")[0] != _issuer_id(credential):
        return _fail("issuer_mismatch", method)
    try:
        public_key = resolve_key(method)
    except Exception:
        return _fail("key_resolution_failed", method)
    if not isinstance(public_key, Ed25519PublicKey):
        return _fail("unknown_key", method)
    try:
        hash_data = _hash_data(proof_config, unsecured)
    except (ValueError, TypeError, RecursionError):
        return _fail("canonicalization_failed", method)
    try:
        public_key.verify(signature, hash_data)
    except InvalidSignature:
        return _fail("bad_signature", method)
    return VerifyResult(valid=True, errors=[], verification_method=method)


def verify(
    credential: Any,
    resolve_key: PublicKeyResolver,
    *,
    expected_purpose: str = "assertionMethod",
    check_issuer: bool = True,
    strict_context: bool = True,
    now: datetime | None = None,
) -> VerifyResult:
    """Verify an eddsa-jcs-2022 proof on a parsed credential; never raises.

    ``resolve_key`` maps the proof's verificationMethod id to a public key (None if unknown).
    ``check_issuer`` requires that the verification method belongs to the credential's issuer
    (its id before '#' equals the issuer's id); turn it off only for third-party documents such
    as the W3C test vector, whose issuer is not its signer.
    ``strict_context`` requires the document's ``@context`` to equal the proof's; the specification
    only requires it to start with the proof's, to leave room for contexts added by later proofs in
    a proof set. Proof sets are not supported here, so a longer ``@context`` can only come from
    someone other than the signer, and the contract says any change must invalidate.
    Validity period and status are the caller's business, not this function's.
    """
    try:
        moment = now or datetime.now(UTC)
        return _verify(credential, resolve_key, expected_purpose, check_issuer, strict_context, moment)
    except Exception:
        return _fail("internal_error")


class _DuplicateKeyError(ValueError):
    """A JSON object repeats a member name."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """object_pairs_hook refusing repeated names, which parsers would resolve differently."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError("duplicate member name")
    return result


def _reject_constant(name: str) -> Any:
    """parse_constant hook refusing NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def parse_json_strict(data: str | bytes) -> Any:
    """Parse JSON refusing duplicate member names, NaN, Infinity and non-UTF-8 bytes; raise ValueError."""
    # json.loads would guess UTF-16/32 from bytes; RFC 8259 §8.1 says exchanged JSON is UTF-8.
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def verify_json(
    data: str | bytes,
    resolve_key: PublicKeyResolver,
    *,
    max_bytes: int = 1 << 20,
    expected_purpose: str = "assertionMethod",
    check_issuer: bool = True,
    strict_context: bool = True,
    now: datetime | None = None,
) -> VerifyResult:
    """Verify a credential given as JSON text (e.g. a request body); never raises.

    Options as for verify(); ``max_bytes`` bounds the UTF-8 size of the text.
    """
    try:
        # A str has at most as many characters as its UTF-8 bytes, so the cheap check goes first.
        if len(data) > max_bytes or (isinstance(data, str) and len(data.encode("utf-8", "surrogatepass")) > max_bytes):
            return _fail("too_large")
        try:
            credential = parse_json_strict(data)
        except _DuplicateKeyError:
            return _fail("duplicate_key")
        except (ValueError, TypeError, RecursionError):
            return _fail("malformed_json")
        return verify(
            credential,
            resolve_key,
            expected_purpose=expected_purpose,
            check_issuer=check_issuer,
            strict_context=strict_context,
            now=now,
        )
    except Exception:
        return _fail("internal_error")


# --------------------------------------------------------------------------- Bitstring Status List


class StatusListError(ValueError):
    """A status list or status entry is unusable; ``code`` is a machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def new_status_list(size: int = MIN_STATUS_LIST_BITS) -> bytearray:
    """An all-zero bitstring of size bits (at least 131,072 and a multiple of 8)."""
    if size < MIN_STATUS_LIST_BITS or size % 8:
        raise ValueError(f"size must be a multiple of 8 and at least {MIN_STATUS_LIST_BITS}")
    return bytearray(size // 8)


def _bit_position(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    """Byte offset and mask of a bit; index 0 is the left-most (most significant) bit."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(bits) * 8:
        raise IndexError(f"status list index {index!r} out of range")
    return index >> 3, 0x80 >> (index & 7)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    """Set (or clear) the status bit at index."""
    offset, mask = _bit_position(bits, index)
    if value:
        bits[offset] |= mask
    else:
        bits[offset] &= ~mask & 0xFF


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """The status bit at index."""
    offset, mask = _bit_position(bits, index)
    return bool(bits[offset] & mask)


def encode_list(bits: bytes | bytearray) -> str:
    """encodedList: GZIP, then multibase base64url without padding ('u' prefix)."""
    # mtime=0 makes the output depend on the bits only, so unchanged lists re-encode identically.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


_BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def decode_list(
    encoded: object,
    *,
    min_bits: int = MIN_STATUS_LIST_BITS,
    max_bits: int = 1 << 27,
) -> bytearray:
    """Expand an encodedList; raise StatusListError on anything but a well-formed list.

    ``max_bits`` (16 MiB uncompressed by default) bounds decompression so a GZIP bomb cannot
    exhaust memory.
    """
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("malformed_encoded_list", "encodedList must be multibase base64url ('u')")
    body = encoded[1:]
    if not _BASE64URL_RE.fullmatch(body) or len(body) % 4 == 1:
        raise StatusListError("malformed_encoded_list", "encodedList is not base64url")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError("malformed_encoded_list", "encodedList is not base64url") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, max_bits // 8 + 1)
    except zlib.error as exc:
        raise StatusListError("malformed_encoded_list", "encodedList is not GZIP data") from exc
    if len(bits) > max_bits // 8:
        raise StatusListError("status_list_too_large", "status list expands beyond the allowed size")
    if not inflater.eof or inflater.unused_data:
        raise StatusListError("malformed_encoded_list", "encodedList is truncated or has trailing data")
    if len(bits) * 8 < min_bits:
        raise StatusListError("status_list_length_error", f"status list is shorter than {min_bits} bits")
    return bytearray(bits)


def credential_status_entry(list_url: str, index: int) -> dict[str, Any]:
    """The BitstringStatusListEntry (purpose revocation) placing a credential at index."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError("index must be a non-negative integer")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str,
    bits: bytes | bytearray,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential (purpose revocation) for the given bits; sign() it."""
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise ValueError(f"a status list needs at least {MIN_STATUS_LIST_BITS} bits")
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": STATUS_PURPOSE,
        "encodedList": encode_list(bits),
    }
    return credential


def is_revoked(entry: object, list_credential: object) -> bool:
    """Read a credential's revocation bit from an (already verified) status list credential.

    Raises StatusListError with code ``malformed_status_entry``, ``status_list_mismatch``,
    ``malformed_encoded_list``, ``status_list_length_error`` or ``status_list_range_error``.
    """
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError("malformed_status_entry", "credentialStatus is not a BitstringStatusListEntry")
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not index_text.isascii() or not index_text.isdigit():
        raise StatusListError("malformed_status_entry", "statusListIndex must be a base-10 string")
    if entry.get("statusPurpose") != STATUS_PURPOSE or entry.get("statusSize", 1) != 1:
        raise StatusListError("malformed_status_entry", "only 1-bit revocation entries are supported")
    if not isinstance(list_credential, dict):
        raise StatusListError("status_list_mismatch", "the status list credential is not an object")
    subject = list_credential.get("credentialSubject")
    types = list_credential.get("type")
    if (
        not isinstance(subject, dict)
        or not isinstance(types, list)
        or "BitstringStatusListCredential" not in types
        or list_credential.get("id") != entry.get("statusListCredential")
    ):
        raise StatusListError("status_list_mismatch", "not the status list this entry points to")
    purposes = subject.get("statusPurpose")
    if STATUS_PURPOSE not in (purposes if isinstance(purposes, list) else [purposes]):
        raise StatusListError("status_list_mismatch", "the status list has another purpose")
    bits = decode_list(subject.get("encodedList"))
    index = int(index_text)
    if index >= len(bits) * 8:
        raise StatusListError("status_list_range_error", "statusListIndex is beyond the list")
    return get_bit(bits, index)


# --------------------------------------------------------------------------- licence credentials

RESERVED_SUBJECT_FIELDS = frozenset({"id", "type", "uscc", "name", "licenseType", "licenseTypeName", "licenseNumber"})


def build_license_credential(
    *,
    identifier: str,
    issuer: str,
    holder_uscc: str,
    holder_name: str,
    license_type: str,
    license_type_name: str,
    fields: Mapping[str, Any],
    valid_from: datetime,
    valid_until: datetime,
    credential_status: Mapping[str, Any],
    subject_id: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 for one licence; sign() it with the issuer's active key.

    Licence fields sit flat in ``credentialSubject`` next to ``uscc`` and ``name``; their names are
    expanded through the VC 2.0 context's ``@vocab``, so no extra context is needed. ``credential_id``
    defaults to a fresh ``urn:uuid:``, one per issued version of the licence.
    """
    if not is_valid_identifier(identifier):
        raise ValueError(f"invalid licence identifier {identifier!r}")
    if not cn_uscc.is_valid(holder_uscc):
        raise ValueError(f"invalid unified social credit code {holder_uscc!r}")
    if not issuer.startswith("did:"):
        raise ValueError("issuer must be a DID")
    clashes = RESERVED_SUBJECT_FIELDS.intersection(fields)
    if clashes:
        raise ValueError(f"licence fields use reserved names: {sorted(clashes)}")
    valid_from_text, valid_until_text = format_datetime(valid_from), format_datetime(valid_until)
    if valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")
    subject: dict[str, Any] = {"id": subject_id} if subject_id else {}
    subject.update(
        {
            "uscc": holder_uscc,
            "name": holder_name,
            "licenseType": license_type,
            "licenseTypeName": license_type_name,
            "licenseNumber": identifier,
            **copy.deepcopy(dict(fields)),
        }
    )
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", LICENSE_CREDENTIAL_TYPE],
        "name": license_type_name,
        "issuer": issuer,
        "validFrom": valid_from_text,
        "validUntil": valid_until_text,
        "credentialSubject": subject,
        "credentialStatus": copy.deepcopy(dict(credential_status)),
    }
    try:
        canonicalize(credential)
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValueError(f"licence fields are not representable in canonical JSON: {exc}") from exc
    return credential
