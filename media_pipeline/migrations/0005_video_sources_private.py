# Every video's source moves to the private storage: published videos used to keep it beside
# their public HLS ladder, where a public-read bucket policy exposed it.

import media_pipeline.models
from django.db import migrations, models


def move_public_sources(apps, schema_editor):
    from django.core.files.storage import storages

    from media_pipeline import storage

    VideoAsset = apps.get_model("media_pipeline", "VideoAsset")
    public = storages["default"]
    for name in VideoAsset.objects.filter(private=False).exclude(source="").values_list("source", flat=True):
        if public.exists(name):
            storage.copy_to_private(name)
            public.delete(name)


class Migration(migrations.Migration):

    dependencies = [
        ('media_pipeline', '0004_upload_private'),
    ]

    operations = [
        migrations.AlterField(
            model_name='videoasset',
            name='source',
            field=models.FileField(blank=True, max_length=500, storage=media_pipeline.models.source_storage, upload_to=media_pipeline.models.source_upload_to, verbose_name='исходный файл'),
        ),
        migrations.RunPython(move_public_sources, migrations.RunPython.noop, elidable=True),
    ]
