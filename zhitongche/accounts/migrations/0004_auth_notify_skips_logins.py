"""PostgreSQL: a login no longer tells every process to drop the token rows it holds.

Migration 0003 notified `ztc_auth` on any update of users, so every login and every failed login (which stamp
`last_login`, `failed_logins`, `locked_until`) emptied each process's token cache. The token lookup does not
read those three columns (accounts/services.py leaves them deferred), so the trigger now fires only on an update
of the other columns, named here as they are at this migration. A column added to users later needs a migration
that names it too; test_the_user_trigger_watches_every_column_the_lookup_reads fails until it has one.
"""

from django.db import migrations

LOGIN_BOOKKEEPING = ("last_login", "failed_logins", "locked_until")
TRIGGER = "accounts_user_auth_changed"


def _recreate(schema_editor, update: str) -> None:
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON accounts_user")
    schema_editor.execute(f"CREATE TRIGGER {TRIGGER} AFTER {update} OR DELETE OR TRUNCATE ON accounts_user "
                          "FOR EACH STATEMENT EXECUTE FUNCTION ztc_auth_changed()")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    user = apps.get_model("accounts", "User")
    columns = [f.column for f in user._meta.concrete_fields if f.name not in LOGIN_BOOKKEEPING]
    _recreate(schema_editor, "UPDATE OF " + ", ".join(schema_editor.quote_name(c) for c in columns))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _recreate(schema_editor, "UPDATE")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_auth_notify")]
    operations = [migrations.RunPython(forwards, backwards)]
