"""The OpenAPI document is the API's contract: any change to it must be deliberate (`make snapshot`)."""

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


def test_openapi_matches_snapshot(db, client):
    current = client.get("/api/v1/openapi.json").json()
    text = json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run `make snapshot`"
    assert text == SNAPSHOT.read_text(encoding="utf-8"), (
        "the API changed: review the difference, then run `make snapshot` to accept it")


def test_every_operation_documents_itself(db, client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
