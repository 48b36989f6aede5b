"""Licences under /api/v1/ (CONTRACT.md §7): issue, act, fetch the credential, verify."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from zhitongche.api.auth import acting_user, optional_user
from zhitongche.api.errors import error_response
from zhitongche.core.errors import InvalidInput

from . import selectors, services, verification
from .models import License, UseAction

router = Router(tags=["电子证照"])


class FieldSpecOut(Schema):
    key: str
    label: str
    required: bool


class LicenseTypeOut(Schema):
    code: str
    name: str
    department: str = Field(alias="department.code")
    department_name: str = Field(alias="department.name")
    valid_years: int | None
    fields: list[FieldSpecOut]
    layout: str


class LicenseOut(Schema):
    identifier: str
    type: str
    type_name: str
    holder: str
    holder_name: str
    fields: dict[str, Any]
    valid_from: datetime.datetime
    valid_until: datetime.datetime | None
    status: Literal["active", "revoked", "expired", "superseded"]
    version: int
    previous: str | None
    next: str | None
    issuing_department: str
    issued_at: datetime.datetime
    revocation_reason: str
    credential_url: str
    verify_url: str


def license_out(lic: License) -> dict[str, Any]:
    """The API shape of a licence."""
    from . import keys

    following = lic.newer
    return {
        "identifier": lic.identifier, "type": lic.license_type.code, "type_name": lic.type_name,
        "holder": lic.holder.uscc, "holder_name": lic.holder_name, "fields": lic.fields,
        "valid_from": lic.valid_from, "valid_until": lic.valid_until, "status": lic.effective_status(),
        "version": lic.version, "previous": lic.previous.identifier if lic.previous_id and lic.previous else None,
        "next": following.identifier if following else None,
        "issuing_department": lic.license_type.department.code, "issued_at": lic.issued_at,
        "revocation_reason": lic.revocation_reason,
        "credential_url": f"/api/v1/licenses/{lic.identifier}/credential",
        "verify_url": f"{keys.public_base_url()}/verify/{lic.identifier}",
    }


class LicenseIn(Schema):
    type: str = Field(max_length=6, description="证照类型代码")
    holder: str = Field(max_length=40, description="持证主体的统一社会信用代码")
    fields: dict[str, Any] = Field(default_factory=dict, description="证照字段（按证照类型定义）")
    valid_until: datetime.date | datetime.datetime | None = Field(
        None, description="有效期至；日期表示当日 23:59:59（北京时间）；省略时按证照类型的有效年限，长期有效类型为空")


class ActionIn(Schema):
    fields: dict[str, Any] | None = Field(None, description="change / renew：要变更的字段（null 删除可选字段）")
    valid_until: datetime.date | datetime.datetime | None = Field(None, description="change / renew：新的有效期至")
    reason: str | None = Field(None, max_length=500, description="revoke：吊销原因（必填）")
    note: str | None = Field(None, max_length=500, description="change / renew：说明")


class ListQuery(Schema):
    q: str | None = Field(None, max_length=100)
    type: str | None = Field(None, max_length=6)
    status: Literal["active", "revoked", "expired", "superseded"] | None = None
    holder: str | None = Field(None, max_length=40)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class LicensePage(Schema):
    total: int
    results: list[LicenseOut]


class PurposeQuery(Schema):
    purpose: str | None = Field(None, max_length=200, description="用途（记入调用记录）")


class VerifyOut(Schema):
    valid: bool
    status: Literal["active", "revoked", "expired", "superseded"] | None
    errors: list[str]


@router.get("/license-types", response=list[LicenseTypeOut], summary="证照类型")
def license_types(request: HttpRequest) -> list:
    """Licence types with their issuing department, validity and fields."""
    return list(selectors.license_type_list(user=acting_user(request)))


@router.post("/licenses", response={201: LicenseOut}, summary="签发证照")
def license_issue(request: HttpRequest, payload: LicenseIn) -> Status:
    """Issue a licence (a user of the type's issuing department); answers the licence with its identifier."""
    lic = services.license_issue(actor=acting_user(request), type_code=payload.type, holder=payload.holder,
                                 fields=payload.fields, valid_until=payload.valid_until)
    return Status(201, license_out(lic))


@router.get("/licenses", response=LicensePage, summary="证照列表")
def license_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    """Licences the caller may see: the issuing department its own, the holder its own, the bureau its region."""
    qs = selectors.license_list(user=acting_user(request), q=query.q or "", type_code=query.type or "",
                                status=query.status or "", holder=query.holder or "")
    rows = list(qs[query.offset: query.offset + query.limit])
    return {"total": qs.count(), "results": [license_out(lic) for lic in rows]}


@router.get("/licenses/{identifier}", response=LicenseOut, summary="证照详情")
def license_detail(request: HttpRequest, identifier: str) -> dict[str, Any]:
    """One licence in the caller's scope (404 otherwise)."""
    return license_out(selectors.license_get(user=acting_user(request), identifier=identifier))


@router.post("/licenses/{identifier}/actions/{action}", response=LicenseOut, summary="变更、延续或吊销证照")
def license_action(request: HttpRequest, identifier: str, action: str, payload: ActionIn) -> dict[str, Any]:
    """change and renew answer the new version (the old one is superseded); revoke answers the revoked licence."""
    actor = acting_user(request)
    if action == "change":
        lic = services.license_change(actor=actor, identifier=identifier, fields=payload.fields,
                                      valid_until=payload.valid_until, note=payload.note or "")
    elif action == "renew":
        lic = services.license_renew(actor=actor, identifier=identifier, fields=payload.fields,
                                     valid_until=payload.valid_until, note=payload.note or "")
    elif action == "revoke":
        lic = services.license_revoke(actor=actor, identifier=identifier, reason=payload.reason)
    else:
        selectors.license_get(user=actor, identifier=identifier)
        raise InvalidInput(f"未知操作 {action[:20]}；可选：change、renew、revoke", code="unknown_action")
    return license_out(lic)


@router.get("/licenses/{identifier}/credential", summary="获取证照的可验证凭证（W3C VC 2.0）",
            response={200: dict[str, Any]})
def license_credential(request: HttpRequest, identifier: str, query: Query[PurposeQuery]) -> HttpResponse:
    """The signed Verifiable Credential of a licence in the caller's scope; every fetch is logged with its purpose."""
    credential = services.license_credential(actor=acting_user(request), identifier=identifier,
                                             purpose=query.purpose)
    response = JsonResponse(credential, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/vc+json; charset=utf-8" if request.GET.get("media") == "vc" \
        else "application/json; charset=utf-8"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{identifier[:40]}.json"'
    return response


@router.post("/verify", response={200: VerifyOut}, auth=None, summary="核验证照凭证（公开）",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object", "description": "W3C 可验证凭证（JSON），或 {\"credential\": {...}}"}}}}})
def verify(request: HttpRequest, purpose: str | None = None) -> HttpResponse:
    """Verify a credential: valid only when the proof holds and the licence is active. Public; a platform
    user's verification is logged with `purpose` (query parameter)."""
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > verification.MAX_BYTES:
        return error_response(413, "too_large", f"凭证超过 {verification.MAX_BYTES // 1024} KB")
    outcome = verification.verify_body(request.body)
    if not isinstance(outcome, verification.Outcome):
        code = outcome.errors[0]
        if code == "too_large":
            return error_response(413, "too_large", f"凭证超过 {verification.MAX_BYTES // 1024} KB")
        return error_response(400, code, "请求体不是 JSON 格式的凭证" if code != "duplicate_key" else "JSON 成员名重复")
    user = optional_user(request)
    if user is not None:
        with transaction.atomic():
            services.record_use(actor=user, action=UseAction.VERIFY, purpose=purpose or "",
                                license_id=outcome.license_pk(), identifier=outcome.identifier or "",
                                result="valid" if outcome.valid else
                                (outcome.status or (outcome.errors[0] if outcome.errors else "")))
    return JsonResponse(outcome.as_dict())
