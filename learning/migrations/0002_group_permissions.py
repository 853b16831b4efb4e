"""What the editorial groups may do with the contest: editors run assignments, jury and settings;
moderators keep the rejection-reason templates (the queue itself checks the Moderators group)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": {
        "assignment": ["add", "change", "delete", "view"],
        "jurymember": ["add", "change", "delete", "view"],
        "rejectionreason": ["add", "change", "delete", "view"],
        "contestsettings": ["change"],
        "submission": ["view"],
    },
    "Moderators": {
        "rejectionreason": ["add", "change", "delete", "view"],
        "submission": ["view"],
        "contestsettings": ["change"],
    },
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("learning")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for group_name, models in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in models.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="learning", codename=f"{action}_{model}")
                )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth.Permission")
    for group in apps.get_model("auth.Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="learning"))


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_initial"),
        ("cms", "0005_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
