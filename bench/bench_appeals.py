"""Appeals: HTTP throughput against a django-ninja hello world, and the figures endpoint at the demo scale.

Run: python bench/bench_appeals.py [--seconds S] [--appeals N] [--database-url URL]

1. Builds a throwaway database (SQLite in /tmp unless --database-url names an empty PostgreSQL database),
   migrates, loads the small demo and then bulk-writes appeals up to N (default 50,000, the `anshan` volume).
2. Figures: times GET /api/v1/stats/appeals in process (server time: the view and its queries, no network)
   for the whole city, one year, one district and one department — goal ≤ 150 ms.
3. HTTP: starts `ztc serve` (gunicorn, 2 workers) with bench/appeals_http/settings.py, which adds
   /bench/hello (the hello world) beside the product, then runs, interleaved in rounds in the same run,
   hello, two floors (the hello world behind the API's token; one audited write: bench/appeals_http/urls.py), appeal detail reads (bureau, with dispatch suggestions; enterprise) and action posts (督办,
   a repeatable action that writes the appeal, an event, an audit row and notifications, on a different
   open appeal each time) from 4 client processes, and prints requests/s and p99 and their ratios to
   hello (goal ≥ 50 % of the rate, p99 ≤ 2×), with the CPU each request cost the server, the database server
   (PostgreSQL on this host) and the clients.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{cmd[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def setup_database(env: dict[str, str], appeals: int) -> None:
    run([str(BIN / "ztc"), "migrate"], env)
    run([str(BIN / "ztc"), "demo"], env)
    code = f"""
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()
from zhitongche.appeals.demo import bulk_history, HISTORY_START
from zhitongche.appeals.models import Appeal
from zhitongche.registry.models import Enterprise
ents = list(Enterprise.objects.values_list("id", "region_id"))
todo = {appeals} - Appeal.objects.count()
if todo > 0:
    bulk_history(count=todo, enterprises=ents, seed=1, start=HISTORY_START, prefix="B")
print(Appeal.objects.count())
"""
    print(f"   appeals in the database: {run([sys.executable, '-c', code], env).strip()}", flush=True)


def stats_server_time(env: dict[str, str]) -> list[tuple[str, float, float, int]]:
    """Median and max in-process time of the figures endpoint for several filters."""
    code = """
import django, os, time, json, statistics
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()
from django.test import Client
from zhitongche.accounts.models import User
c = Client(HTTP_HOST="127.0.0.1")
c.force_login(User.objects.get(username="bureau"))
cases = [("whole city, all time", {}), ("one year (2025)", {"from": "2025-01-01", "to": "2025-12-31"}),
         ("one district (210381)", {"region": "210381"}), ("one department (RSJ)", {"department": "RSJ"}),
         ("district + year", {"region": "210302", "from": "2025-01-01", "to": "2025-12-31"})]
out = []
for name, params in cases:
    c.get("/api/v1/stats/appeals", params)
    times = []
    for _ in range(15):
        t = time.perf_counter(); r = c.get("/api/v1/stats/appeals", params); times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.content
    out.append((name, statistics.median(times), max(times), r.json()["total"]))
print(json.dumps(out))
"""
    return json.loads(run([sys.executable, "-c", code], env))


def make_tokens(env: dict[str, str]) -> dict[str, str]:
    code = """
import django, os, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()
from zhitongche.accounts.models import User
from zhitongche.accounts.services import token_create
from zhitongche.appeals.models import OPEN_STAGES, Appeal
out = {}
for name in ("bureau", "enterprise"):
    out[name] = token_create(actor="bench", user=User.objects.get(username=name))[1]
ent = User.objects.get(username="enterprise").enterprise
out["mine"] = Appeal.objects.filter(enterprise=ent, stage="handling").order_by("id").values_list("id", flat=True).first()
out["open"] = list(Appeal.objects.filter(stage__in=OPEN_STAGES).order_by("-id").values_list("id", flat=True)[:2000])
print(json.dumps(out))
"""
    return json.loads(run([sys.executable, "-c", code], env))


def worker(args: tuple[int, int, str, list[str], dict[str, str], bytes | None, float]) -> list[float]:
    port, offset, method, paths, headers, body, seconds = args
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = paths[(offset + len(latencies)) % len(paths)]
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status}")
        latencies.append(time.perf_counter() - t)
    return latencies


def load(pool: mp.pool.Pool, port: int, method: str, paths: list[str], headers: dict[str, str], body: bytes | None,
         seconds: float, clients: int) -> tuple[float, float]:
    """(requests/s, p99 ms) with `clients` concurrent client processes for `seconds`, each going round `paths`
    from its own starting point."""
    step = max(1, len(paths) // clients)
    results = pool.map(worker, [(port, i * step, method, paths, headers, body, seconds) for i in range(clients)])
    latencies = sorted(x for r in results for x in r)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / seconds, p99


def _name(process: Path) -> str:
    try:
        return process.joinpath("comm").read_text().strip()
    except OSError:  # ended meanwhile
        return ""


def cpu_seconds(session: int, clients: set[int]) -> tuple[float, float, float]:
    """CPU seconds so far of the server (every process of its session), of PostgreSQL's processes (when the server
    runs on this host) and of the client processes, from /proc (Linux; zeros elsewhere). The server's and
    PostgreSQL's include the processes they have reaped, so that a backend ending meanwhile is still counted."""
    from bench_import import cpu_of, proc_stat  # beside this script

    server = database = client = 0.0
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        fields = proc_stat(entry.name) if entry.name.isdigit() else None
        if fields is None:  # not a process, or ended meanwhile
            continue
        if int(fields[3]) == session:
            server += cpu_of(fields, ended_children=True)
        elif int(entry.name) in clients:
            client += cpu_of(fields)
        elif _name(entry) == "postgres":  # the postmaster too, which is not "postgres: …" in its command line
            database += cpu_of(fields, ended_children=True)
    return server, database, client


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--appeals", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of `ztc serve`")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="ztc-bench-appeals-"))
    db_url = args.database_url or f"sqlite:///{var / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": db_url, "ZTC_VAR_DIR": str(var), "DJANGO_SECRET_KEY": "bench-only-" + "x" * 40,
           "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    print(f"   database: {db_url.split('@')[-1]}", flush=True)
    started = time.monotonic()
    setup_database(env, args.appeals)
    print(f"   set-up {time.monotonic() - started:.0f} s", flush=True)

    print("figures endpoint, in-process server time (goal ≤ 150 ms):")
    for name, median, worst, total in stats_server_time(env):
        print(f"   {name:<26} median {median:6.1f} ms   max {worst:6.1f} ms   ({total} appeals)")

    tokens = make_tokens(env)
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.appeals_http.settings", "ZTC_INSECURE_COOKIES": "1"}
    server = subprocess.Popen([str(BIN / "ztc"), "serve", "--port", str(args.port), "--workers", str(args.workers)], env=server_env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                c.request("GET", "/bench/hello")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + server.stderr.read(2000).decode() if server.stderr else "")
        bureau = {"Authorization": f"Bearer {tokens['bureau']}", "Host": "127.0.0.1"}
        owner = {"Authorization": f"Bearer {tokens['enterprise']}", "Host": "127.0.0.1"}
        post = {**bureau, "Content-Type": "application/json"}
        # 督办 goes round the open appeals: repeated on one appeal, its timeline would grow by thousands of
        # events during the run and the figure would measure that timeline rather than the action.
        cases = {
            "hello": ("GET", ["/bench/hello"], {"Host": "127.0.0.1"}, None),
            "floor: hello with a token": ("GET", ["/bench/hello-token"], owner, None),
            "floor: one audited write": ("POST", ["/bench/write"], post, b"{}"),
            "floor: one row, hand-written SQL": ("POST", ["/bench/write-sql"], post, b"{}"),
            "detail (bureau, with suggestions)": ("GET", [f"/api/v1/appeals/{tokens['mine']}"], bureau, None),
            "detail (enterprise)": ("GET", [f"/api/v1/appeals/{tokens['mine']}"], owner, None),
            "action post (escalate)": ("POST", [f"/api/v1/appeals/{pk}/actions/escalate" for pk in tokens["open"]],
                                       post, json.dumps({"note": "压测督办"}).encode()),
        }
        ctx = mp.get_context("fork")
        with ctx.Pool(args.clients) as pool:
            for method, paths, headers, body in cases.values():  # warm up: jieba, suggester, connections
                load(pool, args.port, method, paths, headers, body, 1.0, args.clients)
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
            cpu: dict[str, list[float]] = {name: [0.0, 0.0, 0.0, 0.0] for name in cases}  # server, db, clients, n
            clients = {p.pid for p in pool._pool}  # type: ignore[attr-defined]
            for _ in range(args.rounds):
                for name, (method, paths, headers, body) in cases.items():
                    before = cpu_seconds(server.pid, clients)
                    figures[name].append(load(pool, args.port, method, paths, headers, body, args.seconds,
                                              args.clients))
                    spent = cpu_seconds(server.pid, clients)
                    for i in range(3):
                        cpu[name][i] += spent[i] - before[i]
                    cpu[name][3] += figures[name][-1][0] * args.seconds
        hello_rps = statistics.median(r for r, _ in figures["hello"])
        hello_p99 = statistics.median(p for _, p in figures["hello"])
        print(f"HTTP, gunicorn {args.workers} workers, {args.clients} clients, median of {args.rounds} rounds × {args.seconds:.0f} s:")
        for name, rounds in figures.items():
            rps = statistics.median(r for r, _ in rounds)
            p99 = statistics.median(p for _, p in rounds)
            server_s, db_s, client_s, requests = cpu[name]
            print(f"   {name:<34} {rps:7.0f} req/s  p99 {p99:6.1f} ms   "
                  f"= {rps / hello_rps:5.0%} of hello rate, p99 {p99 / hello_p99:4.1f}× hello   "
                  f"CPU per request: server {server_s / requests * 1e6:4.0f} µs, database {db_s / requests * 1e6:4.0f} µs, "
                  f"clients {client_s / requests * 1e6:4.0f} µs")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        if not args.database_url:
            shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
