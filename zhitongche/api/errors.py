"""The CONTRACT.md §3 error body for every failure the API can produce."""

import logging
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse

from zhitongche.core.errors import DomainError

logger = logging.getLogger("zhitongche.api")

STATUS_CODES = {
    400: ("invalid_input", "请求参数无效"),
    401: ("unauthorized", "未登录或令牌无效"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "对象不存在或无权访问"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("invalid_state", "当前状态不允许此操作"),
    413: ("too_large", "请求内容过大"),
    422: ("rule_refused", "业务规则不允许此操作"),
    429: ("too_many_requests", "请求过于频繁"),
    500: ("internal_error", "服务器内部错误，已记录"),
}


def error_response(status: int, code: str | None = None, message: str | None = None,
                   details: dict[str, Any] | None = None) -> JsonResponse:
    """A JSON error with the contract's shape."""
    default_code, default_message = STATUS_CODES.get(status, ("error", "请求失败"))
    body = {"error": {"code": code or default_code, "message": message or default_message, "details": details or {}}}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _clean_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Pydantic puts exception objects under "ctx"; keep only what is JSON-safe and useful.
    return [
        {"loc": [str(x) for x in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


def install(api: Any) -> None:
    """Register the exception handlers on a NinjaAPI."""
    from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

    @api.exception_handler(DomainError)
    def on_domain(request: HttpRequest, exc: DomainError) -> JsonResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> JsonResponse:
        errors = _clean_validation_errors(list(exc.errors))
        fields = ", ".join(".".join(e["loc"][1:] or e["loc"]) for e in errors[:5])
        return error_response(400, "invalid_input", f"请求参数无效：{fields}" if fields else None,
                              {"errors": errors})

    @api.exception_handler(AuthenticationError)
    def on_authentication(request: HttpRequest, exc: Exception) -> JsonResponse:
        return error_response(401)

    @api.exception_handler(AuthorizationError)
    def on_authorization(request: HttpRequest, exc: Exception) -> JsonResponse:
        return error_response(403)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
        return error_response(exc.status_code, message=str(exc) if exc.status_code < 500 else None)

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Exception) -> JsonResponse:
        return error_response(404)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        return error_response(500)
