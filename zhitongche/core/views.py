"""The shell's pages: home, the large-type switch and the audit trail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhitongche.accounts.services import user_set_large_type

from . import selectors
from .context_processors import LARGE_TYPE_COOKIE, large_type_on
from .forms import AuditFilterForm
from .htmx import render_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the user's waiting work, real counts, and (for admins and the bureau) a calendar reminder
    when due."""
    # The shell shows the apps' queues, as its menu does (imported here: the apps build on core).
    from zhitongche.appeals.selectors import waiting_work

    return render(request, "core/home.html", {"counts": selectors.home_counts(),
                                              "waiting": waiting_work(user=request.user),
                                              "calendar_warning": selectors.calendar_warning(user=request.user)})


@require_POST
def toggle_large_type(request: HttpRequest) -> HttpResponse:
    """Switch the 适老化 mode; saved on the account, or in a cookie for visitors."""
    on = not large_type_on(request)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if request.user.is_authenticated:
        user_set_large_type(actor=request.user, on=on)
    else:
        response.set_cookie(LARGE_TYPE_COOKIE, "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """Browse and filter the audit trail (admins only)."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.audit_list(user=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render_page(request, "core/audit.html", "core/partials/_audit_table.html", {
        "form": form, "page": page, "object_types": selectors.audit_object_types(),
    })
