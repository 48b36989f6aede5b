"""PostgreSQL: tell every process's listener when what an API token's lookup reads may have changed.

Statement-level triggers send `NOTIFY ztc_auth` (accounts/tokencache.py) when users, regions or departments are
updated, deleted or truncated, and when a token is revoked, moved, deleted or truncated. Inserts change no row a
process holds; nor does the lookup's own `last_used_at` stamp, which is left out on purpose (it is written once
a minute per token). Other engines keep no such rows, so they get no trigger.
"""

from django.db import migrations

TABLES = {  # table → the events that notify
    "accounts_user": "UPDATE OR DELETE OR TRUNCATE",
    "accounts_apitoken": "UPDATE OF revoked_at, user_id, key_hash OR DELETE OR TRUNCATE",
    "regions_division": "UPDATE OR DELETE OR TRUNCATE",
    "regions_department": "UPDATE OR DELETE OR TRUNCATE",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION ztc_auth_changed() RETURNS trigger AS $$
BEGIN PERFORM pg_notify('ztc_auth', TG_TABLE_NAME); RETURN NULL; END; $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, events in TABLES.items():
        schema_editor.execute(f"CREATE TRIGGER {table}_auth_changed AFTER {events} ON {table} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION ztc_auth_changed()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_auth_changed ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS ztc_auth_changed()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("regions", "0002_load_divisions")]
    operations = [migrations.RunPython(forwards, backwards)]
