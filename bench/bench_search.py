"""Catalogue search at 25,000 documents over HTTP (gunicorn via `ztc serve`), on SQLite and PostgreSQL.

For each engine: a throwaway database, the catalogue demo (986 real items, about 23,000 guides, scenarios)
topped up with generated guides to 25,000 documents, the full index build timed, then the 271 judged
questions sent to GET /api/v1/search over HTTP (kind=all and kind=item), one request at a time, after a
warm-up that loads jieba in every worker. Prints p50/p95/p99 in milliseconds and the build time.

    .venv/bin/python bench/bench_search.py [--engines sqlite,postgres] [--rounds 2] [--docs 25000]
PostgreSQL: DATABASE_URL_PG (default postgres://postgres@127.0.0.1:5432/bench_catalog, dropped and created).
"""

import argparse
import csv
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ZTC_BENCH_DIR", "/tmp/ztc-bench"))
PG_URL = os.environ.get("DATABASE_URL_PG", "postgres://postgres@127.0.0.1:5432/bench_catalog")
JUDGED = ROOT / "zhitongche/catalog/tests/judged_queries.csv"
ZTC = str(ROOT / ".venv/bin/ztc")

CHILD = r"""
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()
from django.db import transaction
from django.utils import timezone
from zhitongche.catalog import demo, index
from zhitongche.catalog.models import Guide, SearchDoc, ServiceItem
from zhitongche.imports.bulk import insert_rows
from zhitongche.regions import demo as regions_demo
target = int(sys.argv[1])
regions_demo.load(scale="small")
demo.load(scale="anshan")
docs = SearchDoc.objects.count()
extra = max(0, target - docs)
items = list(ServiceItem.objects.values_list("id", "name"))
from zhitongche.regions.models import Division
villages = list(Division.objects.filter(level="village").order_by("code").values_list("code", flat=True)[:50])
rows, links, now = [], [], timezone.now()
for i in range(extra):
    item_id, name = items[(i * 7) % len(items)]
    code = f"BENCH-{i:06d}"
    rows.append((code, f"{name}办事指南", "village", f"第{i % 97}便民服务站", villages[i % len(villages)], "[]", "[]",
                 "", "", "", "", "", "", "", "", now))
    links.append((code, item_id))
with transaction.atomic():
    insert_rows("catalog_guide", ("code", "title", "level", "organisation", "division_id", "materials", "process",
                                  "applies_to", "conditions", "time_limit", "fee", "location", "hours", "phone",
                                  "complaint_phone", "updated_at"), rows)
    ids = dict(Guide.objects.filter(code__startswith="BENCH-").values_list("code", "id"))
    insert_rows("catalog_guide_items", ("guide_id", "serviceitem_id"), [(ids[c], i) for c, i in links])
started = time.monotonic()
result = index.reindex()
build = time.monotonic() - started
print(json.dumps({"docs": SearchDoc.objects.count(), "build_s": round(build, 2), "index": result}))
"""


def prepare(engine: str, url: str, docs: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if engine == "postgres":
        db = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run([ZTC, "migrate"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    done = subprocess.run([sys.executable, "-c", CHILD, str(docs)], env=env, check=False, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def request(port: int, params: dict) -> tuple[float, dict]:
    path = "/api/v1/search?" + urllib.parse.urlencode(params)
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
    return elapsed, json.loads(body)


def serve_and_measure(url: str, port: int, queries: list[str], rounds: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789", "ZTC_VAR_DIR": str(DATA / "var")}
    server = subprocess.Popen([ZTC, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            try:
                request(port, {"q": "预热"})
                break
            except (OSError, RuntimeError):
                time.sleep(0.3)
        for q in queries[:40]:  # every worker loads jieba and the synonym table
            request(port, {"q": q})
        figures = {}
        for kind in ("all", "item"):
            times, took = [], []
            for _ in range(rounds):
                for q in queries:
                    elapsed, body = request(port, {"q": q, "kind": kind, "limit": 10})
                    times.append(elapsed)
                    took.append(body["took_ms"])
            times.sort()
            figures[kind] = {"n": len(times), "p50_ms": round(statistics.median(times), 2),
                             "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
                             "p99_ms": round(times[int(0.99 * len(times)) - 1], 2),
                             "server_p95_ms": round(sorted(took)[int(0.95 * len(took)) - 1], 2)}
        return figures
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--docs", type=int, default=25_000)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    with open(JUDGED, encoding="utf-8") as f:
        queries = list(dict.fromkeys(row["query"] for row in csv.DictReader(f)))
    urls = {"sqlite": f"sqlite:///{DATA / 'search.sqlite3'}", "postgres": PG_URL}
    for n, engine in enumerate(args.engines.split(",")):
        built = prepare(engine, urls[engine], args.docs)
        figures = serve_and_measure(urls[engine], 8791 + n, queries, args.rounds)
        print(json.dumps({"engine": engine, "docs": built["docs"], "index_build_s": built["build_s"], **figures},
                         ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
