"""Add the settlements of Crimea, Sevastopol, the DPR, the LPR, Zaporozhye and Kherson oblasts
(taken from GeoNames' Ukraine records, see reports.settlements) to databases that loaded the list
before they were in it. 0002's loader skips rows already present, so a fresh database is unchanged."""

from importlib import import_module

from django.db import migrations

load_settlements = import_module("reports.migrations.0002_load_settlements_and_editor_access").load_settlements


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_load_settlements_and_editor_access")]

    operations = [migrations.RunPython(load_settlements, migrations.RunPython.noop)]
