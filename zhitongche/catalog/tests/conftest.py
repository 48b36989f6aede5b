"""Catalogue fixtures: the real 1,135-item list imported once per module, and a clean text layer per test."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from zhitongche.catalog.textproc import CATALOGUE_CSV


def load_catalogue(rows: list[dict[str, str]] | None = None) -> None:
    """Import item rows (the bundled list by default) through the service_items kind, then build the index."""
    from django.db import transaction

    from zhitongche.catalog import index
    from zhitongche.catalog.imports import ServiceItemImport

    if rows is None:
        with open(CATALOGUE_CSV, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    handler = ServiceItemImport()
    with transaction.atomic():
        ctx = handler.prepare(None)
        records = []
        for number, row in enumerate(rows, start=2):
            record, errors = handler.validate(ctx, number, row)
            assert not errors, errors
            records.append(record)
        handler.write(ctx, records, None, False)
    index.reindex()


def clear_catalogue() -> None:
    """Remove what load_catalogue wrote (module fixtures commit outside the per-test transaction)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("catalog_searchdoc", "catalog_searchterm", "catalog_scenarioitem", "catalog_scenario",
                      "catalog_guide_items", "catalog_guide", "catalog_serviceitem"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed names
    from zhitongche.catalog import index

    index.refresh_stats()


@pytest.fixture(scope="module")
def catalogue(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The real item list in the database and the index, once per test module."""
    with django_db_blocker.unblock():
        clear_catalogue()
        load_catalogue()
        yield
        clear_catalogue()


@pytest.fixture(autouse=True)
def fresh_text_layer() -> Iterator[None]:
    """Each test starts from the synonym table in the database (or the CSV); none leaks into the next."""
    from zhitongche.catalog import index

    index.forget_text_layer()
    yield
    index.forget_text_layer()


def csv_bytes(header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    """A UTF-8 CSV upload."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = io.BytesIO(out.getvalue().encode("utf-8"))
    data.name = "upload.csv"
    return data
