"""Running an import: read the whole file, validate every row, then write the valid rows in one transaction.

On PostgreSQL a big file is validated in a forked process while this one writes the batches already validated,
in the same single transaction (docs/imports.md, "pipelined").
"""

import contextlib
import datetime
import logging
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import tempfile
import traceback
import uuid
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zhitongche.accounts import scopes
from zhitongche.core import audit
from zhitongche.core.errors import DomainError, Forbidden, InvalidInput

from .bulk import bulk_session
from .kinds import Column, ImportKind, RowError, get_kind
from .models import ImportJob, ImportStatus
from .reader import FileRejected, cell_date, cell_text, fold, open_table

logger = logging.getLogger("zhitongche.imports")
MAX_FILE_BYTES = 200 * 1024 * 1024
PROGRESS_EVERY = 5000
STALE_AFTER = datetime.timedelta(hours=6)
SPOOL_BATCH = 20_000
PIPELINE_FROM_BYTES = 1_000_000  # about 20,000 rows of the enterprises template
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
    user = actor if getattr(actor, "is_authenticated", False) else None
    import_mark_interrupted()
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=handler.key, file_name=file_name, stored_path=str(target), dry_run=dry_run,
            user=user, department_id=getattr(user, "department_id", None))
    return job


def import_mark_interrupted() -> int:
    """Jobs still `running` long after they started were killed (their transaction rolled back): mark them
    failed so nobody waits for them."""
    cutoff = timezone.now() - STALE_AFTER
    stale = ImportJob.objects.filter(status=ImportStatus.RUNNING, started_at__lt=cutoff)
    for job in stale.only("stored_path"):  # a killed pipelined import left its progress file behind
        _remove_progress(job)
    return stale.update(
        status=ImportStatus.FAILED, finished_at=timezone.now(), progress=100,
        errors=[{"row": 0, "column": "", "code": "interrupted", "message": "导入进程中断，数据未作任何更改，请重新上传"}])


def import_start(*, job: ImportJob) -> ImportJob:
    """Run a pending job now, or queue it for `ztc worker` when its file is big (it then stays pending)."""
    if not _is_big(job):
        return import_run(job_id=job.pk)
    from .tasks import run_import_task

    transaction.on_commit(lambda: run_import_task.enqueue(job.pk))
    return job


def _is_big(job: ImportJob) -> bool:
    """Whether a file is big enough to run as a background task rather than in the request."""
    try:
        return Path(job.stored_path).stat().st_size > getattr(settings, "IMPORT_SYNC_MAX_BYTES", 2_000_000)
    except OSError:
        return False


class RecordSpool:
    """Batches of valid records: the latest kept in memory, the others pickled to a temporary file, so that a file
    of a million rows is validated with bounded memory. (Big files are pipelined, their batches written as they
    come; the spool holds a streamed sheet's batches until its merged areas are known, and a small file's one.)"""

    def __init__(self) -> None:
        self.current: list[Any] = []
        self.file: IO[bytes] | None = None
        self.spilled = 0

    def add(self, batch: list[Any]) -> None:
        """Keep one batch; the one before it goes to disk."""
        if self.current:
            if self.file is None:
                self.file = tempfile.TemporaryFile(prefix="ztc-import-")  # noqa: SIM115 — closed in batches()
            pickle.dump(self.current, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.spilled += 1
        self.current = batch

    def batches(self) -> Iterator[list[Any]]:
        """Every batch in the order added; closes the temporary file."""
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


def _merged_rows(handler: ImportKind, columns: dict[str, int], table: Any, last_row: int) -> dict[int, str]:
    """Data rows up to `last_row` inside a merged area → the header of the merged column (the value sits in its
    first row only, so every row of the area is rejected rather than guessed)."""
    by_index = {index: c.header for c in handler.columns for key, index in columns.items() if key == c.key}
    rows: dict[int, str] = {}
    for r0, c0, r1, c1 in table.merged:
        header = next((by_index[c - 1] for c in range(c0, c1 + 1) if c - 1 in by_index), "")
        for r in range(max(r0, table.header_row + 1), min(r1, last_row) + 1):
            rows.setdefault(r, header)
    return rows


def _merged_error(row: int, header: str) -> RowError:
    return RowError(row, header, "merged_cell", "该行位于合并单元格中：请取消合并，并在每一行填写完整")


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


class Batch(NamedTuple):
    """Checked rows of a file: the valid (row number, record) pairs, the errors, and how many rows were read
    and rejected so far."""

    pairs: list[tuple[int, Any]]
    errors: list[RowError]
    rejected: int
    total: int


def checked_batches(handler: ImportKind, ctx: Any, table: Any, columns: dict[str, int],
                    progress: Callable[[int], None]) -> Iterator[Batch]:
    """Clean and check every row of `table` (cell types, required cells, repeated keys, the kind's `validate`),
    in batches of SPOOL_BATCH valid rows; `progress(rows read)` every PROGRESS_EVERY rows."""
    spec = [(c.key, c, columns[c.key], c.type in ("text", "phone", "choice", "multichoice"),
             c.max_length if c.type in ("text", "phone") else 10**6, c.required)
            for c in handler.columns if c.key in columns]
    unique_key = handler.unique_key if handler.unique_key in columns else None
    unique_header = next((c.header for c in handler.columns if c.key == unique_key), "")
    validate = handler.validate
    # Merged areas of a streamed sheet are known only at the end: its batches wait in a spool until then.
    merged = None if table.merged_at_end else _merged_rows(handler, columns, table, table.estimate + table.header_row)
    spool = RecordSpool() if merged is None else None
    seen_rows = bytearray()  # streamed sheets: 1 read, 2 rejected, by row number
    seen: set[Any] = set()
    pairs: list[tuple[int, Any]] = []
    errors: list[RowError] = []
    rejected = total = 0
    for number, raw in table.rows():
        total += 1
        row_errors: list[RowError] = []
        values: dict[str, Any] = {}
        width = len(raw)
        for key, column, index, plain, limit, required in spec:
            cell = raw[index] if index < width else ""
            value: Any
            if plain and type(cell) is str:
                # The fast path for most cells: text needs only trimming and folding, no conversion.
                value = cell.strip() if cell.isascii() else fold(cell)
                if len(value) > limit:
                    row_errors.append(RowError(number, column.header, "invalid_value",
                                               f"“{column.header}”超过 {limit} 个字符"))
                    values[key] = ""  # a failed cell goes to the kind's rules blank
                    continue
            else:
                value, problem = clean_cell(column, cell)
                if problem:
                    row_errors.append(RowError(number, column.header, *problem))
                    values[key] = ""
                    continue
            if required and (value == "" or value is None):
                row_errors.append(RowError(number, column.header, "missing", f"“{column.header}”不能为空"))
                value = ""
            values[key] = value
        if unique_key:
            key_value = values[unique_key]
            if key_value:
                if key_value in seen:
                    row_errors.append(RowError(number, unique_header, "duplicate_in_file",
                                               f"与前面的行重复（{key_value}），以第一次出现的行为准"))
                seen.add(key_value)
        record, more = validate(ctx, number, values)
        if row_errors:
            # The kind's rules still judge the other cells, so that a department fixes the row in one go; what they
            # say about a cell that already failed is left out.
            failed = {e.column for e in row_errors}
            row_errors += [e for e in more if e.column not in failed]
            record = None
        else:
            row_errors = more
        if merged is not None and number in merged:
            row_errors.append(_merged_error(number, merged[number]))
        if row_errors:
            rejected += 1
            errors.extend(row_errors)
        elif record is not None:
            pairs.append((number, record))
        if spool is not None:
            if number >= len(seen_rows):
                seen_rows.extend(b"\0" * (number + 1024 - len(seen_rows)))
            seen_rows[number] = 2 if row_errors else 1
        if total % PROGRESS_EVERY == 0:
            progress(total)
        if len(pairs) >= SPOOL_BATCH:
            if spool is None:
                yield Batch(pairs, errors, rejected, total)
                errors = []
            else:
                spool.add(pairs)
            pairs = []
    if spool is None:
        yield Batch(pairs, errors, rejected, total)
        return
    spool.add(pairs)
    late = _merged_rows(handler, columns, table, len(seen_rows) - 1)
    for number, header in late.items():
        if seen_rows[number]:
            rejected += seen_rows[number] == 1  # 2: already rejected for another reason
            errors.append(_merged_error(number, header))
    sent = False
    for batch in spool.batches():
        yield Batch([p for p in batch if p[0] not in late], errors, rejected, total)
        errors, sent = [], True
    if not sent:
        yield Batch([], errors, rejected, total)


def _fail(job: ImportJob, errors: list[RowError]) -> ImportJob:
    job.status = ImportStatus.FAILED
    job.errors = [e.as_dict() for e in errors]
    job.finished_at = timezone.now()
    job.progress = 100
    job.created = job.updated = 0  # counted batch by batch, but the transaction that wrote them rolled back
    fields = ["status", "errors", "finished_at", "progress", "total", "rejected", "created", "updated"]
    with transaction.atomic():
        job.save(update_fields=fields)
        audit.record(actor=job.user or "system", action="import.failed", obj=job,
                     changes={"kind": job.kind, "file": job.file_name, "code": errors[0].code if errors else ""})
    return job


def import_run(*, job_id: int) -> ImportJob:
    """Validate the whole file, then write the valid rows and the job's report in one transaction."""
    job = ImportJob.objects.select_related("user", "user__department").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
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
    ctx = handler.prepare(job.user)
    if _pipelined(job):
        return _run_pipelined(job, handler, ctx)
    table = open_table(job.stored_path, job.file_name)
    columns, header_errors = _header_map(handler, table.header, table.header_row)
    if header_errors:
        return _fail(job, header_errors)
    estimate = max(table.estimate, 1)

    def progress(total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=_percent(total, estimate))

    spool = RecordSpool()
    errors: list[RowError] = []
    last = Batch([], [], 0, 0)
    for last in checked_batches(handler, ctx, table, columns, progress):
        spool.add(last.pairs)
        errors.extend(last.errors)
    if last.total == 0:
        raise FileRejected("文件只有表头，没有数据行", code="empty_file")
    ImportJob.objects.filter(pk=job.pk).update(progress=90)
    with bulk_session(), transaction.atomic():
        report = _Report(job, handler, ctx, errors)
        for pairs in spool.batches():
            report.write(pairs)
        return report.finish(last.total, last.rejected)


def _percent(read: int, estimate: int) -> int:
    """The progress bar while rows are read and checked: up to 89 %, the rest is the writing."""
    return min(89, 90 * read // max(estimate, read + 1))


def _pipelined(job: ImportJob) -> bool:
    """Whether a second process checks the rows while this one writes the checked batches (on the other core):
    for big files, where processes fork."""
    try:
        size = Path(job.stored_path).stat().st_size
    except OSError:
        return False
    return (hasattr(os, "fork") and size >= PIPELINE_FROM_BYTES
            and not multiprocessing.current_process().daemon)  # a daemonic process may not start one


def _check_in_child(pipe: Connection, parent_end: Connection, job: ImportJob, handler: ImportKind,
                    ctx: Any) -> None:
    """The second process of a pipelined import: reads and checks the file and sends its batches.
    It uses no database connection (the forked copy of the parent's belongs to the parent)."""
    # The parent's signal handlers came with the fork (gunicorn's or the task worker's only note a SIGTERM):
    # here a SIGTERM must end the process. And without the parent's end of the pipe, a send to a parent that
    # has gone fails instead of blocking for ever.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    parent_end.close()
    try:
        table = open_table(job.stored_path, job.file_name)
        columns, header_errors = _header_map(handler, table.header, table.header_row)
        if header_errors:
            pipe.send(("header", header_errors))
            return
        pipe.send(("estimate", max(table.estimate, 1)))
        for batch in checked_batches(handler, ctx, table, columns, lambda total: pipe.send(("progress", total))):
            pipe.send(("batch", batch))
        pipe.send(("done", None))
    except FileRejected as exc:
        pipe.send(("rejected", (exc.code, exc.message)))
    except Exception:
        pipe.send(("crashed", traceback.format_exc()))
    finally:
        pipe.close()


@contextlib.contextmanager
def _progress_reporter(job: ImportJob) -> Iterator[Callable[[int], None]]:
    """Where a pipelined import reports its progress, which its open transaction would hide from the job's row: a
    file beside the upload (ImportJob.live_progress reads it), removed at the end. (A second connection would do
    on PostgreSQL, but on SQLite it would wait for the single writer.)"""
    path = job.progress_file()
    fresh = path.with_name(path.name + ".new")

    def write(percent: int) -> None:
        with contextlib.suppress(OSError):  # a progress bar that stands still is no reason to fail the import
            fresh.write_text(str(percent))
            os.replace(fresh, path)

    try:
        yield write
    finally:
        _remove_progress(job)


def _remove_progress(job: ImportJob) -> None:
    path = job.progress_file()
    for leftover in (path, path.with_name(path.name + ".new")):
        leftover.unlink(missing_ok=True)


def _run_pipelined(job: ImportJob, handler: ImportKind, ctx: Any) -> ImportJob:
    """Check the rows in a forked process and write each checked batch as it arrives, all in one transaction,
    so that the writing (and PostgreSQL's index and constraint work) overlaps the checking; same results as
    `_run`."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_check_in_child,
                                                        args=(sender, receiver, job, handler, ctx), daemon=True)
    child.start()
    sender.close()

    def receive() -> tuple[str, Any]:
        kind, payload = receiver.recv()  # EOFError if the child died: the import fails, nothing is written
        if kind == "rejected":
            raise FileRejected(payload[1], code=payload[0])
        if kind == "crashed":
            raise RuntimeError(f"checking process failed:\n{payload}")
        return kind, payload

    try:
        kind, payload = receive()
        if kind == "header":
            return _fail(job, payload)
        estimate = payload
        postgresql = connection.vendor == "postgresql"
        with _progress_reporter(job) as report_progress, bulk_session(), transaction.atomic():
            if postgresql:
                with connection.cursor() as cursor:
                    # Foreign keys checked per statement rather than at commit, while the child still checks rows.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            report = _Report(job, handler, ctx, [])
            last = Batch([], [], 0, 0)
            while True:
                kind, payload = receive()
                if kind == "done":
                    break
                if kind == "progress":
                    report_progress(_percent(payload, estimate))
                    continue
                last = payload
                report.errors.extend(last.errors)
                report.write(last.pairs)
            if last.total == 0:
                raise FileRejected("文件只有表头，没有数据行", code="empty_file")
            if postgresql:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return report.finish(last.total, last.rejected)
    finally:
        receiver.close()
        if child.is_alive():  # stopped part-way by a failure here: its batches are no longer wanted
            child.terminate()
            child.join(5)
            if child.is_alive():
                child.kill()
        child.join()


class _Report:
    """The write phase inside the import's transaction: batches of valid rows, then the summary tables, the job's
    report and the one audit row of the import (per-row audit rows would outnumber the data; docs/imports.md)."""

    def __init__(self, job: ImportJob, handler: ImportKind, ctx: Any, errors: list[RowError]):
        self.job, self.handler, self.ctx, self.errors = job, handler, ctx, errors
        self.late_rejected = 0
        job.created = job.updated = 0

    def write(self, pairs: list[tuple[int, Any]]) -> None:
        """Review and write one batch of valid rows."""
        batch, late = self.handler.review(self.ctx, [record for _, record in pairs])
        if late:
            self.errors.extend(late)
            self.late_rejected += len({e.row for e in late})
        created, updated = self.handler.write(self.ctx, batch, self.job.user, self.job.dry_run)
        self.job.created += created
        self.job.updated += updated

    def finish(self, total: int, rejected: int) -> ImportJob:
        """Summary tables, the job's report and its audit row."""
        job = self.job
        if not job.dry_run:
            self.handler.finish(self.ctx)
        rejected += self.late_rejected
        self.errors.sort(key=lambda e: e.row)
        job.status, job.progress = ImportStatus.DONE, 100
        job.total, job.rejected = total, rejected
        job.errors = [e.as_dict() for e in self.errors]
        job.finished_at = timezone.now()
        job.save(update_fields=["total", "rejected", "errors", "status", "progress", "created", "updated",
                                "finished_at"])
        audit.record(actor=job.user or "system", action="import.dry_run" if job.dry_run else "import.done", obj=job,
                     changes={"kind": job.kind, "file": job.file_name, "total": total, "created": job.created,
                              "updated": job.updated, "rejected": rejected})
        return job
