"""One view, two templates: the full page, or its fragment for an htmx request."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(request: HttpRequest, page: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """Render `partial` for htmx requests that target part of a page, `page` otherwise."""
    htmx = getattr(request, "htmx", None)
    template = partial if htmx and not htmx.boosted else page
    return render(request, template, context)
