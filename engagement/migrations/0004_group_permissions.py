"""What each editorial group may do with the engagement app in the admin.

- Foundation coordinators: keep beneficiaries and transfers (of their own foundation only, see
  wagtail_hooks), see campaigns.
- Moderators: see the ledger and void every action of a fraudulent account.
- Editors: run campaigns, see the ledger, link coordinators to foundations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Foundation coordinators": [
        "add_beneficiary",
        "change_beneficiary",
        "view_beneficiary",
        "add_transfer",
        "change_transfer",
        "view_transfer",
        "view_campaign",
    ],
    "Moderators": ["view_ledgerentry", "void_account"],
    "Editors": [
        "add_campaign",
        "change_campaign",
        "view_campaign",
        "view_ledgerentry",
        "view_dailydigest",
        "add_foundationcoordinator",
        "change_foundationcoordinator",
        "delete_foundationcoordinator",
        "view_foundationcoordinator",
        "view_beneficiary",
        "view_transfer",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("engagement")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="engagement", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for group_name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=group_name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="engagement", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0003_foundations"), ("cms", "0005_groups")]

    operations = [migrations.RunPython(grant, revoke)]
