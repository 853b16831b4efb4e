"""The Jury group: admin access only, so a juror reaches the blind scoring screen and nothing else.
Jury seats (JuryMember) put their user in it."""

from django.db import migrations


def create(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    group, _ = Group.objects.get_or_create(name="Jury")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))


def remove(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name="Jury").delete()


class Migration(migrations.Migration):
    dependencies = [("learning", "0002_group_permissions")]

    operations = [migrations.RunPython(create, remove)]
