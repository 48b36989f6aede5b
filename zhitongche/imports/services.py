"""Running an import: read the whole file, validate every row, then write the valid rows in one transaction."""

import datetime
import logging
import pickle
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.errors import DomainError, Forbidden, InvalidInput

from .bulk import bulk_session
from .kinds import Column, ImportKind, RowError, get_kind
from .models import ImportJob, ImportStatus
from .reader import FOLD, STRIP, FileRejected, cell_date, cell_text, fold, open_table

logger = logging.getLogger("zhitongche.imports")
MAX_FILE_BYTES = 200 * 1024 * 1024
PROGRESS_EVERY = 5000
STALE_AFTER = datetime.timedelta(hours=6)
SPOOL_BATCH = 20_000
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_create(*, actor: Any, kind: str, file: IO[bytes] | str | Path, file_name: str,
                  dry_run: bool = False) -> ImportJob:
    """Store the uploaded file and create a pending job; refuses unknown kinds and users who may not import."""
    handler = get_kind(kind)
    if not scopes.may(actor, "import.create", handler.key):
        raise Forbidden("您无权导入此类模板", code="forbidden")
    file_name = Path(file_name or "upload").name[:200] or "upload"
    target = _upload_dir() / f"{uuid.uuid4().hex}{Path(file_name).suffix.lower()[:8]}"
    if isinstance(file, str | Path):
        shutil.copyfile(file, target)
    else:
        with open(target, "wb") as out:
            shutil.copyfileobj(file, out, length=1024 * 1024)
    if target.stat().st_size > MAX_FILE_BYTES:
        target.unlink()
        raise InvalidInput("文件超过 200 MB，请拆分后上传", code="file_too_large")
    department = getattr(actor, "department", None) if getattr(actor, "is_authenticated", False) else None
    import_mark_interrupted()
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=handler.key, file_name=file_name, stored_path=str(target), dry_run=dry_run,
            user=actor if getattr(actor, "is_authenticated", False) else None, department=department)
    return job


def import_mark_interrupted() -> int:
    """Jobs still `running` long after they started were killed (their transaction rolled back): mark them
    failed so nobody waits for them."""
    cutoff = timezone.now() - STALE_AFTER
    return ImportJob.objects.filter(status=ImportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(), progress=100,
        errors=[{"row": 0, "column": "", "code": "interrupted", "message": "导入进程中断，数据未作任何更改，请重新上传"}])


def import_enqueue(*, job: ImportJob) -> ImportJob:
    """Queue a pending job for `ztc worker` (used for big files)."""
    from .tasks import run_import_task

    transaction.on_commit(lambda: run_import_task.enqueue(job.pk))
    return job


def is_big(job: ImportJob) -> bool:
    """Whether a file is big enough to run as a background task rather than in the request."""
    try:
        return Path(job.stored_path).stat().st_size > getattr(settings, "IMPORT_SYNC_MAX_BYTES", 2_000_000)
    except OSError:
        return False


class RecordSpool:
    """Valid records in batches: kept in memory up to one batch, the rest pickled to a temporary file,
    so that a file of a million rows is validated with bounded memory."""

    def __init__(self, batch: int | None = None):
        self.batch = batch or SPOOL_BATCH
        self.current: list[Any] = []
        self.file: IO[bytes] | None = None
        self.spilled = 0

    def append(self, record: Any) -> None:
        """Add one record; a full batch goes to disk."""
        self.current.append(record)
        if len(self.current) >= self.batch:
            if self.file is None:
                self.file = tempfile.TemporaryFile(prefix="ztc-import-")  # noqa: SIM115 — closed in batches()
            pickle.dump(self.current, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.spilled += 1
            self.current = []

    def batches(self) -> Iterator[list[Any]]:
        """Every batch in the order appended; closes the temporary file."""
        if self.file is not None:
            self.file.seek(0)
            for _ in range(self.spilled):
                yield pickle.load(self.file)  # noqa: S301 — our own temporary file, written just above
            self.file.close()
        if self.current:
            yield self.current


def _header_map(handler: ImportKind, header: list[Any], row: int) -> tuple[dict[str, int], list[RowError]]:
    names: dict[str, Column] = {}
    for c in handler.columns:
        names[fold(c.header)] = c
        names[c.key.lower()] = c
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        text = cell_text(cell)
        column = names.get(text) or names.get(text.lower())
        if column is None:
            continue
        if column.key in found:
            errors.append(RowError(row, column.header, "duplicate_header", f"表头“{column.header}”出现了两次"))
        found[column.key] = index
    for c in handler.columns:
        if c.required and c.key not in found:
            errors.append(RowError(row, c.header, "missing_header",
                                   f"缺少必填列“{c.header}”（表头须为中文名称或 {c.key}）"))
    if not found and not errors:
        errors.append(RowError(row, "", "missing_header", "第 1 行不是本模板的表头，请使用下载的模板"))
    return found, errors


def _merged_rows(handler: ImportKind, columns: dict[str, int], table: Any, seen: bytearray) -> dict[int, str]:
    """Data rows inside a merged area → the header of the merged column (the value sits in its first row only,
    so every row of the area is rejected rather than guessed)."""
    by_index = {index: c.header for c in handler.columns for key, index in columns.items() if key == c.key}
    rows: dict[int, str] = {}
    for r0, c0, r1, c1 in table.merged:
        header = next((by_index[c - 1] for c in range(c0, c1 + 1) if c - 1 in by_index), "")
        for r in range(max(r0, table.header_row + 1), r1 + 1):
            if r < len(seen) and seen[r]:
                rows.setdefault(r, header)
    return rows


def clean_cell(column: Column, raw: Any) -> tuple[Any, tuple[str, str] | None]:
    """One cell cleaned by its column type: (value, None) or (None, (code, message))."""
    if column.type == "date":
        try:
            return cell_date(raw), None
        except (ValueError, OverflowError):
            return None, ("invalid_value", f"“{column.header}”不是日期：{cell_text(raw)}")
    text = cell_text(raw)
    if not text:
        return "", None
    if column.type == "int":
        if not text.lstrip("-").isdigit():
            return None, ("invalid_value", f"“{column.header}”应为整数：{text}")
        return int(text), None
    if column.type in ("choice", "multichoice"):
        return text, None  # the handler maps labels to codes and reports unknown ones
    if len(text) > column.max_length:
        return None, ("invalid_value", f"“{column.header}”超过 {column.max_length} 个字符")
    return text, None


def _fail(job: ImportJob, errors: list[RowError]) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.errors = [e.as_dict() for e in errors]
    job.finished_at = timezone.now()
    job.progress = 100
    fields = ["status", "errors", "finished_at", "progress", "total", "rejected"]
    with transaction.atomic():
        job.save(update_fields=fields)
        audit.record(actor=job.user or "system", action="import.failed", obj=job,
                     changes={"kind": job.kind, "file": job.file_name, "code": errors[0].code if errors else ""})
    return job


def import_run(*, job_id: int) -> ImportJob:
    """Validate the whole file, then write the valid rows and the job's report in one transaction."""
    job = ImportJob.objects.select_related("user", "user__department").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING,):
        return job
    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    try:
        return _run(job)
    except FileRejected as exc:
        return _fail(job, [RowError(1, "", exc.code, exc.message)])
    except DomainError as exc:
        return _fail(job, [RowError(0, "", exc.code, exc.message)])
    except Exception:
        logger.exception("import job %s failed", job.pk)
        return _fail(job, [RowError(0, "", "internal_error", "导入时发生内部错误，数据未作任何更改；已记录，请联系管理员")])


def _run(job: ImportJob) -> ImportJob:
    handler = get_kind(job.kind)
    actor = job.user
    table = open_table(job.stored_path, job.file_name)
    columns, header_errors = _header_map(handler, table.header, table.header_row)
    if header_errors:
        return _fail(job, header_errors)
    ctx = handler.prepare(actor)
    seen: set[Any] = set()
    records = RecordSpool()
    errors: list[RowError] = []
    rejected_rows = 0
    total = 0
    estimate = max(table.estimate, 1)
    spec = [(c, columns[c.key], c.type in ("text", "phone", "choice", "multichoice"),
             c.max_length if c.type in ("text", "phone") else 10**6) for c in handler.columns if c.key in columns]
    # One byte per row number: 1 read, 2 rejected (merged areas of a streamed sheet are known only at the end).
    seen_rows = bytearray()
    for number, raw in table.rows():
        total += 1
        if number >= len(seen_rows):
            seen_rows.extend(b"\0" * (number + 1024 - len(seen_rows)))
        seen_rows[number] = 1
        row_errors: list[RowError] = []
        values: dict[str, Any] = {}
        width = len(raw)
        for column, index, plain, limit in spec:
            cell = raw[index] if index < width else ""
            value: Any
            if plain and type(cell) is str:
                # The fast path for most cells: text needs only trimming and folding, no conversion.
                value, problem = cell.strip() if cell.isascii() else cell.translate(FOLD).strip(STRIP), None
                if len(value) > limit:
                    value, problem = None, ("invalid_value", f"“{column.header}”超过 {limit} 个字符")
            else:
                value, problem = clean_cell(column, cell)
            if problem:
                row_errors.append(RowError(number, column.header, *problem))
            elif column.required and value in ("", None):
                row_errors.append(RowError(number, column.header, "missing", f"“{column.header}”不能为空"))
            values[column.key] = value
        key = values.get(handler.unique_key) if handler.unique_key else None
        if key:
            if key in seen:
                header = next(c.header for c in handler.columns if c.key == handler.unique_key)
                row_errors.append(RowError(number, header, "duplicate_in_file",
                                           f"与前面的行重复（{key}），以第一次出现的行为准"))
            seen.add(key)
        if not row_errors:
            record, row_errors = handler.validate(ctx, number, values)
            if record is not None and not row_errors:
                records.append((number, record))
        if row_errors:
            seen_rows[number] = 2
            rejected_rows += 1
            errors.extend(row_errors)
        if total % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(progress=min(89, 90 * total // max(estimate, total + 1)))
    if total == 0:
        raise FileRejected("文件只有表头，没有数据行", code="empty_file")
    merged_rows = _merged_rows(handler, columns, table, seen_rows)
    for number, header in merged_rows.items():
        rejected_rows += seen_rows[number] == 1  # 2: already rejected for another reason
        errors.append(RowError(number, header, "merged_cell", "该行位于合并单元格中：请取消合并，并在每一行填写完整"))
    ImportJob.objects.filter(pk=job.pk).update(progress=90)
    job.status, job.progress = ImportStatus.DONE, 100
    job.created = job.updated = 0
    fields = ["total", "rejected", "errors", "status", "progress", "created", "updated", "finished_at"]
    with bulk_session(), transaction.atomic():
        # Everything below commits together or not at all: the rows, the summary tables, the report and
        # the one audit row of the import (per-row audit rows would outnumber the data; see docs/imports.md).
        for pairs in records.batches():
            batch = [record for number, record in pairs if number not in merged_rows]
            batch, late = handler.review(ctx, batch)
            if late:
                errors.extend(late)
                rejected_rows += len({e.row for e in late})
            created, updated = handler.write(ctx, batch, actor, job.dry_run)
            job.created += created
            job.updated += updated
        if not job.dry_run:
            handler.finish(ctx)
        errors.sort(key=lambda e: e.row)
        job.total, job.rejected = total, rejected_rows
        job.errors = [e.as_dict() for e in errors]
        job.finished_at = timezone.now()
        job.save(update_fields=fields)
        audit.record(actor=actor or "system", action="import.dry_run" if job.dry_run else "import.done", obj=job,
                     changes={"kind": job.kind, "file": job.file_name, "total": total, "created": job.created,
                              "updated": job.updated, "rejected": rejected_rows})
    return job
