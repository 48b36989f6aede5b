"""Demo departments: the reference city's departments, district governments and zone committees."""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .services import department_upsert

DEMO_ACTOR = "演示数据"


def load(*, scale: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Create or update the seeded departments (divisions come with the migrations)."""
    with open(Path(__file__).parent / "data" / "departments.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    created = 0
    for r in rows:
        _, new = department_upsert(actor=DEMO_ACTOR, code=r["code"], name=r["name"], kind=r["kind"],
                                   region=r["region"], responsible=r["responsible"].split() or [],
                                   duties=r["duties"])
        created += new
    return {"departments": len(rows), "created": created}
