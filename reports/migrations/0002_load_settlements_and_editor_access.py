"""Load the shipped settlement list (GeoNames, CC BY 4.0) and let Editors read the season report."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from reports.settlements import name_key, read_settlements_file


def load_settlements(apps, schema_editor):
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


def grant_report_to_editors(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    permission = Permission.objects.get(content_type__app_label="reports", codename="view_season_report")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("cms", "0005_groups"),
    ]

    operations = [
        migrations.RunPython(load_settlements, migrations.RunPython.noop),
        migrations.RunPython(grant_report_to_editors, migrations.RunPython.noop),
    ]
