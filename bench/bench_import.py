"""Enterprise template import at the reference city's scale (194,000 rows), on SQLite and PostgreSQL.

Prints rows/s of the import, the ratio to a plain openpyxl read of the same file in the same run, the
re-import (idempotent: creates and updates nothing), and the peak memory of the importing process.
`--million` also imports a 1,000,000-row file on SQLite to show that memory stays bounded.

    .venv/bin/python bench/bench_import.py [--rows N] [--million] [--engines sqlite,postgres]
PostgreSQL: DATABASE_URL_PG (default postgres://postgres@127.0.0.1:5432/bench_registry).
"""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ZTC_BENCH_DIR", "/tmp/ztc-bench"))
PG_URL = os.environ.get("DATABASE_URL_PG", "postgres://postgres@127.0.0.1:5432/bench_registry")
HEADERS = ["统一社会信用代码", "企业名称", "市场主体类型", "法定代表人", "企业类别", "经营状态", "所属区县代码",
           "乡镇(街道)代码", "国民经济行业代码", "联系人", "联系电话", "管家手机号"]
STEWARDS = 200


def generate(path: Path, rows: int) -> None:
    """A filled-in enterprises template: real territories and townships, the city's category shares."""
    import csv
    import random

    import openpyxl

    sys.path.insert(0, str(ROOT))
    from zhitongche.registry.identifiers import make_uscc

    towns: dict[str, list[str]] = {}
    with open(ROOT / "zhitongche/regions/data/anshan_divisions_2022_township.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["level"] == "township":
                towns.setdefault(r["parent_code"], []).append(r["code"])
    regions = sorted(towns)
    rng = random.Random(1)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("企业(项目)信息上报模板")
    ws.append(HEADERS)
    for i in range(1, rows + 1):
        region = regions[i % len(regions)]
        category = "重点项目" if i % 400 == 0 else "规上工业" if i % 190 == 0 else "限上商贸" if i % 130 == 0 else "其他"
        kind = "个体工商户" if i % 3 else "企业"
        ws.append([make_uscc(region, i, "individual" if i % 3 else "company"), f"鞍山测试{i}有限公司", kind,
                   "张三", category, "投产运营", region, rng.choice(towns[region]), "C31", "李四",
                   f"138{i:08d}" if i % 2 else f"0412-{5000000 + i % 1000000}", f"1370000{i % STEWARDS:04d}"])
    wb.save(path)


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (Linux), so that the peak is the import's, not the set-up's."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """Peak resident memory since reset_peak() (VmHWM), or the process's ru_maxrss elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def used(before: Any, after: Any) -> float:
    """CPU seconds between two getrusage() results."""
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def proc_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (Linux), or None if the process is gone or unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_of(fields: list[str], *, ended_children: bool = False) -> float:
    """CPU seconds (user + system) from proc_stat() fields; with `ended_children`, also that of the children it
    has reaped (a PostgreSQL backend that exits passes its CPU on to the postmaster's count)."""
    used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if ended_children else 0)
    return used / os.sysconf("SC_CLK_TCK")


def backend_cpu(connection: Any) -> float:
    """CPU seconds so far of this connection's PostgreSQL backend, read from /proc (server on this host), else 0."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        fields = proc_stat(cursor.fetchone()[0])
    return cpu_of(fields) if fields else 0.0


def clear_registry(cursor: Any) -> None:
    """Empty the registry for a benchmark, keeping the entities that accounts point to (an enterprise user
    must have one); run inside a transaction after django.setup()."""
    from zhitongche.registry.models import Assignment, CoverageCell, Grid, Steward

    cursor.execute("UPDATE registry_enterprise SET grid_id = NULL")
    for model in (CoverageCell, Assignment, Grid.stewards.through, Grid):
        cursor.execute(f"DELETE FROM {model._meta.db_table}")
    cursor.execute("DELETE FROM registry_enterprise WHERE id NOT IN (SELECT enterprise_id FROM accounts_user "
                   "WHERE enterprise_id IS NOT NULL)")
    Steward.objects.update(user=None)
    cursor.execute("DELETE FROM registry_steward")


def child(engine: str, path: Path, label: str) -> dict:
    """One engine: fresh tables, import, re-import, openpyxl read; returns the figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from zhitongche.accounts.models import User
    from zhitongche.accounts.services import user_create
    from zhitongche.imports.bulk import insert_rows
    from zhitongche.imports.models import ImportJob
    from zhitongche.imports.services import import_create, import_run
    from zhitongche.regions.demo import load as load_departments
    from zhitongche.regions.models import Department

    call_command("migrate", verbosity=0)
    load_departments(scale="small")
    with transaction.atomic(), connection.cursor() as cursor:
        clear_registry(cursor)
        dept = Department.objects.get(code="YSJ")
        insert_rows("registry_steward", ("name", "phone", "department_id", "title", "region_id", "active"),
                    [(f"管家{i}", f"1370000{i:04d}", dept.pk, "项目管家", "210300", True) for i in range(STEWARDS)])
    if connection.vendor == "postgresql":
        # The bench host runs without autovacuum: each run would inherit the dead rows of the last clean-up.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registry_enterprise, registry_assignment, registry_steward")
    admin = User.objects.filter(username="bench_admin").first() or user_create(
        actor="bench", username="bench_admin", role="admin", password="Bench-pass-2026")[0]
    ImportJob.objects.filter(user=admin).delete()
    figures: dict[str, Any] = {}
    if connection.vendor == "postgresql":
        from zhitongche.imports.bulk import _triggers_skippable

        with connection.cursor() as cursor:
            skippable = _triggers_skippable(cursor, "registry_enterprise") is not None
        figures["foreign_keys"] = "in bulk" if skippable else "per row"  # see imports/bulk.py
    reset_peak()
    backend = backend_cpu(connection)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    job = import_run(job_id=import_create(actor=admin, kind="enterprises", file=path, file_name=path.name).pk)
    seconds = time.perf_counter() - started
    backend = backend_cpu(connection) - backend
    importer = used(own, resource.getrusage(resource.RUSAGE_SELF))
    checker = used(children, resource.getrusage(resource.RUSAGE_CHILDREN))
    peak_mb = peak_rss_mb()
    assert job.status == "done", job.errors[:3]
    started = time.perf_counter()
    again = import_run(job_id=import_create(actor=admin, kind="enterprises", file=path, file_name=path.name).pk)
    reimport = time.perf_counter() - started
    figures.update({"engine": engine, "file": label, "rows": job.total, "created": job.created, "rejected": job.rejected,
               "import_s": round(seconds, 1), "rows_per_s": round(job.total / seconds),
               "reimport_s": round(reimport, 1), "reimport_created": again.created, "reimport_updated": again.updated,
               "peak_rss_mb": round(peak_mb),
               # CPU seconds of the import: this process, the forked checking process, the database server's
               # backend of this connection (PostgreSQL on this host)
               "cpu_s": {"importer": round(importer, 1), "checker": round(checker, 1), "backend": round(backend, 1)},
               # the forked process that reads and validates a big file (python-calamine holds the sheet there)
               "peak_rss_checker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)})
    if label != "million":
        import openpyxl

        started = time.perf_counter()
        wb = openpyxl.load_workbook(path, read_only=True)
        n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        plain = time.perf_counter() - started
        figures.update({"openpyxl_read_s": round(plain, 1), "openpyxl_rows_per_s": round(n / plain),
                        "ratio_to_openpyxl": round(plain / seconds, 2)})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=194_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "FILE", "LABEL"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.child[2]), ensure_ascii=False))
        return 0
    DATA.mkdir(parents=True, exist_ok=True)
    files = [("template", DATA / f"enterprises-{args.rows}.xlsx", args.rows)]
    if args.million:
        files.append(("million", DATA / "enterprises-1000000.xlsx", 1_000_000))
    for _, path, rows in files:
        if not path.exists():
            print(f"generating {path} ({rows} rows) …", flush=True)
            generate(path, rows)
    status = 0
    for label, path, _ in files:
        for engine in args.engines.split(","):
            if label == "million" and engine != "sqlite":
                continue
            env = dict(os.environ)
            env["DATABASE_URL"] = (f"sqlite:///{DATA}/bench-import.sqlite3" if engine == "sqlite" else PG_URL)
            result = subprocess.run([sys.executable, __file__, "--child", engine, str(path), label], env=env,
                                    capture_output=True, text=True)
            if result.returncode:
                print(f"{engine}: failed\n{result.stderr[-2000:]}")
                status = 1
                continue
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(json.dumps(figures, ensure_ascii=False), flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
