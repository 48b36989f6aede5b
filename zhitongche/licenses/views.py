"""Licence pages: types, issuance, list and detail with actions, 我的证照, and the public verification pages."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from zhitongche.accounts import scopes
from zhitongche.core.errors import DomainError, NotFound
from zhitongche.core.htmx import render_page

from . import credentials, identifiers, keys, selectors, services, verification
from .forms import (
    ChangeForm,
    IssueForm,
    LicenseFilterForm,
    LookupForm,
    RenewForm,
    RevokeForm,
    VerifyUploadForm,
)
from .models import License, LicenseStatus, LicenseType, UseAction
from .scopes import issuing_department

# --------------------------------------------------------------------------- public: DID, status lists


@require_GET
def did_json(request: HttpRequest) -> HttpResponse:
    """Our DID document (did:web), every key including retired ones."""
    response = JsonResponse(keys.did_document(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def status_list(request: HttpRequest, list_id: int) -> HttpResponse:
    """A signed BitstringStatusListCredential; cached for a minute, revalidated with its ETag."""
    status = selectors.status_list_get(list_id)
    etag = '"' + hashlib.sha256(
        f"{status.pk}|{status.updated_at.isoformat()}|{keys.active_key_id()}|{keys.issuer_did()}".encode()
    ).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(credentials.signed_status_list_credential(status))
    response["ETag"] = etag
    # Revocations reach verifiers within a minute; the list is public by design.
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --------------------------------------------------------------------------- public: verification pages


def _public_context(lic: License | None) -> dict[str, Any]:
    if lic is None:
        return {"license": None}
    status = lic.effective_status()
    return {"license": lic, "status": status, "status_label": LicenseStatus(status).label,
            "valid": status == LicenseStatus.ACTIVE, "newer": lic.newer,
            "verify_url": f"{keys.public_base_url()}/verify/{lic.identifier}"}


def verify_lookup(request: HttpRequest) -> HttpResponse:
    """The verification landing page: type a licence number, or paste a credential."""
    if request.method == "POST":
        form = VerifyUploadForm(request.POST)
        outcome: dict[str, Any] | None = None
        if form.is_valid():
            result = verification.verify_body(form.cleaned_data["credential"].encode("utf-8"))
            answer = result.as_dict() if isinstance(result, verification.Outcome) else {
                "valid": False, "status": None, "errors": list(result.errors)}
            found = result if isinstance(result, verification.Outcome) else None
            _log_web_verification(request, identifier=(found.identifier or "") if found else "", outcome=found,
                                  result="valid" if answer["valid"] else str(answer["status"] or "invalid"))
            outcome = answer
        return render(request, "licenses/verify_lookup.html", {
            "lookup": LookupForm(), "upload": form, "outcome": outcome,
            "reasons": [(code, verification.REASONS.get(code, "")) for code in (outcome or {}).get("errors", [])],
            "status_label": LicenseStatus(str(outcome["status"])).label if outcome and outcome["status"] else ""})
    lookup = LookupForm(request.GET or None)
    if lookup.is_valid():
        canonical = identifiers.normalize_identifier(lookup.cleaned_data["identifier"])
        if identifiers.is_valid_identifier(canonical):
            return redirect("licenses_public:verify", identifier=canonical)
        lookup.add_error("identifier", "证照编号格式或校验位不正确，请核对后重新输入。")
    return render(request, "licenses/verify_lookup.html", {"lookup": lookup, "upload": VerifyUploadForm()})


def _log_web_verification(request: HttpRequest, *, identifier: str, result: str, license_id: int | None = None,
                          outcome: verification.Outcome | None = None) -> None:
    """Log a verification made on the web by a signed-in platform user (visitors are not logged, and cost no
    look-up of the licence behind a pasted credential's `outcome`)."""
    if not request.user.is_authenticated:
        return
    if outcome is not None:
        license_id = outcome.license_pk()
    with transaction.atomic():
        services.record_use(actor=request.user, action=UseAction.VERIFY, license_id=license_id, identifier=identifier,
                            purpose=request.GET.get("purpose", "") or "网页核验", channel="web", result=result)


@require_GET
def verify_page(request: HttpRequest, identifier: str) -> HttpResponse:
    """The page a licence's QR code opens: the registered status of the licence, in Chinese, for anyone."""
    canonical = identifiers.normalize_identifier(identifier)
    if canonical != identifier and identifiers.is_valid_identifier(canonical):
        return redirect("licenses_public:verify", identifier=canonical)
    lic = selectors.public_license(canonical)
    context = _public_context(lic)
    context["identifier"] = canonical
    if lic is not None:
        _log_web_verification(request, identifier=lic.identifier, result=context["status"], license_id=lic.pk)
    return render(request, "licenses/verify.html", context, status=200 if lic else 404)


@require_GET
def qr_svg(request: HttpRequest, identifier: str) -> HttpResponse:
    """The QR code (SVG) that opens a licence's verification page."""
    if not identifiers.is_valid_identifier(identifier):
        raise Http404
    url = f"{keys.public_base_url()}/verify/{identifier}"
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False,
                                    title=f"核验二维码 {identifier}")
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --------------------------------------------------------------------------- signed-in pages


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    """Licence types: administrators and departments."""
    if not scopes.may(request.user, "license_type.list"):
        raise NotFound()
    return render(request, "licenses/types.html", {"types": selectors.license_type_list(user=request.user)})


@login_required
def license_list(request: HttpRequest, mine: bool = False) -> HttpResponse:
    """Licences the user may see, filtered and paginated; 我的证照 for an enterprise."""
    types = list(LicenseType.objects.order_by("code"))
    form = LicenseFilterForm(request.GET or None, types=types)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.license_list(user=request.user, q=filters.get("q", ""), type_code=filters.get("type", ""),
                                  status=filters.get("status", ""))
    if request.GET.get("format") == "xlsx":
        return _xlsx(rows)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    title = "我的证照" if getattr(request.user, "role", "") == "enterprise" else "电子证照"
    return render_page(request, "licenses/list.html", "licenses/partials/_table.html", {
        "form": form, "page": page, "title": title, "counts": selectors.license_counts(user=request.user),
        "can_issue": selectors.issuable_types(user=request.user).exists(),
    })


EXPORT_LIMIT = 50_000


def _xlsx(rows: Any) -> HttpResponse:
    """The filtered list as an Excel workbook (at most EXPORT_LIMIT rows, streamed by openpyxl's write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("电子证照")
    sheet.append(["证照编号", "证照名称", "持证主体", "统一社会信用代码", "发证部门", "有效期起", "有效期至", "版本", "状态"])
    for lic in rows[:EXPORT_LIMIT]:
        sheet.append([lic.identifier, lic.type_name, lic.holder_name, lic.holder.uscc, lic.license_type.department.name,
                      lic.valid_from.astimezone().strftime("%Y-%m-%d"),
                      lic.valid_until.astimezone().strftime("%Y-%m-%d") if lic.valid_until else "长期有效",
                      lic.version, lic.effective_status_label])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="licenses.xlsx"'
    return response


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    """The issuance form of the issuing department: choose a type, fill in its fields."""
    types = list(selectors.issuable_types(user=request.user))
    if not types:
        raise DomainError("forbidden", "只有发证部门的工作人员可以签发证照", status=403)
    code = request.POST.get("type") or request.GET.get("type") or types[0].code
    license_type = next((t for t in types if t.code == code), types[0])
    form = IssueForm(request.POST or None, license_type=license_type)
    if request.method == "POST" and form.is_valid():
        try:
            lic = services.license_issue(actor=request.user, type_code=license_type.code,
                                         holder=form.cleaned_data["holder"], fields=form.values(),
                                         valid_until=form.cleaned_data.get("valid_until"))
        except DomainError as exc:
            if exc.status >= 500:
                raise
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已签发证照 {lic.identifier}")
            return redirect("licenses:detail", identifier=lic.identifier)
    return render_page(request, "licenses/issue.html", "licenses/partials/_issue_fields.html", {
        "types": types, "license_type": license_type, "form": form})


@login_required
def detail(request: HttpRequest, identifier: str) -> HttpResponse:
    """One licence as it prints, with its QR code, versions, actions and 调用记录."""
    return _detail_page(request, selectors.license_get(user=request.user, identifier=identifier))


# Each form of the detail page under its own prefix: the page holds all three, whose fields share names.
_FORMS: dict[str, Any] = {"change": ChangeForm, "renew": RenewForm, "revoke": RevokeForm}


def _action_form(action: str, lic: License, data: Any = None) -> Any:
    extra = {"license_type": lic.license_type, "initial_values": lic.fields} if action == "change" else {}
    return _FORMS[action](data, prefix=action, **extra)


def _detail_page(request: HttpRequest, lic: License, bound: Any = None, status: int = 200) -> HttpResponse:
    """The detail page; `bound`, a submitted action form that failed, is shown with what was typed and why."""
    # The services' own test: only the issuing department acts, administrators included.
    can_act = issuing_department(request.user, lic.license_type)
    context: dict[str, Any] = {
        **_public_context(lic), "versions": selectors.license_versions(lic), "can_act": can_act,
        "uses": selectors.use_list(user=request.user, identifier=lic.identifier)[:20],
        "field_rows": _field_rows(lic),
    }
    if can_act:
        for action in _FORMS:
            context[f"{action}_form"] = bound if bound is not None and bound.prefix == action else _action_form(
                action, lic)
    return render(request, "licenses/detail.html", context, status=status)


def _field_rows(lic: License) -> list[tuple[str, Any]]:
    """(label, value) of a licence's fields: the type's labels, or the keys of a type without declared fields."""
    declared = lic.license_type.fields or []
    if not declared:
        return [(key, value) for key, value in (lic.fields or {}).items()]
    return [(spec["label"], lic.fields.get(spec["key"])) for spec in declared if lic.fields.get(spec["key"]) not in (None, "")]


@login_required
@require_POST
def act(request: HttpRequest, identifier: str, action: str) -> HttpResponse:
    """变更, 延续 or 吊销 from the detail page; refused input comes back on the page with what was typed, a refusal by
    the licence's state as a message."""
    lic = selectors.license_get(user=request.user, identifier=identifier)
    if action not in _FORMS:
        raise NotFound()
    # The services' own check, before any input check: the wrong role hears so first.
    services.require_issuer(request.user, lic.license_type, f"license.{action}", lic)
    form = _action_form(action, lic, request.POST)
    try:
        # Before the input: a licence that is no longer active has no such form on its page to show errors in.
        services.require_state(lic, action)
        if not form.is_valid():
            return _detail_page(request, lic, form, status=400)
        data = form.cleaned_data
        if action == "change":
            new = services.license_change(actor=request.user, identifier=lic.identifier, fields=form.values(),
                                          valid_until=data.get("valid_until"), note=data.get("note", ""))
            messages.success(request, f"已变更，新版本 {new.identifier}")
        elif action == "renew":
            new = services.license_renew(actor=request.user, identifier=lic.identifier,
                                         valid_until=data.get("valid_until"), note=data.get("note", ""))
            messages.success(request, f"已延续，新版本 {new.identifier}")
        else:
            new = services.license_revoke(actor=request.user, identifier=lic.identifier, reason=data["reason"])
            messages.success(request, "证照已吊销")
    except DomainError as exc:
        if exc.status in (403, 404) or exc.status >= 500:
            raise
        # Refused by the licence's state (revoked or changed meanwhile, expired): the form may no longer be on the
        # page, so the reason goes to the page's messages.
        messages.error(request, exc.message)
        return redirect("licenses:detail", identifier=lic.identifier)
    return redirect("licenses:detail", identifier=new.identifier)


@login_required
@require_GET
def credential_download(request: HttpRequest, identifier: str) -> HttpResponse:
    """Download the signed credential (logged as a fetch with its purpose)."""
    credential = services.license_credential(actor=request.user, identifier=identifier,
                                             purpose=request.GET.get("purpose", ""), channel="web")
    body = json.dumps(credential, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{credential["credentialSubject"]["licenseNumber"]}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
