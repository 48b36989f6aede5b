"""Engine-specific search structures, the seeded synonym table and the index state row.

SQLite: an external-content FTS5 table over SearchDoc's token columns, kept in step by triggers. A later
migration that makes SQLite rebuild catalog_searchdoc (AlterField) drops the triggers: recreate them there.
PostgreSQL: a generated weighted tsvector column (title A, body B) with a GIN index.
"""

import csv
from pathlib import Path

from django.db import migrations

# Two FTS5 tables: guides (tens of thousands, mostly titled like the items they explain) apart from items and
# scenarios, so `kind=item` never scans the guides. `marker` holds one token every document has ("ztcall",
# weight 0 in bm25): `(rare words) AND (other terms OR ztcall)` then requires a rare word while still scoring
# the others (catalog.search). The column is not in the content table: FTS5 reads content only for
# rebuild/highlight/snippet, which the app never uses.
def _fts(table, condition):
    values = "new.id, new.title_terms, new.body_terms, 'ztcall'"
    old = "'delete', old.id, old.title_terms, old.body_terms, 'ztcall'"
    cols = f"{table}(rowid, title_terms, body_terms, marker)"
    delete = f"{table}({table}, rowid, title_terms, body_terms, marker)"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5(title_terms, body_terms, marker, content='catalog_searchdoc', "
        "content_rowid='id', tokenize='unicode61')",
        f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON catalog_searchdoc WHEN {condition.format(r='new')} BEGIN "
        f"INSERT INTO {cols} VALUES ({values}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON catalog_searchdoc WHEN {condition.format(r='old')} BEGIN "
        f"INSERT INTO {delete} VALUES ({old}); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON catalog_searchdoc BEGIN "
        f"INSERT INTO {delete} SELECT {old} WHERE {condition.format(r='old')}; "
        f"INSERT INTO {cols} SELECT {values} WHERE {condition.format(r='new')}; END",
    ]


SQLITE_FORWARD = _fts("catalog_searchfts", "{r}.kind != 'guide'") + _fts("catalog_guidefts", "{r}.kind = 'guide'")
SQLITE_BACKWARD = [
    f"DROP {what} IF EXISTS {table}{suffix}"
    for table in ("catalog_searchfts", "catalog_guidefts")
    for what, suffix in (("TRIGGER", "_au"), ("TRIGGER", "_ad"), ("TRIGGER", "_ai"), ("TABLE", "_vocab"), ("TABLE", ""))
]
PG_FORWARD = [
    "ALTER TABLE catalog_searchdoc ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_terms), 'B')) STORED",
    "CREATE INDEX catalog_searchdoc_vector ON catalog_searchdoc USING GIN (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_searchdoc_vector",
    "ALTER TABLE catalog_searchdoc DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_FORWARD if vendor == "sqlite" else PG_FORWARD if vendor == "postgresql" else [])


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_BACKWARD if vendor == "sqlite" else PG_BACKWARD if vendor == "postgresql" else [])


def seed(apps, schema_editor):
    synonym = apps.get_model("catalog", "SearchSynonym")
    state = apps.get_model("catalog", "SearchState")
    path = Path(__file__).resolve().parent.parent / "data" / "synonyms.csv"
    seen = set()
    rows = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pair = (row["colloquial"].strip(), row["formal"].strip())
            if all(pair) and pair not in seen:
                seen.add(pair)
                rows.append(synonym(colloquial=pair[0], formal=pair[1], note=(row.get("note") or "").strip()[:200]))
    synonym.objects.bulk_create(rows, batch_size=500)
    state.objects.create(synonyms_version=1, indexed_version=1, doc_count=0)


def unseed(apps, schema_editor):
    apps.get_model("catalog", "SearchSynonym").objects.all().delete()
    apps.get_model("catalog", "SearchState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(seed, unseed),
    ]
