"""Responses rendered by the platform's NinjaAPI outside ninja's own response validation."""

from typing import Any

from django.http import HttpRequest, HttpResponse


def rendered(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """`data` rendered exactly as the API renders a validated result (same encoder, content type).

    For hot reads whose body is built from typed rows in the schema's field order; each use needs a test
    that holds its bytes equal to the validated path.
    """
    from .api import api  # the API imports every router, and routers import this module

    return api.create_response(request, data, status=status)
