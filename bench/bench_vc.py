"""Micro benchmark: raw Ed25519 verification vs full licence-credential verification.

Run: python bench/bench_vc.py [--seconds S]

Full verification = structural checks + RFC 8785 canonicalisation of the document and of the proof
configuration + two SHA-256 + key lookup + Ed25519 verify. The goal is a full rate of at least 70% of
the raw Ed25519 rate. Both are measured in the same run, interleaved, best of several rounds, since
the machines are noisy; only the ratio is meaningful across machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rfc8785  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from stdnum.cn import uscc  # noqa: E402

from zhitongche.licenses import identifiers, vc  # noqa: E402


def licence_credential() -> tuple[dict, vc.PublicKeyResolver, bytes, bytes]:
    """A signed, realistic licence credential, its resolver, and a raw (signature, message) pair."""
    did = vc.did_web("zwfw.anshan.example")
    key = Ed25519PrivateKey.generate()
    key_id = vc.encode_public_key_multibase(key.public_key())
    shanghai = timezone(timedelta(hours=8))
    body = "91210302MA0Y3KUP0"
    unsigned = vc.build_license_credential(
        identifier=identifiers.make_identifier("210302", "SPJY", 2025),
        issuer=did,
        holder_uscc=body + uscc.calc_check_digit(body),
        holder_name="鞍山市铁东区示例餐饮有限公司",
        license_type="SPJY",
        license_type_name="食品经营许可证",
        fields={
            "legalRepresentative": "张三",
            "address": "辽宁省鞍山市铁东区胜利南路 1 号",
            "businessPremises": "辽宁省鞍山市铁东区胜利南路 1 号 1-2 层",
            "mainBusiness": "餐饮服务经营者",
            "businessScope": "热食类食品制售；冷食类食品制售；自制饮品制售",
            "issuingAuthority": "鞍山市铁东区市场监督管理局",
            "dailySupervisor": "鞍山市铁东区市场监督管理局胜利所",
            "complaintHotline": "12345",
        },
        valid_from=datetime(2025, 9, 30, 9, 0, tzinfo=shanghai),
        valid_until=datetime(2030, 9, 29, 23, 59, 59, tzinfo=shanghai),
        credential_status=vc.credential_status_entry("https://zwfw.anshan.example/api/v1/status/1", 94567),
    )
    signed = vc.sign(unsigned, key, vc.verification_method_id(did, key_id), datetime.now(UTC))
    resolve = vc.resolver_for_did_document(vc.did_document(did, [(key_id, key.public_key(), True)]))
    message = bytes(64)
    return signed, resolve, key.sign(message), message


def rate(action: Callable[[], object], seconds: float) -> float:
    """Calls per second of action over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            action()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    """Measure and print rates and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=0.3, help="per case and round")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    credential, resolve, signature, message = licence_credential()
    public_key = resolve(credential["proof"]["verificationMethod"])
    assert public_key is not None and vc.verify(credential, resolve).valid
    size = len(vc.canonicalize(credential))

    def raw() -> None:
        public_key.verify(signature, message)

    def full() -> None:
        if not vc.verify(credential, resolve).valid:
            raise AssertionError("credential stopped verifying")

    fast_canonicalize = vc.canonicalize

    def full_rfc8785_only() -> None:
        vc.canonicalize = rfc8785.dumps  # type: ignore[assignment]
        try:
            full()
        finally:
            vc.canonicalize = fast_canonicalize

    def jcs_fast() -> None:
        fast_canonicalize(credential)

    def jcs_rfc8785() -> None:
        rfc8785.dumps(credential)

    cases = {
        "raw Ed25519 verify": raw,
        "full credential verify": full,
        "full verify, rfc8785 only": full_rfc8785_only,
        "JCS of the credential (fast path)": jcs_fast,
        "JCS of the credential (rfc8785)": jcs_rfc8785,
    }
    # Other processes share the two cores, so rates drift between rounds: each round measures
    # every case back to back (order alternating) and the ratios are taken within a round.
    best = dict.fromkeys(cases, 0.0)
    ratios: dict[str, list[float]] = {"full": [], "rfc8785": []}
    for round_number in range(args.rounds):
        names = list(cases) if round_number % 2 == 0 else list(reversed(cases))
        rates = {name: rate(cases[name], args.seconds) for name in names}
        for name, value in rates.items():
            best[name] = max(best[name], value)
        ratios["full"].append(rates["full credential verify"] / rates["raw Ed25519 verify"])
        ratios["rfc8785"].append(rates["full verify, rfc8785 only"] / rates["raw Ed25519 verify"])

    print(f"credential: {size} bytes canonical; {args.rounds} rounds x {args.seconds:.2f} s per case")
    print("best rates:")
    for name, value in best.items():
        print(f"  {name:36s} {value:10,.0f} /s   {1e6 / value:8.1f} µs")
    print("full / raw Ed25519, per round (median, min-max):")
    for label, key in (("full verify", "full"), ("full verify with rfc8785 only", "rfc8785")):
        values = ratios[key]
        print(
            f"  {label:36s} {statistics.median(values):10.1%}   ({min(values):.1%}-{max(values):.1%})"
            + ("   goal >= 70%" if key == "full" else "")
        )


if __name__ == "__main__":
    main()
