from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors write and send announcements and read the delivery log; the log itself is written by
# the platform, never typed in.
GRANTS = {
    "Editors": {
        "announcement": ["add", "change", "view"],
        "deliveryattempt": ["view"],
    },
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for group_name, models_ in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in models_.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="notifications", codename=f"{action}_{model}")
                )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth.Permission")
    for group in apps.get_model("auth.Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="notifications"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("cms", "0005_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
