"""Licence benchmarks on a throwaway database: issuance, verification rate and latency as the table grows.

Run: python bench/bench_licenses.py [--database-url URL] [--large N] [--seconds S]

Default database: a fresh SQLite file in a temporary folder. With --database-url postgres://…/NAME the
database NAME is dropped and created again (never point it at real data).

Figures:
1. issuance: `bulk_issue` of 100,000 licences (the demo/import path: random status slots, no
   signatures — signing is lazy) and the one-by-one `license_issue` service (validation, locking,
   status slot, audit row, one transaction each), both per second;
2. verification rate: the real verify service (`verification.verify_credential`: proof + key
   resolution + status from the in-memory status bits, checked against other processes' commits,
   + dates) over distinct active credentials, as a share of raw Ed25519 verify measured in the same
   rounds (goal >= 70 %); and the same for revoked credentials, whose row is read;
3. verification latency with 10,000 and with --large (default 1,000,000) licences stored (goal:
   ratio <= 1.2), median of interleaved rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_environment(database_url: str | None) -> str:
    """Point Django at a throwaway database and keystore; returns the database URL used."""
    folder = tempfile.mkdtemp(prefix="bench_licenses_")
    url = database_url or f"sqlite:///{folder}/bench.sqlite3"
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    os.environ.update({
        "DATABASE_URL": url, "ZTC_VAR_DIR": folder,
        "ZTC_KEY_PASSPHRASE": "bench-only-passphrase", "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "ZTC_LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0, stdout=StringIO())
    return url


def rate(action: Callable[[], object], seconds: float) -> float:
    """Calls per second of action over about `seconds`."""
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            action()
        count += 20
        now = time.perf_counter()
        if now - start >= seconds:
            return count / (now - start)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--issue", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=0.4)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    url = setup_environment(args.database_url)

    import datetime

    from django.db import connection, transaction

    from zhitongche.accounts.services import user_create
    from zhitongche.licenses import services, verification
    from zhitongche.licenses.models import License
    from zhitongche.regions.demo import load as load_departments
    from zhitongche.registry.identifiers import make_uscc
    from zhitongche.registry.models import Enterprise

    load_departments(scale="small")
    with transaction.atomic():
        Enterprise.objects.bulk_create([
            Enterprise(uscc=make_uscc("210302", n), name=f"基准测试企业{n:05d}有限公司", region_id="210302")
            for n in range(1, 2001)])
    holders = list(Enterprise.objects.order_by("id"))
    fields = [{"key": "legalRepresentative", "label": "法定代表人", "required": True},
              {"key": "address", "label": "住所", "required": True},
              {"key": "businessScope", "label": "经营项目", "required": False}]
    lt, _ = services.license_type_upsert(actor="bench", code="SPJY", name="食品经营许可证", department="SCJ",
                                         valid_years=5, fields=fields)
    officer, _ = user_create(actor="bench", username="bench_scj", role="department", department="SCJ",
                             password="Bench-pass-2026")
    values = {"legalRepresentative": "张三", "address": "辽宁省鞍山市铁东区胜利南路 1 号", "businessScope": "热食类食品制售"}
    start = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)

    def bulk(n: int) -> float:
        rows = ((holders[i % len(holders)], values, start + datetime.timedelta(seconds=i)) for i in range(n))
        began = time.perf_counter()
        with transaction.atomic():
            services.bulk_issue(license_type=lt, rows=rows)
        return n / (time.perf_counter() - began)

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    bulk_rate = bulk(args.issue)
    print(f"bulk issuance of {args.issue:,} licences: {bulk_rate:,.0f} /s")
    began = time.perf_counter()
    singles = 300
    for i in range(singles):
        services.license_issue(actor=officer, type_code="SPJY", holder=holders[i].uscc, fields=values)
    print(f"license_issue service, one by one ({singles}): {singles / (time.perf_counter() - began):,.0f} /s")

    # Credentials to verify: distinct licences, signed once (lazy signing) through the service.
    sample = list(License.objects.order_by("?").values_list("identifier", flat=True)[:200])
    credentials = [services.license_credential(actor=officer, identifier=i, purpose="bench") for i in sample]
    for cred in credentials:
        assert verification.verify_credential(cred).valid

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = bytes(64)
    signature = key.sign(message)
    position = {"n": 0}

    def raw() -> None:
        public.verify(signature, message)

    def full() -> None:
        position["n"] = (position["n"] + 1) % len(credentials)
        if not verification.verify_credential(credentials[position["n"]]).valid:
            raise AssertionError("credential stopped verifying")

    def measure(label: str, subject: Callable[[], None] = full) -> tuple[float, float, float]:
        """Medians over interleaved rounds: subject/raw rate ratio, µs per verification, and the
        verification's time in units of one raw Ed25519 verify of the same round (load-independent)."""
        ratios, latencies, relative = [], [], []
        for round_number in range(args.rounds):
            order = [raw, subject] if round_number % 2 == 0 else [subject, raw]
            rates = {"raw" if f is raw else "full": rate(f, args.seconds) for f in order}
            ratios.append(rates["full"] / rates["raw"])
            latencies.append(1e6 / rates["full"])
            relative.append(rates["raw"] / rates["full"])
        print(f"{label}: full verify {statistics.median(latencies):.0f} µs "
              f"(= {statistics.median(relative):.2f} raw Ed25519 verifies); full/raw rate "
              f"{statistics.median(ratios):.1%} (min {min(ratios):.1%}, max {max(ratios):.1%})")
        return statistics.median(ratios), statistics.median(latencies), statistics.median(relative)

    stored = License.objects.count()
    if stored < 10_000:
        bulk(10_000 - stored)
    # Latency with 10,000 stored: use only the first 10,000 (delete the rest for this measurement).
    with transaction.atomic():
        keep = set(sample)
        others = License.objects.exclude(identifier__in=keep)
        # By the first id to go rather than a list of ids: PostgreSQL binds at most 65,535 parameters.
        first_gone = others.order_by("id").values_list("id", flat=True)[10_000 - len(keep)]
        others.filter(id__gte=first_gone).delete()
    print(f"stored: {License.objects.count():,}")
    ratio_small, latency_small, relative_small = measure("10,000 stored")
    grow_rate = bulk(args.large - License.objects.count())
    print(f"bulk issuance up to {args.large:,}: {grow_rate:,.0f} /s; stored: {License.objects.count():,}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ratio_large, latency_large, relative_large = measure(f"{args.large:,} stored")
    print(f"latency ratio {args.large:,} / 10,000 stored: {latency_large / latency_small:.2f} in µs, "
          f"{relative_large / relative_small:.2f} in units of raw Ed25519 verify (same rounds)   goal <= 1.2")
    print(f"verification rate / raw Ed25519: {ratio_small:.1%} (10k), {ratio_large:.1%} ({args.large:,})   goal >= 70%")

    # Revoked credentials: their bit is set, so verification reads the row (revoked or superseded?).
    revoked = credentials[:50]
    for cred in revoked:
        services.license_revoke(actor=officer, identifier=cred["credentialSubject"]["licenseNumber"], reason="基准测试")

    def full_revoked() -> None:
        position["n"] = (position["n"] + 1) % len(revoked)
        if verification.verify_credential(revoked[position["n"]]).status != "revoked":
            raise AssertionError("revoked credential not reported as revoked")

    measure(f"revoked credentials, {args.large:,} stored", full_revoked)


if __name__ == "__main__":
    main()
