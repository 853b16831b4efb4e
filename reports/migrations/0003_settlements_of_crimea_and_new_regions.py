"""Add the settlements of Crimea, Sevastopol, the DPR, the LPR, Zaporozhye and Kherson oblasts
(taken from GeoNames' Ukraine records, see reports.settlements) to databases that loaded the list
before they were in it. Rows already present are left alone, so a fresh database is unchanged."""

from django.db import migrations

from reports.settlements import name_key, read_settlements_file


def load_missing_settlements(apps, schema_editor):
    Settlement = apps.get_model("reports", "Settlement")
    Region = apps.get_model("cms", "Region")
    regions = dict(Region.objects.values_list("code", "pk"))
    Settlement.objects.bulk_create(
        [
            Settlement(
                geonames_id=row["geonames_id"],
                name=row["name"],
                name_key=name_key(row["name"]),
                region_id=regions.get(row["region_code"]),
                population=row["population"],
            )
            for row in read_settlements_file()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_load_settlements_and_editor_access")]

    operations = [migrations.RunPython(load_missing_settlements, migrations.RunPython.noop)]
