"""Assessment: the DB2020 engine, the simulate endpoint, and computing a ranking.

Run: python bench/bench_assessment.py

1. `db2020.simulate` on the 190 published raw rows (pure Python) — economies per second.
2. `POST /api/v1/assessment/db2020/simulate` through Django's test client on a throwaway SQLite file —
   requests per second (session auth), and the share of a request spent in the engine.
3. `compute_results` for the B-READY system (10 topics × 3 pillars) over every department (32 units) —
   seconds per computation, including writing 32 results and 1,280 result items.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
TMP = tempfile.mkdtemp(prefix="bench_assessment_")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from zhitongche.assessment import db2020  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]


def best_rate(fn, count: int, rounds: int = 5) -> float:
    """Best operations per second over several rounds."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        rates.append(count / (time.perf_counter() - started))
    return max(rates)


def main() -> None:
    rows = [db2020.published_raw(row.code) for row in db2020.published_table().economies]
    engine = best_rate(lambda: [db2020.simulate(raw) for raw in rows], len(rows))
    print(f"db2020.simulate: {engine:,.0f} economies/s")

    call_command("migrate", verbosity=0)
    from zhitongche.accounts.services import user_create
    from zhitongche.assessment import services
    from zhitongche.assessment.frameworks import load_frameworks
    from zhitongche.assessment.models import IndicatorSystem, Observation
    from zhitongche.regions.demo import load as load_departments
    from zhitongche.regions.models import Department

    load_departments(scale="small")
    load_frameworks()
    user, _ = user_create(actor="bench", username="bench_bureau", role="bureau", region="210300",
                          password="Bench-pass-2026")
    client = Client()
    client.force_login(user)
    sample = rows[:50]

    def post_all() -> None:
        for raw in sample:
            response = client.post("/api/v1/assessment/db2020/simulate", raw, content_type="application/json")
            assert response.status_code == 200

    api = best_rate(post_all, len(sample))
    print(f"POST /assessment/db2020/simulate: {api:,.0f} requests/s (engine {api / engine:.0%} of the request time)")

    system = IndicatorSystem.objects.get(code="BREADY")
    leaves = list(system.indicators.filter(parent__isnull=False).values_list("code", flat=True))
    units = list(Department.objects.filter(active=True))
    Observation.objects.bulk_create([
        Observation(system_code="BREADY", indicator_code=code, unit=unit, period="2026",
                    value=float((i * 7 + j * 13) % 100))
        for i, unit in enumerate(units) for j, code in enumerate(leaves)])
    times = []
    for _ in range(5):
        started = time.perf_counter()
        results = services.compute_results(actor=user, system=system, period="2026")
        times.append(time.perf_counter() - started)
    print(f"compute_results: {len(results)} units × {len(leaves)} leaves in {min(times) * 1000:.0f} ms "
          f"(median {statistics.median(times) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
