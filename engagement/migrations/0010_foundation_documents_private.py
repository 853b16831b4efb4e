"""Foundations' documents leave Wagtail's documents (public: listed by /api/v2/documents/ and
served by /documents/<id>/<file> to anyone) for the private storage, where only the admin's
permission-checked view serves them. Documents moved here are deleted from Wagtail's library."""

import uuid
from pathlib import PurePath

import django.core.validators
from django.db import migrations, models

import engagement.models

MOVES = [
    ("beneficiary", "verification_document", "документ проверки"),
    ("transfer", "report_document", "отчёт фонда"),
]


def legacy(field):
    return f"legacy_{field}"


def move_to_private_storage(apps, schema_editor):
    from django.core.files.storage import storages
    from django.utils.text import get_valid_filename

    private = storages["private"]
    Document = apps.get_model("wagtaildocs", "Document")
    moved = set()
    for model_name, field, _ in MOVES:
        Model = apps.get_model("engagement", model_name)
        for row in Model.objects.filter(**{f"{legacy(field)}__isnull": False}).select_related(legacy(field)):
            document = getattr(row, legacy(field))
            name = get_valid_filename(PurePath(document.file.name).name)[-100:]
            with document.file.open("rb") as source:
                stored = private.save(f"foundations/{uuid.uuid4().hex}/{name}", source)
            Model.objects.filter(pk=row.pk).update(**{field: stored, legacy(field): None})
            moved.add(document.pk)
    for document in Document.objects.filter(pk__in=moved):
        if not used_elsewhere(document):
            document.file.delete(save=False)
            document.delete()
    if schema_editor.connection.vendor == "postgresql":
        # The deferred foreign-key checks of these changes run now, before the columns go.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def used_elsewhere(document):
    """Whether anything but the moved fields still points at the document (a page's materials)."""
    for relation in document._meta.related_objects:
        if relation.related_model._meta.app_label == "engagement":
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: document.pk}).exists():
            return True
    return False


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0009_ledger_day_totals"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [
        *[migrations.RenameField(model, field, legacy(field)) for model, field, _ in MOVES],
        *[
            migrations.AddField(
                model_name=model,
                name=field,
                field=models.FileField(
                    blank=True,
                    help_text="Закрытый файл: его видят только координаторы этого фонда и редакторы.",
                    max_length=300,
                    storage=engagement.models.foundation_document_storage,
                    upload_to=engagement.models.foundation_document_path,
                    validators=[
                        django.core.validators.FileExtensionValidator(
                            ["pdf", "jpg", "jpeg", "png", "docx", "odt", "txt"]
                        )
                    ],
                    verbose_name=label,
                ),
            )
            for model, field, label in MOVES
        ],
        migrations.RunPython(move_to_private_storage, migrations.RunPython.noop),
        *[migrations.RemoveField(model, legacy(field)) for model, field, _ in MOVES],
    ]
