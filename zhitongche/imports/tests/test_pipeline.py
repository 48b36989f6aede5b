"""Big files: a second process checks the rows while the first writes them; the results are those of the
one-process import, and a failure part-way leaves nothing written (both engines)."""

import multiprocessing

import openpyxl
import pytest

from zhitongche.imports import reader, services
from zhitongche.imports.services import import_create, import_run
from zhitongche.regions.models import Department
from zhitongche.registry.models import Assignment, CoverageCell, Enterprise, Steward
from zhitongche.registry.tests.helpers import HEADERS, ent_row, xlsx


@pytest.fixture
def admin(make_user, departments, monkeypatch):
    monkeypatch.setattr(services, "SPOOL_BATCH", 40)  # many batches through the pipe
    monkeypatch.setattr(services, "PROGRESS_EVERY", 25)
    Steward.objects.create(name="王管家", phone="13904120001", department=Department.objects.get(code="D210302"),
                           region_id="210302")
    return make_user("admin")


@pytest.fixture
def pipelined(monkeypatch):
    """Every file goes through the pipeline; returns how many imports did."""
    calls = []
    original = services._run_pipelined

    def spy(*args):
        calls.append(args[0].pk)
        return original(*args)

    monkeypatch.setattr(services, "PIPELINE_FROM_BYTES", 0)
    monkeypatch.setattr(services, "_run_pipelined", spy)
    return calls


def run(admin, path):
    return import_run(job_id=import_create(actor=admin, kind="enterprises", file=path, file_name=path.name).pk)


def mixed_file(path):
    """Valid rows with and without a steward, bad cells, a repeated code and a merged area."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(1, 301):
        row = ent_row(i, steward="13904120001" if i % 3 else "")
        if i % 17 == 0:
            row[0] = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")  # wrong check character
        if i % 29 == 0:
            row[10] = "12"
        if i % 41 == 0:
            row[6] = "999999"
        ws.append(row)
    ws.append(ent_row(5, name="重复"))
    ws.merge_cells("B100:B103")
    wb.save(path)
    return path


def snapshot():
    enterprises = sorted(Enterprise.objects.values_list("uscc", "name", "phone", "region_id", "township_id"))
    assignments = sorted(Assignment.objects.values_list("enterprise__uscc", "steward__phone", "role"))
    cells = sorted(CoverageCell.objects.values_list("region_id", "township_id", "operating", "covered"))
    return enterprises, assignments, cells


def outcome(job):
    return job.status, job.total, job.created, job.updated, job.rejected, job.errors


@pytest.mark.parametrize("reading", ["calamine", "stream"])
def test_same_results_as_one_process(admin, pipelined, tmp_path, monkeypatch, reading):
    if reading == "stream":  # merged areas are known only at the end of a streamed sheet
        monkeypatch.setattr(reader, "STREAM_OVER_BYTES", 0)
    path = mixed_file(tmp_path / "mixed.xlsx")
    monkeypatch.setattr(services, "PIPELINE_FROM_BYTES", 10**12)
    alone = run(admin, path)
    written = snapshot()
    Enterprise.objects.all().delete()
    CoverageCell.objects.all().delete()
    assert pipelined == []

    monkeypatch.setattr(services, "PIPELINE_FROM_BYTES", 0)
    job = run(admin, path)
    assert pipelined == [job.pk]
    assert outcome(job) == outcome(alone)
    assert job.created > 200 and {e["code"] for e in job.errors} == {
        "invalid_uscc", "invalid_phone", "unknown_region", "duplicate_in_file", "merged_cell", "missing"}
    assert snapshot() == written
    again = run(admin, path)
    assert (again.status, again.created, again.updated) == ("done", 0, 0)
    assert multiprocessing.active_children() == []


def _failing_write(monkeypatch, at_batch: int, message: str) -> list[int]:
    """Make the enterprise import's write fail on its `at_batch`-th batch; returns the batches written so far."""
    from zhitongche.registry.imports import EnterpriseImport

    original, batches = EnterpriseImport.write, []

    def write(self, *args):
        batches.append(1)
        if len(batches) == at_batch:
            raise RuntimeError(message)
        return original(self, *args)

    monkeypatch.setattr(EnterpriseImport, "write", write)
    return batches


def test_a_failure_part_way_leaves_nothing(admin, pipelined, tmp_path, monkeypatch):
    batches = _failing_write(monkeypatch, 3, "disk full")
    job = run(admin, xlsx(tmp_path / "a.xlsx", [ent_row(i) for i in range(1, 201)]))
    assert (job.status, job.errors[0]["code"], len(batches)) == ("failed", "internal_error", 3)
    assert (Enterprise.objects.count(), Assignment.objects.count()) == (0, 0)
    assert multiprocessing.active_children() == []


def test_a_failure_ends_the_child_where_sigterm_is_only_noted(admin, pipelined, tmp_path, monkeypatch):
    """Under gunicorn or the task worker a SIGTERM handler only notes the signal; the forked child must not
    inherit it, or a failure here would wait for ever on a child blocked sending its next batch."""
    import signal

    _failing_write(monkeypatch, 2, "unique violation from a concurrent import")
    previous = signal.signal(signal.SIGTERM, lambda *args: None)
    try:
        job = run(admin, xlsx(tmp_path / "a.xlsx", [ent_row(i) for i in range(1, 801)]))
    finally:
        signal.signal(signal.SIGTERM, previous)
    # The first batch was counted before the failure; the answer must not claim what rolled back.
    assert (job.status, job.created, job.updated) == ("failed", 0, 0)
    assert Enterprise.objects.count() == 0
    assert multiprocessing.active_children() == []


def test_bad_files_fail_with_their_codes(admin, pipelined, tmp_path):
    headerless = xlsx(tmp_path / "h.xlsx", [["x", "y"]], headers=["企业名称", "法定代表人"])
    assert [e["code"] for e in run(admin, headerless).errors] == ["missing_header"]
    renamed = tmp_path / "r.xlsx"
    renamed.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert [e["code"] for e in run(admin, renamed).errors] == ["not_spreadsheet"]
    assert [e["code"] for e in run(admin, xlsx(tmp_path / "e.xlsx", [])).errors] == ["empty_file"]
    assert len(pipelined) == 3 and Enterprise.objects.count() == 0


def test_a_catalogue_file_goes_through_the_pipeline_too(admin, pipelined, tmp_path):
    """Other kinds mark absent optional columns with the same KEEP, which must survive the pipe."""
    from zhitongche.catalog.models import ServiceItem

    path = tmp_path / "items.csv"
    lines = ["department,main_item,item_name,item_code,task_type,area_code,dept_code,guide_url"]
    lines += [f"鞍山市公安局,,户口登记{n},T-HK{n:03d},20,,," for n in range(120)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = ServiceItem.objects.count()
    job = import_run(job_id=import_create(actor=admin, kind="service_items", file=path, file_name=path.name).pk)
    assert pipelined and (job.status, job.created, job.rejected) == ("done", 120, 0), job.errors[:3]
    assert ServiceItem.objects.count() == before + 120


def test_progress_is_seen_while_the_transaction_is_open(admin, pipelined, tmp_path, monkeypatch):
    """The page's progress bar moves while the import's transaction hides the job row: a file beside the upload
    holds it (removed at the end)."""
    from zhitongche.imports.models import ImportJob

    seen = []
    original = services._Report.write

    def write(self, pairs):
        # another request reading the job as the page does
        seen.append(ImportJob(status="running", stored_path=self.job.stored_path).live_progress)
        return original(self, pairs)

    monkeypatch.setattr(services._Report, "write", write)
    job = run(admin, xlsx(tmp_path / "p.xlsx", [ent_row(i) for i in range(1, 201)]))
    assert job.status == "done" and job.live_progress == 100
    assert max(seen) > 0 and seen == sorted(seen)
    assert not job.progress_file().exists()
