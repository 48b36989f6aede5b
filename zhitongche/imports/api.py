"""`POST /api/v1/imports` and `GET /api/v1/imports/{id}` (CONTRACT.md §4)."""

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from zhitongche.api.auth import acting_user

from . import selectors, services
from .models import ImportStatus

router = Router(tags=["模板导入"])


class ImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    total: int
    created: int
    updated: int
    rejected: int
    errors: list[ImportErrorOut]


@router.post("/imports", response={201: ImportOut, 202: ImportOut}, summary="上传模板导入")
def import_create(request: HttpRequest, kind: Form[str], file: File[UploadedFile],
                  dry_run: Form[bool] = False) -> Status:
    """Validate the whole file, then write the valid rows in one transaction. Big files run in the
    background (202, status `pending`): poll `GET /imports/{id}`."""
    job = services.import_create(actor=acting_user(request), kind=kind, file=file, file_name=file.name or "",
                                 dry_run=dry_run)
    job = services.import_start(job=job)
    return Status(202 if job.status == ImportStatus.PENDING else 201, job.as_report())


@router.get("/imports/{job_id}", response=ImportOut, summary="导入任务状态与报告")
def import_get(request: HttpRequest, job_id: int) -> dict:
    """The job's status, counts and every rejected cell."""
    return selectors.job_get(user=acting_user(request), job_id=job_id).as_report()
