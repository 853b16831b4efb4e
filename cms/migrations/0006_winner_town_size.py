"""Winner stories stop publishing the town and its population («Чарышское, 3 000 жителей» names
a village child): they keep the region and a town-size bucket, and name the town only once the
guardian has consented (learning records it). Stories and their revisions lose the town now,
because no such consent was recorded before."""

from django.db import migrations, models


def bucket(population):
    if population is None:
        return "unknown"
    if population < 10_000:
        return "under_10k"
    if population < 100_000:
        return "10k_100k"
    if population < 1_000_000:
        return "100k_1m"
    return "over_1m"


def towns_to_sizes(apps, schema_editor):
    WinnerStoryPage = apps.get_model("cms", "WinnerStoryPage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    for story in WinnerStoryPage.objects.all():
        WinnerStoryPage.objects.filter(pk=story.pk).update(town_size=bucket(story.town_population), town="")
    story_type = ContentType.objects.filter(app_label="cms", model="winnerstorypage").first()
    if story_type is None:
        return
    for revision in Revision.objects.filter(content_type=story_type):
        content = dict(revision.content)
        content["town_size"] = bucket(content.pop("town_population", None))
        content["town"] = ""
        Revision.objects.filter(pk=revision.pk).update(content=content)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_groups"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="winnerstorypage",
            name="town_size",
            field=models.CharField(
                choices=[
                    ("under_10k", "населённый пункт до 10 тысяч жителей"),
                    ("10k_100k", "город от 10 до 100 тысяч жителей"),
                    ("100k_1m", "город от 100 тысяч до миллиона жителей"),
                    ("over_1m", "город с населением больше миллиона"),
                    ("unknown", "размер населённого пункта не указан"),
                ],
                default="unknown",
                max_length=16,
                verbose_name="размер населённого пункта",
            ),
        ),
        migrations.AlterField(
            model_name="winnerstorypage",
            name="town",
            field=models.CharField(
                blank=True,
                help_text="Появляется, только когда родитель дал согласие назвать населённый пункт в истории.",
                max_length=100,
                verbose_name="населённый пункт",
            ),
        ),
        migrations.RunPython(towns_to_sizes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="winnerstorypage", name="town_population"),
    ]
