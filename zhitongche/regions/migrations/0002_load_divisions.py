"""Load the bundled divisions of 鞍山市 and its development zones into every database."""

from django.db import migrations


def load(apps, schema_editor):
    from zhitongche.regions.loader import load_divisions

    load_divisions(apps.get_model("regions", "Division"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
