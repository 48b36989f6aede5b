"""Import pages: upload, the job's report with an htmx-polled progress bar, templates and error workbooks."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from zhitongche.accounts import scopes
from zhitongche.core.htmx import render_page

from . import selectors, services, workbooks
from .forms import ImportForm
from .kinds import all_kinds, get_kind
from .models import ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Upload a template; the user's recent import jobs."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_create(actor=request.user, kind=form.cleaned_data["kind"], file=upload,
                                     file_name=upload.name, dry_run=form.cleaned_data["dry_run"])
        services.import_start(job=job)
        return redirect("imports:job", job_id=job.pk)
    page = Paginator(selectors.job_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "imports/index.html", {
        "form": form, "page": page, "kinds": all_kinds(),
        "may_import": scopes.may(request.user, "import.create"),
    })


@login_required
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's report; while it runs, the progress fragment polls itself."""
    item = selectors.job_get(user=request.user, job_id=job_id)
    errors = item.errors or []
    return render_page(request, "imports/job.html", "imports/partials/_job.html", {
        "job": item, "errors": errors[:500], "more_errors": max(0, len(errors) - 500),
        "running": item.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
    })


@login_required
@require_GET
def error_file(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rejected rows with bad cells highlighted and the reasons as comments."""
    item = selectors.job_get(user=request.user, job_id=job_id)
    return _xlsx(workbooks.error_workbook(item), f"import-{item.pk}-errors.xlsx")


@login_required
@require_GET
def template_file(request: HttpRequest, kind: str) -> HttpResponse:
    """The blank template of a kind."""
    handler = get_kind(kind)
    return _xlsx(workbooks.template(kind), f"{handler.key}-template.xlsx")
