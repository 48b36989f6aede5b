"""Writes on licences: types, issuance, change, renewal, revocation, lazy signing and the usage log."""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from stdnum.cn import uscc as cn_uscc

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.calendar import SHANGHAI, end_of_day
from zhitongche.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from zhitongche.regions.models import Department
from zhitongche.registry.choices import EnterpriseStatus
from zhitongche.registry.models import Enterprise

from . import identifiers, keys, statusbits, vc
from .models import (
    TRANSITIONS,
    Layout,
    License,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    StatusList,
    UseAction,
)
from .scopes import issuing_department

TYPE_FIELDS = ("code", "name", "department", "valid_years", "fields", "layout", "display_title",
               "display_note", "active")
FIELD_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
MAX_FIELD_VALUE = 1000
MAX_FIELDS = 40
MAX_VALID_YEARS = 100
# A list is filled to half its size, then a new one is opened: random positions stay cheap to find and
# a list's bits do not reveal how many licences exist.
LIST_FILL = 2
DEFAULT_PURPOSE = "未说明"


# --------------------------------------------------------------------------- licence types

def _clean_type_fields(fields: Any) -> list[dict[str, Any]]:
    """Validate a type's field list: unique keys of letters/digits/_, a label, a required flag."""
    if fields is None:
        return []
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise InvalidInput(f"证照字段须为不超过 {MAX_FIELDS} 项的列表", code="invalid_fields")
    cleaned: list[dict[str, Any]] = []
    for item in fields:
        if not isinstance(item, dict):
            raise InvalidInput("每个证照字段须包含 key、label、required", code="invalid_fields")
        key, label = str(item.get("key", "")).strip(), str(item.get("label", "")).strip()
        if not FIELD_KEY_RE.fullmatch(key) or key in vc.RESERVED_SUBJECT_FIELDS:
            raise InvalidInput(f"字段名 {key!r} 无效：须以字母开头，仅含字母、数字、下划线，且不能使用保留名",
                               code="invalid_field_key")
        if not label or len(label) > 50:
            raise InvalidInput(f"字段 {key} 须有不超过 50 字的中文名称", code="invalid_field_label")
        if any(c["key"] == key for c in cleaned):
            raise InvalidInput(f"字段 {key} 重复", code="duplicate_field")
        cleaned.append({"key": key, "label": label, "required": bool(item.get("required", False))})
    return cleaned


def license_type_upsert(
    *, actor: Any, code: str, name: str, department: str, valid_years: int | None = None,
    fields: list[dict[str, Any]] | None = None, layout: str | None = None, display_title: str | None = None,
    display_note: str | None = None,
) -> tuple[LicenseType, bool]:
    """Create or update a licence type by code; returns (type, created). Validates everything before writing.

    On update, options left as None keep their value; `valid_years` 0 means 长期有效 (no end of validity).
    """
    code = (code or "").strip().upper()
    name = (name or "").strip()
    if not re.fullmatch(r"[0-9A-Z]{2,6}", code):
        raise InvalidInput("证照类型代码须为 2–6 位大写字母或数字", code="invalid_code")
    if not name or len(name) > 100:
        raise InvalidInput("证照名称不能为空，且不超过 100 个字符", code="invalid_name")
    dept = Department.objects.filter(code=(department or "").strip().upper(), active=True).first()
    if dept is None:
        raise InvalidInput(f"部门代码 {department} 不存在", code="unknown_department")
    if not re.fullmatch(r"[0-9]{6}", dept.region_id or ""):
        raise InvalidInput(f"部门 {dept.code} 的所属区划不是 6 位代码，不能发证", code="invalid_department")
    if valid_years is not None and not 0 <= valid_years <= MAX_VALID_YEARS:
        raise InvalidInput(f"有效期须在 0–{MAX_VALID_YEARS} 年之间（0 表示长期有效）", code="invalid_valid_years")
    cleaned_fields = _clean_type_fields(fields) if fields is not None else None
    if layout is not None and layout not in Layout.values:
        raise InvalidInput(f"未知版式 {layout}；可选：{', '.join(Layout.values)}", code="invalid_layout")
    with transaction.atomic():
        existing = LicenseType.objects.select_for_update().filter(code=code).first()
        created = existing is None
        lt = existing or LicenseType(code=code)
        before = {} if created else audit.snapshot(lt, TYPE_FIELDS)
        lt.name, lt.department = name, dept
        if valid_years is not None or created:
            lt.valid_years = valid_years or None
        if cleaned_fields is not None:
            lt.fields = cleaned_fields
        if layout is not None:
            lt.layout = layout
        if display_title is not None:
            lt.display_title = display_title.strip()[:100]
        if display_note is not None:
            lt.display_note = display_note.strip()[:300]
        lt.save()
        changes = audit.diff(before, audit.snapshot(lt, TYPE_FIELDS))
        if changes:
            audit.record(actor=actor, action="license_type.create" if created else "license_type.update",
                         obj=lt, changes=changes)
    return lt, created


# --------------------------------------------------------------------------- validation helpers

MAX_STRUCTURED_VALUE = 4000
_SAFE_INT = 2**53 - 1


def _clean_value(key: str, label: str, value: Any) -> Any:
    """One field value: trimmed text, a number, a boolean, or a small array/object of those; None when empty."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_FIELD_VALUE:
            raise InvalidInput(f"字段 {label} 超过 {MAX_FIELD_VALUE} 个字符", code="invalid_field_value",
                               details={"field": key})
        return text or None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= _SAFE_INT:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, list | dict):
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            vc.canonicalize(value)
        except (ValueError, TypeError, RecursionError):
            text = ""
        if text and len(text) <= MAX_STRUCTURED_VALUE and text.count("[") + text.count("{") <= 50:
            return value
    raise InvalidInput(f"字段 {label} 的值须为文字、数字、是否，或不超过 {MAX_STRUCTURED_VALUE} 字符的数组/对象",
                       code="invalid_field_value", details={"field": key})


def _clean_values(license_type: LicenseType, fields: Any, *, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The licence's field values, merged over `base` (None removes a field).

    A type that declares fields accepts only those and requires the required ones, in the type's order;
    a type created without fields (e.g. by `ztc license-type add` alone) accepts any fields whose names
    are letters, digits and _ and not reserved by the credential.
    """
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise InvalidInput("fields 须为对象（字段名 → 值）", code="invalid_fields")
    declared = license_type.fields or []
    known = {f["key"]: f for f in declared}
    if declared:
        unknown = sorted(str(k) for k in fields if k not in known)
        if unknown:
            raise InvalidInput(f"证照类型 {license_type.code} 没有字段：{'、'.join(unknown)[:200]}",
                               code="unknown_field", details={"fields": unknown[:20]})
    else:
        bad = sorted(str(k)[:50] for k in fields
                     if not FIELD_KEY_RE.fullmatch(str(k)) or k in vc.RESERVED_SUBJECT_FIELDS)
        if bad:
            raise InvalidInput(f"字段名无效或为保留名：{'、'.join(bad)[:200]}", code="invalid_field_key",
                               details={"fields": bad[:20]})
    values: dict[str, Any] = dict(base or {})
    for key, value in fields.items():
        cleaned = None if value is None else _clean_value(key, known.get(key, {}).get("label", key), value)
        if cleaned is None:
            values.pop(key, None)
        else:
            values[key] = cleaned
    if len(values) > MAX_FIELDS:
        raise InvalidInput(f"证照字段不超过 {MAX_FIELDS} 项", code="invalid_fields")
    if not declared:
        return values
    missing = [f["key"] for f in declared if f.get("required") and values.get(f["key"]) in (None, "")]
    if missing:
        labels = "、".join(known[k]["label"] for k in missing)
        raise InvalidInput(f"缺少必填字段：{labels}", code="missing_field", details={"fields": missing})
    # Keep the type's order, so the credential and the page list fields as the type defines them.
    return {f["key"]: values[f["key"]] for f in declared if f["key"] in values}


def _clean_valid_until(license_type: LicenseType, valid_from: datetime.datetime,
                       valid_until: Any) -> datetime.datetime | None:
    """The end of validity: as given (a date means its last second in Beijing), or from the type's years."""
    if valid_until in (None, ""):
        if not license_type.valid_years:
            return None
        start = valid_from.astimezone(SHANGHAI).date()
        try:
            anniversary = start.replace(year=start.year + license_type.valid_years)
        except ValueError:  # 29 February
            anniversary = start.replace(year=start.year + license_type.valid_years, day=28)
        return end_of_day(anniversary - datetime.timedelta(days=1))
    if isinstance(valid_until, str):
        try:
            parsed: Any = (datetime.date.fromisoformat(valid_until) if len(valid_until.strip()) == 10
                           else datetime.datetime.fromisoformat(valid_until))
        except ValueError as exc:
            raise InvalidInput("valid_until 须为 YYYY-MM-DD 或带时区的 ISO 8601 时间", code="invalid_valid_until") from exc
        valid_until = parsed
    if isinstance(valid_until, datetime.datetime):
        if valid_until.tzinfo is None:
            valid_until = valid_until.replace(tzinfo=SHANGHAI)
        result = valid_until
    elif isinstance(valid_until, datetime.date):
        result = end_of_day(valid_until)
    else:
        raise InvalidInput("valid_until 须为日期", code="invalid_valid_until")
    if result <= valid_from:
        raise InvalidInput("有效期截止时间须晚于生效时间", code="invalid_valid_until")
    if result.year > valid_from.year + MAX_VALID_YEARS:
        raise InvalidInput(f"有效期不能超过 {MAX_VALID_YEARS} 年", code="invalid_valid_until")
    return result


def _holder(uscc: Any) -> Enterprise:
    """The holder by its 统一社会信用代码; 400 for a malformed or unknown code, 422 for a deregistered one."""
    code = str(uscc or "").strip().upper()
    if not cn_uscc.is_valid(code):
        raise InvalidInput(f"统一社会信用代码 {code[:20]} 无效", code="invalid_uscc")
    holder = Enterprise.objects.filter(uscc=code).first()
    if holder is None:
        raise InvalidInput(f"统一社会信用代码 {code} 对应的市场主体不存在", code="unknown_holder")
    if holder.status == EnterpriseStatus.DEREGISTERED:
        raise DomainError("holder_deregistered", f"{holder.name} 已注销，不能签发证照", status=422)
    return holder


def _license_type(code: Any) -> LicenseType:
    lt = (LicenseType.objects.select_related("department")
          .filter(code=str(code or "").strip().upper(), active=True).first())
    if lt is None:
        raise InvalidInput(f"证照类型 {str(code)[:20]} 不存在或已停用", code="unknown_type")
    return lt


def require_issuer(actor: Any, license_type: LicenseType, action: str, obj: Any = None) -> None:
    """Only users of the issuing department act on a type's licences (administrators included: they do not issue)."""
    scopes.require(actor, action, obj if obj is not None else license_type)
    if not issuing_department(actor, license_type):
        raise Forbidden(f"只有{license_type.department.name}的工作人员可以办理此类证照", code="not_issuing_department")


# --------------------------------------------------------------------------- status list slots

def _new_list() -> StatusList:
    size = vc.MIN_STATUS_LIST_BITS
    return StatusList.objects.create(size=size, bits=bytes(size // 8), capacity=size // LIST_FILL)


def _allocate_slot() -> tuple[StatusList, int]:
    """A random free position in a status list with room (locked), opening a new list when all are full."""
    status_list = (StatusList.objects.select_for_update().filter(allocated__lt=F("capacity"))
                   .order_by("id").first())
    if status_list is None:
        status_list = _new_list()
    # At most half full, so each draw is free with probability >= 1/2.
    for _ in range(64):
        index = secrets.randbelow(status_list.size)
        if not License.objects.filter(status_list=status_list, status_index=index).exists():
            break
    else:  # pragma: no cover — probability 2**-64
        raise Conflict("状态列表分配失败，请重试", code="status_slot_busy")
    StatusList.objects.filter(pk=status_list.pk).update(allocated=F("allocated") + 1)
    return status_list, index


def _set_status_bit(lic: License) -> None:
    """Set the licence's revocation bit (locked read-modify-write of its list)."""
    status_list = StatusList.objects.select_for_update().get(pk=lic.status_list_id)
    bits = bytearray(status_list.bits)
    vc.set_bit(bits, lic.status_index)
    status_list.bits = bytes(bits)
    status_list.updated_at = timezone.now()
    status_list.revision = secrets.randbits(62)
    status_list.save(update_fields=["bits", "updated_at", "revision"])
    statusbits.noted(status_list.pk, lic.status_index)


def _new_identifier(license_type: LicenseType, year: int) -> str:
    region = license_type.department.region_id
    for _ in range(8):
        identifier = identifiers.make_identifier(region, license_type.code, year)
        if not License.objects.filter(identifier=identifier).exists():
            return identifier
    raise Conflict("证照编号冲突，请重试", code="identifier_busy")  # pragma: no cover


# --------------------------------------------------------------------------- issue, change, renew, revoke

LICENSE_AUDIT_FIELDS = ("identifier", "license_type", "holder", "fields", "valid_from", "valid_until", "status",
                        "version", "previous", "status_list", "status_index", "revocation_reason")


def license_issue(
    *, actor: Any, type_code: Any, holder: Any, fields: Any = None, valid_until: Any = None,
    valid_from: datetime.datetime | None = None,
) -> License:
    """Issue a licence of a type to an enterprise; only the type's issuing department; nothing written on refusal."""
    license_type = _license_type(type_code)
    require_issuer(actor, license_type, "license.issue")
    enterprise = _holder(holder)
    values = _clean_values(license_type, fields)
    start = valid_from or timezone.now()
    until = _clean_valid_until(license_type, start, valid_until)
    with transaction.atomic():
        lic = _create_version(actor=actor, license_type=license_type, holder=enterprise, values=values,
                              valid_from=start, valid_until=until, year=start.astimezone(SHANGHAI).year)
        audit.record(actor=actor, action="license.issue", obj=lic,
                     changes=audit.diff({}, audit.snapshot(lic, LICENSE_AUDIT_FIELDS)))
    return lic


def _create_version(*, actor: Any, license_type: LicenseType, holder: Enterprise, values: dict[str, str],
                    valid_from: datetime.datetime, valid_until: datetime.datetime | None, year: int,
                    previous: License | None = None) -> License:
    status_list, index = _allocate_slot()
    lic = License(
        identifier=_new_identifier(license_type, year), license_type=license_type, holder=holder,
        holder_name=holder.name, type_name=license_type.name, fields=values, valid_from=valid_from,
        valid_until=valid_until, status=LicenseStatus.ACTIVE, version=(previous.version + 1) if previous else 1,
        previous=previous, status_list=status_list, status_index=index,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            lic.save()
    except IntegrityError as exc:  # pragma: no cover — a concurrent writer took the same slot or number
        raise Conflict("证照编号或状态位冲突，请重试", code="license_busy") from exc
    return lic


def _locked_for_action(actor: Any, identifier: Any, action: str) -> License:
    """The visible licence, locked, checked for permission and for the transition table."""
    from . import selectors

    lic = selectors.license_get(user=actor, identifier=identifier, for_update=True)  # 404 outside the caller's scope
    require_issuer(actor, lic.license_type, f"license.{action}", lic)
    require_state(lic, action)
    return lic


def require_state(lic: License, action: str) -> None:
    """Refuse (409 `invalid_state`) an action the licence's state does not allow: the transition table, and no
    change of an expired licence."""
    if lic.status not in TRANSITIONS[action]:
        raise Conflict(f"证照当前状态为「{lic.effective_status_label}」，不能{ACTION_LABELS[action]}",
                       code="invalid_state", details={"status": lic.effective_status()})
    if action == "change" and lic.effective_status() != LicenseStatus.ACTIVE:
        raise Conflict("证照已过期，请办理延续（renew）而不是变更", code="invalid_state",
                       details={"status": lic.effective_status()})


ACTION_LABELS = {"change": "变更", "renew": "延续", "revoke": "吊销"}


def _supersede(actor: Any, old: License, new: License, action: str, note: str) -> None:
    before = audit.snapshot(old, ("status",))
    old.status = LicenseStatus.SUPERSEDED
    old.ended_at = timezone.now()
    old.save(update_fields=["status", "ended_at"])
    # A superseded version must not be relied on any more, also by verifiers that only read the status
    # list: its revocation bit is set. Our own verification reports it as "superseded".
    _set_status_bit(old)
    audit.record(actor=actor, action=f"license.{action}", obj=old,
                 changes={**audit.diff(before, audit.snapshot(old, ("status",))), "next": [None, new.identifier],
                          **({"note": [None, note]} if note else {})})
    audit.record(actor=actor, action="license.issue", obj=new,
                 changes=audit.diff({}, audit.snapshot(new, LICENSE_AUDIT_FIELDS)))


def license_change(*, actor: Any, identifier: Any, fields: Any = None, valid_until: Any = None,
                   note: str = "") -> License:
    """变更: a new version with the changed fields (validity kept unless given); the old one is superseded."""
    return _new_version(actor=actor, identifier=identifier, action="change", fields=fields,
                         valid_until=valid_until, note=note)


def license_renew(*, actor: Any, identifier: Any, fields: Any = None, valid_until: Any = None,
                  note: str = "") -> License:
    """延续: a new version valid from now for the type's years (or until valid_until); the old one is superseded."""
    return _new_version(actor=actor, identifier=identifier, action="renew", fields=fields,
                         valid_until=valid_until, note=note)


def _new_version(*, actor: Any, identifier: Any, action: str, fields: Any, valid_until: Any, note: str) -> License:
    """The new version of a change or renewal and the old one superseded, in one transaction."""
    note = (note or "").strip()[:500]
    with transaction.atomic():
        old = _locked_for_action(actor, identifier, action)
        values = _clean_values(old.license_type, fields, base=old.fields)
        start = timezone.now()
        if action == "change" and valid_until in (None, ""):
            if values == old.fields:
                raise InvalidInput("没有任何变更内容", code="no_change")
            until = old.valid_until
        else:
            until = _clean_valid_until(old.license_type, start, valid_until)
        new = _create_version(actor=actor, license_type=old.license_type, holder=old.holder, values=values,
                              valid_from=start, valid_until=until, year=_year(old), previous=old)
        _supersede(actor, old, new, action, note)
    return new


def _year(lic: License) -> int:
    parts = identifiers.parse_identifier(lic.identifier)
    return parts.year if parts else lic.issued_at.year


def license_revoke(*, actor: Any, identifier: Any, reason: Any) -> License:
    """吊销: final; the reason is required; sets the licence's bit in its status list."""
    reason_text = str(reason or "").strip()
    if not reason_text:
        raise InvalidInput("吊销必须填写原因", code="missing_reason")
    if len(reason_text) > 500:
        raise InvalidInput("吊销原因不超过 500 个字符", code="invalid_reason")
    with transaction.atomic():
        lic = _locked_for_action(actor, identifier, "revoke")
        before = audit.snapshot(lic, ("status", "revocation_reason"))
        lic.status = LicenseStatus.REVOKED
        lic.revocation_reason = reason_text
        lic.ended_at = timezone.now()
        lic.save(update_fields=["status", "revocation_reason", "ended_at"])
        _set_status_bit(lic)
        audit.record(actor=actor, action="license.revoke", obj=lic,
                     changes=audit.diff(before, audit.snapshot(lic, ("status", "revocation_reason"))))
    return lic


# --------------------------------------------------------------------------- credentials and the usage log

def _clean_purpose(purpose: Any, default: str) -> str:
    text = str(purpose or "").strip()
    return text[:200] if text else default


def license_credential(*, actor: Any, identifier: Any, purpose: Any = None, channel: str = "api") -> dict[str, Any]:
    """The signed credential of a visible licence; signs lazily on first fetch; logs the fetch (调用记录)."""
    from . import credentials, selectors

    lic = selectors.license_get(user=actor, identifier=identifier)
    with transaction.atomic():
        if not lic.signing_key:
            locked = License.objects.select_for_update().get(pk=lic.pk)
            if not locked.signing_key:
                locked.signing_key = keys.active_key_id()
                locked.signed_at = timezone.now().replace(microsecond=0)
                locked.save(update_fields=["signing_key", "signed_at"])
                audit.record(actor=actor, action="license.sign", obj=locked,
                             changes={"signing_key": [None, locked.signing_key]})
            lic.signing_key, lic.signed_at = locked.signing_key, locked.signed_at
        record_use(actor=actor, license_id=lic.pk, identifier=lic.identifier, action=UseAction.CREDENTIAL,
                   purpose=_clean_purpose(purpose, "持证下载" if actor.role == "enterprise" else DEFAULT_PURPOSE),
                   channel=channel, result=lic.effective_status())
    return credentials.signed_license_credential(lic)


def record_use(*, actor: Any, action: str, purpose: str, identifier: str, license_id: int | None = None,
               channel: str = "api", result: str = "") -> LicenseUse | None:
    """Append one 调用记录 row for a platform user (anonymous visitors are not logged)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return LicenseUse.objects.create(
        license_id=license_id, identifier=identifier[:40], user=actor,
        action=action, purpose=_clean_purpose(purpose, DEFAULT_PURPOSE), channel=channel[:8], result=result[:40],
    )


# --------------------------------------------------------------------------- bulk issuance (demo, benchmarks)

SERIALS = identifiers.MAX_SERIAL + 1


class _RandomPool:
    """Uniform random integers from a buffer of os.urandom bytes: one system call per 64 KiB instead of one
    per number (bulk issuance draws two per licence)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.position = 0

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection sampling on whole bytes."""
        size = (n - 1).bit_length()
        width = (size + 7) // 8
        mask = (1 << size) - 1
        while True:
            if self.position + width > len(self.buffer):
                self.buffer, self.position = os.urandom(65536), 0
            value = int.from_bytes(self.buffer[self.position:self.position + width], "big") & mask
            self.position += width
            if value < n:
                return value


def bulk_issue(*, license_type: LicenseType, rows: Iterable[tuple[Enterprise, dict[str, str], datetime.datetime]],
               batch_size: int = 5000) -> int:
    """Issue many licences without per-row checks (trusted loaders only): random free status slots per list,
    multi-row inserts in batches, no signatures (signing is lazy). Not audited, like every demo loader."""
    count = 0
    batch: list[tuple[Any, ...]] = []
    # The current list, the positions taken in it and how many this run took; rejection sampling is
    # cheap because a list is never more than half full.
    state: dict[str, Any] = {"list": None, "used": set(), "taken": 0, "room": 0}

    def flush_allocation() -> None:
        if state["list"] is not None and state["taken"]:
            StatusList.objects.filter(pk=state["list"].pk).update(allocated=F("allocated") + state["taken"])
        state["taken"] = 0

    def next_slot() -> tuple[StatusList, int]:
        if state["list"] is None or state["taken"] >= state["room"]:
            flush_allocation()
            status_list = (StatusList.objects.filter(allocated__lt=F("capacity")).order_by("id").first()
                           or _new_list())
            state["list"], state["room"] = status_list, status_list.capacity - status_list.allocated
            state["used"] = set(License.objects.filter(status_list=status_list)
                                .values_list("status_index", flat=True))
        status_list = state["list"]
        while True:
            index = pool.below(status_list.size)
            if index not in state["used"]:
                break
        state["used"].add(index)
        state["taken"] += 1
        return status_list, index

    pool = _RandomPool()
    seen: set[str] = set()
    region = license_type.department.region_id
    for holder, values, start in rows:
        until = _clean_valid_until(license_type, start, None)
        year = start.astimezone(SHANGHAI).year
        identifier = identifiers.make_identifier(region, license_type.code, year, serial=pool.below(SERIALS))
        while identifier in seen:  # pragma: no cover — 40 random bits
            identifier = identifiers.make_identifier(region, license_type.code, year, serial=pool.below(SERIALS))
        seen.add(identifier)
        status_list, index = next_slot()
        batch.append((identifier, holder.pk, holder.name, values, start, until, status_list.pk, index))
        if len(batch) >= batch_size:
            count += _insert_rows(license_type, batch)
            batch = []
    if batch:
        count += _insert_rows(license_type, batch)
    flush_allocation()
    return count



_BULK_COLUMNS = ("identifier", "license_type", "holder", "holder_name", "type_name", "fields", "valid_from",
                 "valid_until", "status", "version", "status_list", "status_index", "credential_id", "signing_key",
                 "issued_at", "revocation_reason")


def _insert_rows(license_type: LicenseType, batch: list[tuple[Any, ...]]) -> int:
    """Insert prepared licence rows with one executemany: the ORM's per-object work is most of bulk_create's
    cost, and these rows need none of it (values prepared by each field, so both engines get their types)."""
    meta = License._meta
    fields: dict[str, Any] = {name: meta.get_field(name) for name in _BULK_COLUMNS}
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(fields[name].column) for name in _BULK_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_BULK_COLUMNS))})"  # noqa: S608
    sqlite = connection.vendor == "sqlite"

    def moment(value: datetime.datetime | None) -> Any:
        # What the field itself would store: naive UTC text on SQLite, the aware datetime elsewhere.
        if value is None or not sqlite:
            return value
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")

    prepared_json: dict[int, Any] = {}
    params = []
    for identifier, holder_id, holder_name, values, start, until, list_id, index in batch:
        json_value = prepared_json.get(id(values))
        if json_value is None:
            json_value = prepared_json[id(values)] = fields["fields"].get_db_prep_save(values, connection)
        valid_from = moment(start)
        credential_id = uuid.UUID(bytes=os.urandom(16), version=4)
        params.append((identifier, license_type.pk, holder_id, holder_name, license_type.name, json_value, valid_from,
                       moment(until), LicenseStatus.ACTIVE.value, 1, list_id, index,
                       credential_id.hex if sqlite else credential_id, "", valid_from, ""))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than multi-row INSERTs on PostgreSQL (DESIGN.md).
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, params)
    return len(batch)
