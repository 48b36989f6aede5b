"""Big files: a background task with a polled progress bar; a killed import leaves the database as it was."""

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from zhitongche.imports.models import ImportJob
from zhitongche.registry.models import Enterprise
from zhitongche.registry.tests.helpers import csv_file, ent_row, xlsx

ROOT = Path(__file__).resolve().parents[3]


def test_big_file_runs_in_the_background_and_the_page_polls(make_user, api, client, tmp_path, settings,
                                                           django_capture_on_commit_callbacks):
    settings.IMPORT_SYNC_MAX_BYTES = 100
    user = make_user("department", department="D210302")
    path = xlsx(tmp_path / "big.xlsx", [ent_row(i) for i in range(1, 40)])
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as f:
        r = api(user).post("/api/v1/imports", {"kind": "enterprises", "file": f}, multipart=True)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    job_id = r.json()["id"]
    assert Enterprise.objects.count() == 0
    client.force_login(user)
    fragment = client.get(f"/imports/{job_id}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment and "<html" not in fragment
    # What `ztc worker` does with the queued task (its loop closes connections, which a test transaction
    # on PostgreSQL does not survive): the queued task's own function with its stored arguments.
    queued = DBTaskResult.objects.get(status="READY")
    assert queued.task_path.endswith("run_import_task") and queued.args_kwargs["args"] == [job_id]
    assert queued.task.call(*queued.args_kwargs["args"]) == "done"
    body = api(user).get(f"/api/v1/imports/{job_id}").json()
    assert (body["status"], body["created"]) == ("done", 39)
    done = client.get(f"/imports/{job_id}/", headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in done and "39" in done


def test_web_upload_shows_failed_rows_and_offers_the_error_workbook(make_user, client, tmp_path):
    user = make_user("department", department="D210302")
    client.force_login(user)
    page = client.get("/imports/").content.decode()
    assert "/imports/templates/enterprises.xlsx" in page and 'type="file"' in page
    path = xlsx(tmp_path / "bad.xlsx", [ent_row(1), ent_row(2, phone="12")])
    with open(path, "rb") as f:
        r = client.post("/imports/", {"kind": "enterprises", "file": f})
    assert r.status_code == 302
    text = client.get(r["Location"]).content.decode()
    assert "invalid_phone" in text and "下载错误清单" in text
    job = ImportJob.objects.get()
    history = client.get("/imports/").content.decode()
    assert "<td>企业(项目)信息上报模板</td>" in history and "<td>enterprises</td>" not in history
    workbook = client.get(f"/imports/{job.pk}/errors.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    client.force_login(make_user("department", department="D210303"))
    assert client.get(f"/imports/{job.pk}/errors.xlsx").status_code == 404


@pytest.mark.skipif(sys.platform != "linux", reason="signals")
def test_killing_an_import_leaves_the_database_as_it_was(tmp_path):
    db = tmp_path / "kill.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE":
           os.environ.get("ZTC_KILL_TEST_SETTINGS", "config.settings.test")}
    ztc = [sys.executable, "-m", "zhitongche"]
    subprocess.run([*ztc, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    add_user = [*ztc, "user", "add", "killer", "--role", "admin", "--password", "Kill-pass-2026"]
    subprocess.run(add_user, env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    path = tmp_path / "many.csv"
    csv_file(path, [ent_row(i) for i in range(1, 30001)])
    command = [*ztc, "import", "enterprises", str(path), "--as", "killer"]
    proc = subprocess.Popen(command, env=env, cwd=ROOT,  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed_while = None
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(db, timeout=30) as conn:
            row = conn.execute("SELECT status, progress, stored_path FROM imports_importjob").fetchone()
        # Rows are being written inside the open transaction once the running job's progress (a file beside the
        # upload, this file being pipelined; else its row) says the first batch of 20,000 is in.
        job = ImportJob(status=row[0], progress=row[1], stored_path=row[2]) if row else None
        # (The in-process path writes from 90 on its row; the pipelined one from 70 in its file.)
        written = job is not None and job.status == "running" and job.live_progress >= (
            70 if job.progress_file().exists() else 90)
        if written:
            proc.send_signal(signal.SIGKILL)
            killed_while = row
            break
        time.sleep(0.02)
    proc.wait()
    with sqlite3.connect(db, timeout=30) as conn:
        enterprises = conn.execute("SELECT COUNT(*) FROM registry_enterprise").fetchone()[0]
        status = conn.execute("SELECT status FROM imports_importjob").fetchone()[0]
    if killed_while is None:
        pytest.skip("the import finished before it could be killed")
    # All or nothing: either the write never committed, or (a race at the last instant) all of it did.
    assert (enterprises, status) in [(0, "running"), (30000, "done")]


def test_a_killed_import_is_marked_failed_and_its_progress_files_removed(db, tmp_path):
    from django.utils import timezone

    from zhitongche.imports.models import ImportJob, ImportStatus
    from zhitongche.imports.services import STALE_AFTER, import_mark_interrupted

    started = timezone.now() - STALE_AFTER
    killed = ImportJob.objects.create(kind="enterprises", file_name="a.xlsx", stored_path=str(tmp_path / "a.xlsx"),
                                      status=ImportStatus.RUNNING, started_at=started - datetime.timedelta(minutes=1))
    running = ImportJob.objects.create(kind="enterprises", file_name="b.xlsx", stored_path=str(tmp_path / "b.xlsx"),
                                       status=ImportStatus.RUNNING, started_at=timezone.now())
    left = [killed.progress_file(), killed.progress_file().with_name("a.xlsx.progress.new"), running.progress_file()]
    for path in left:
        path.write_text("40")
    assert import_mark_interrupted() == 1
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED and killed.errors[0]["code"] == "interrupted"
    assert [p.exists() for p in left] == [False, False, True]  # the job still running keeps its progress
    assert ImportJob.objects.get(pk=running.pk).status == ImportStatus.RUNNING
