"""Verifying a credential: the proof, then validity period and status; the public hot path.

Only a credential whose proof holds (against our own did:web keys, resolved locally, or a did:key) and
whose licence is active is valid. For a credential of ours whose proof holds, the status is its bit in our
status list, held in memory (statusbits.py explains why that suffices, and how soon a revocation made by another
process is seen): a clear bit means active, or expired by the signed `validUntil`, and no row is read. A set bit,
a proof that fails, or a copy of the bits that cannot be vouched for sends the verifier to the licence row (one indexed lookup through a raw cursor: no model instances on
this path). A credential naming one of our status lists but no licence of ours is answered from that list's bit;
any other status list cannot be read (we never fetch URLs on behalf of a caller) and the answer is invalid with
`status_list_unavailable`.

`status` is one of active/revoked/expired/superseded when it can be established (our licence, or the
credential's own dates and status list) and None otherwise.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from . import keys, statusbits, vc
from .models import License, LicenseStatus

MAX_BYTES = 1 << 20
# The database says whether the licence has expired, so no datetime is built on this path.
_LICENSE_SQL = (f"SELECT status, CASE WHEN valid_until <= %s THEN 1 ELSE 0 END, status_list_id, status_index, id "  # noqa: S608
                f"FROM {License._meta.db_table} WHERE identifier = %s")
# Plain strings: an enum member's `.value` and comparisons cost on the hot path.
_ACTIVE, _EXPIRED, _REVOKED = LicenseStatus.ACTIVE.value, LicenseStatus.EXPIRED.value, LicenseStatus.REVOKED.value
_IDENTIFIER_RE = re.compile(r"[0-9]{6}-[0-9A-Z]{2,6}-[0-9]{4}-[0-9A-Z]{8}-[0-9A-Z]")


# What each machine code of a failed verification means, for people (the API answers the codes).
REASONS = {
    "bad_signature": "签名不符：凭证内容在签发后被改动过，或不是用所称的密钥签发的",
    "canonicalization_failed": "凭证内容无法按 JCS 规范化（含不支持的值）",
    "context_mismatch": "签名证明的 @context 与凭证不一致",
    "duplicate_key": "JSON 中有重复的字段名",
    "internal_error": "核验时出现内部错误，请稍后重试",
    "issuer_mismatch": "签名密钥不属于凭证所称的签发者",
    "key_resolution_failed": "无法解析签名密钥",
    "unknown_key": "签名密钥不是本平台已知的密钥",
    "malformed_credential": "提交的内容不是一份凭证（应为 JSON 对象）",
    "malformed_json": "提交的内容不是有效的 JSON",
    "malformed_proof": "签名证明（proof）格式不正确",
    "malformed_proof_value": "签名值（proofValue）格式不正确",
    "missing_proof": "凭证没有签名证明（proof）",
    "not_yet_valid": "凭证尚未到生效时间",
    "proof_expired": "签名证明已过期",
    "proof_set_unsupported": "不支持含多个签名证明的凭证",
    "status_list_unavailable": "无法读取凭证所指的状态列表",
    "status_mismatch": "凭证的状态条目与本平台的记录不符",
    "too_large": "凭证超过 1 MiB",
    "unknown_cryptosuite": "不支持的签名套件（应为 eddsa-jcs-2022）",
    "unknown_license": "本平台没有这份证照的记录",
    "unknown_proof_type": "不支持的签名证明类型（应为 DataIntegrityProof）",
    "wrong_proof_purpose": "签名证明的用途不是 assertionMethod",
    "revoked": "证照已吊销",
    "expired": "证照已过期",
    "superseded": "证照已被新版本取代（变更或延续）",
}


@dataclass
class Outcome:
    """The answer of POST /api/v1/verify."""

    valid: bool
    status: str | None
    errors: list[str] = field(default_factory=list)
    identifier: str | None = None
    license_id: int | None = None
    row_read: bool = False  # the licence row was looked up (license_id is None then only when there is none)

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON body."""
        return {"valid": self.valid, "status": self.status, "errors": self.errors}

    def license_pk(self) -> int | None:
        """Our licence's id, for the usage log: read with the row, or looked up now when the answer came without it
        (the status bits alone: active, or expired by its dates), so that the hot path itself never reads it; not
        again when the row was read and there was none."""
        if self.license_id is None and self.identifier and not self.row_read:
            self.license_id = License.objects.filter(identifier=self.identifier).values_list("id", flat=True).first()
        return self.license_id


_SQLITE_SQL: dict[str, str] = {}


def _fetchone(sql: str, params: list[Any], db: Any) -> tuple[Any, ...] | None:
    """One row through the driver's own connection: Django's cursor wrapper costs more than the SQLite query."""
    if db.connection is None:
        db.ensure_connection()
    if db.vendor == "sqlite":
        sql = _SQLITE_SQL.get(sql) or _SQLITE_SQL.setdefault(sql, sql.replace("%s", "?"))
    # sqlite3 and psycopg 3 connections both execute directly (a cursor is made and dropped inside).
    return db.connection.execute(sql, params).fetchone()  # type: ignore[no-any-return]


def _license_row(identifier: str, moment: datetime.datetime) -> tuple[Any, ...] | None:
    """(stored status, expired 0/1, status list id, index, id) of one of our licences, or None."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "sqlite":
        # Django stores SQLite datetimes as naive UTC text of this form, which compares as text.
        utc = moment if moment.tzinfo is datetime.UTC else moment.astimezone(datetime.UTC)
        now: Any = utc.replace(tzinfo=None).isoformat(" ")
    else:
        now = moment
    return _fetchone(_LICENSE_SQL, [now, identifier], db)


def _our_slot(entry: Any) -> tuple[int, int] | None:
    """(list id, index) of a credentialStatus naming one of our status lists, or None."""
    if not isinstance(entry, dict):
        return None
    url = entry.get("statusListCredential")
    prefix = keys.status_list_prefix()
    if not isinstance(url, str) or not url.startswith(prefix) or not url[len(prefix):].isdigit():
        return None
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not index_text.isascii() or not index_text.isdigit():
        return None
    return int(url[len(prefix):][:18]), int(index_text[:12])


def _subject_identifier(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    number = subject.get("licenseNumber") if isinstance(subject, dict) else None
    # The shape is enough to look it up; an identifier with a wrong check character is simply not found.
    return number if isinstance(number, str) and _IDENTIFIER_RE.fullmatch(number) else None


def verify_credential(credential: Any, now: datetime.datetime | None = None) -> Outcome:
    """Verify a parsed credential: proof, then dates and status. Never raises on any input."""
    try:
        return _verify_credential(credential, now)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
        # A last-resort guard: a credential that reaches it is simply not valid.
        return Outcome(False, None, ["internal_error"])


def _verify_credential(credential: Any, now: datetime.datetime | None) -> Outcome:
    """verify_credential() without its guard."""
    moment = now or datetime.datetime.now(datetime.UTC)
    result = vc.verify(credential, keys.resolve_key, now=moment)
    if not isinstance(credential, dict):
        return Outcome(False, None, list(result.errors))
    identifier = _subject_identifier(credential)
    errors = list(result.errors)
    status: str | None = None
    license_id: int | None = None
    entry = credential.get("credentialStatus")
    issuer = credential.get("issuer")
    ours = (issuer.get("id") if isinstance(issuer, dict) else issuer) == keys.issuer_did()
    slot = _our_slot(entry)
    row, looked_up = None, False
    if result.valid and ours and identifier and slot and statusbits.bit(*slot) is False:
        status = _ACTIVE  # our signature on a clear bit: active unless past its validUntil
    elif identifier:
        row, looked_up = _license_row(identifier, moment), True
    if row is not None:
        stored, expired, list_id, index, license_id = row
        status = stored
        if stored == _ACTIVE and expired:
            status = _EXPIRED
        if result.valid and not (
            isinstance(entry, dict) and entry.get("statusListCredential") == keys.status_list_url(list_id)
            and entry.get("statusListIndex") == str(index)
        ):
            errors.append("status_mismatch")
    elif result.valid and status is None:
        if ours:
            errors.append("unknown_license")
        bit = statusbits.stored_bit(*slot) if slot else None  # rare: no copy needed
        if bit is None:
            errors.append("status_list_unavailable")
        else:
            status = _REVOKED if bit else _ACTIVE
    valid_from = vc.parse_xsd_datetime(credential.get("validFrom"))
    # Where the row was read it decided expiry; otherwise the credential's own (signed, for ours) validUntil does.
    valid_until_text = vc.parse_xsd_datetime(credential.get("validUntil")) if row is None else None
    if valid_until_text is not None:
        if valid_until_text.tzinfo is None:
            valid_until_text = valid_until_text.replace(tzinfo=datetime.UTC)
        if valid_until_text <= moment and (status is None or status == _ACTIVE):
            status = _EXPIRED
    if valid_from is not None:
        if valid_from.tzinfo is None:
            valid_from = valid_from.replace(tzinfo=datetime.UTC)
        if valid_from > moment:
            errors.append("not_yet_valid")
    if status is not None and status != _ACTIVE and status not in errors:
        errors.append(status)
    valid = result.valid and status == _ACTIVE and not errors
    return Outcome(valid, status, errors, identifier, license_id, row_read=looked_up)


def verify_body(body: bytes | str, now: datetime.datetime | None = None) -> Outcome | vc.VerifyResult:
    """Verify a raw request body; a body that is not a credential comes back as the VerifyResult saying why."""
    if len(body) > MAX_BYTES:
        return vc.VerifyResult(False, ["too_large"])
    try:
        credential = vc.parse_json_strict(body)
    except ValueError as exc:
        return vc.VerifyResult(False, ["duplicate_key" if "duplicate" in str(exc) else "malformed_json"])
    except (TypeError, RecursionError):
        return vc.VerifyResult(False, ["malformed_json"])
    if isinstance(credential, dict) and "proof" not in credential and isinstance(credential.get("credential"), dict):
        credential = credential["credential"]  # also accept {"credential": {...}}
    if not isinstance(credential, dict):
        return vc.VerifyResult(False, ["malformed_credential"])
    return verify_credential(credential, now)
