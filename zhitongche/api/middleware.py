"""Whatever answers an /api/ request with an error (CSRF, 405, Django's own 404) gets the contract's shape."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import error_response


class ApiErrorShapeMiddleware:
    """Rewrite non-JSON error responses under /api/ into `{"error": {...}}`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            return error_response(response.status_code)
        return response
