"""`GET /api/v1/stats/coverage` at the reference city's scale (`ztc demo --scale anshan`), SQLite and PostgreSQL.

Loads the anshan demo into a benchmark database when it is not there yet (also timing that load, whose goal
is under 5 minutes on SQLite), then measures the server time of the coverage endpoint and of the registry
lists through Django's test client (no network): median and max of 20 calls after 2 warm-ups.

    .venv/bin/python bench/bench_coverage.py [--engines sqlite,postgres] [--fresh]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ZTC_BENCH_DIR", "/tmp/ztc-bench"))
PG_URL = os.environ.get("DATABASE_URL_PG", "postgres://postgres@127.0.0.1:5432/bench_registry")


def child(engine: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench_import import clear_registry  # beside this script
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from zhitongche.accounts.models import User
    from zhitongche.registry.models import Enterprise, Grid, Steward

    call_command("migrate", verbosity=0)
    figures: dict = {"engine": engine}
    if Grid.objects.count() < 500 or os.environ.get("ZTC_BENCH_FRESH"):  # not the anshan demo: start over
        with transaction.atomic(), connection.cursor() as cursor:
            clear_registry(cursor)
        from zhitongche.accounts.demo import load as load_users
        from zhitongche.regions.demo import load as load_departments
        from zhitongche.registry.demo import load as load_registry

        load_departments(scale="small")
        started = time.perf_counter()
        load_registry(scale="anshan")  # the registry's part of `ztc demo --scale anshan`
        figures["demo_anshan_registry_s"] = round(time.perf_counter() - started, 1)
        load_users(scale="small")
    figures["enterprises"] = Enterprise.objects.count()
    figures["stewards"] = Steward.objects.count()
    client = Client(HTTP_HOST="127.0.0.1")
    bureau = User.objects.get(username="bureau")
    for name, user, url in [
        ("coverage_city_ms", bureau, "/api/v1/stats/coverage"),
        ("coverage_district_ms", User.objects.get(username="bureau_tiedong"), "/api/v1/stats/coverage"),
        ("coverage_fgw_ms", User.objects.get(username="dept_fgw"), "/api/v1/stats/coverage"),
        ("enterprise_list_api_ms", bureau, "/api/v1/enterprises?region=210302"),
        ("unassigned_page_ms", bureau, "/registry/enterprises/?status=operating&covered=no"),
        ("coverage_page_ms", bureau, "/registry/coverage/"),
    ]:
        client.force_login(user)
        times = []
        for i in range(22):
            started = time.perf_counter()
            response = client.get(url)
            if i >= 2:
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        figures[name] = round(statistics.median(times), 1)
        figures[name.replace("_ms", "_max_ms")] = round(max(times), 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--child")
    parser.add_argument("--fresh", action="store_true", help="reload the anshan demo even if it is there")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    DATA.mkdir(parents=True, exist_ok=True)
    status = 0
    for engine in args.engines.split(","):
        env = dict(os.environ)
        if args.fresh:
            env["ZTC_BENCH_FRESH"] = "1"
        env["DATABASE_URL"] = f"sqlite:///{DATA}/bench-coverage.sqlite3" if engine == "sqlite" else PG_URL
        result = subprocess.run([sys.executable, __file__, "--child", engine], env=env, capture_output=True, text=True)
        if result.returncode:
            print(f"{engine}: failed\n{result.stderr[-2000:]}")
            status = 1
            continue
        print(result.stdout.strip().splitlines()[-1], flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
