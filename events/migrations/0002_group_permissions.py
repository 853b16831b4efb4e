from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors set events up (places, ages, staff, shifts) and read the records; the records themselves
# are made by the platform (registration, check-in, sign-up), never typed in. Event coordinators
# get into the admin for their events' screen (events.services.is_coordinator scopes it).
GRANTS = {
    "Editors": {
        "event": ["add", "change", "delete", "view"],
        "volunteershift": ["add", "change", "delete", "view"],
        "registration": ["view"],
        "checkin": ["view"],
        "volunteersignup": ["view"],
    },
}
COORDINATORS = "Event coordinators"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("events")
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
                    Permission.objects.get(content_type__app_label="events", codename=f"{action}_{model}")
                )
    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS)
    access = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    if access is not None:
        coordinators.permissions.add(access)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth.Permission")
    for group in apps.get_model("auth.Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="events"))
    apps.get_model("auth.Group").objects.filter(name=COORDINATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("cms", "0005_groups"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
