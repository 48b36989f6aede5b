"""One view, two templates: the full page, or its fragment for an htmx request."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(request: HttpRequest, page: str, partial: str, context: dict[str, Any],
                status: int = 200) -> HttpResponse:
    """Render `partial` for htmx requests that target part of a page, `page` otherwise. A partial is answered 200
    whatever `status` says: htmx swaps in only successful answers, and the partial shows the error itself."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, partial, context)
    return render(request, page, context, status=status)
