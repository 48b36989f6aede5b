"""Loads the bundled division files; used by a data migration so every database has the divisions."""

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
PLACEHOLDERS = {"210301"}  # NBS 市辖区: a statistical placeholder with no children


def read_divisions() -> list[dict[str, Any]]:
    """Rows of the 2021 file with 2022 township names applied, townships gone in 2022 marked inactive."""
    with open(DATA / "anshan_divisions_2022_township.csv", encoding="utf-8") as f:
        names_2022 = {r["code"]: r["name"] for r in csv.DictReader(f)}
    rows = []
    with open(DATA / "anshan_divisions_2021.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["code"] in PLACEHOLDERS:
                continue
            level = r["level"]
            active = level not in ("county", "township") or r["code"] in names_2022
            rows.append({
                "code": r["code"],
                "name": names_2022.get(r["code"], r["name"]),
                "level": level,
                "parent": None if level == "city" else r["parent_code"],
                "active": active,
            })
    return rows


def read_zones() -> list[dict[str, Any]]:
    """Development zones with the townships they manage."""
    with open(DATA / "zones.csv", encoding="utf-8") as f:
        return [
            {"code": r["code"], "name": r["name"], "townships": r["townships"].split()}
            for r in csv.DictReader(f)
        ]


def load_divisions(division_model: Any) -> int:
    """Insert or update every division and zone; returns the number of rows. Safe to run again."""
    rows = read_divisions()
    city = next(r["code"] for r in rows if r["level"] == "city")
    existing = set(division_model.objects.values_list("code", flat=True))
    # Parents come before children in the file, so one ordered pass satisfies the foreign keys.
    new = [division_model(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"],
                          active=r["active"]) for r in rows if r["code"] not in existing]
    division_model.objects.bulk_create(new, batch_size=500)
    for r in rows:
        if r["code"] in existing:
            division_model.objects.filter(code=r["code"]).update(name=r["name"], active=r["active"])
    for z in read_zones():
        division_model.objects.update_or_create(
            code=z["code"], defaults={"name": z["name"], "level": "zone", "parent_id": city, "active": True}
        )
        division_model.objects.filter(code__in=z["townships"], level="township").update(zone_id=z["code"])
    return len(rows) + len(read_zones())
