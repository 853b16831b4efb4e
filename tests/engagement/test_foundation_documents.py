"""Beneficiaries' and foundations' documents are private files: never listed by the content API,
never served by /documents/ or /media/, downloadable only by the foundation's coordinators and
editors, also with DEBUG=0."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import Region
from engagement.models import Beneficiary, FoundationCoordinator, Transfer

VERIFICATION = "Заключение фонда о проверке: диагноз подтверждён, выписка №17.".encode()


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


@pytest.fixture
def coordinators(make_user, make_foundation):
    group = Group.objects.get(name="Foundation coordinators")
    people = {}
    for username, title in (("своя", "Фонд «Свои»"), ("чужая", "Фонд «Чужие»")):
        user = make_user(username)
        user.groups.add(group)
        FoundationCoordinator.objects.create(user=user, foundation=make_foundation(title))
        people[username] = user
    return people


@pytest.fixture
def editor(make_user):
    user = make_user("редактор")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def add_beneficiary(client, foundation):
    return client.post(
        "/admin/snippets/engagement/beneficiary/add/",
        {
            "foundation": foundation.pk,
            "first_name": "Миша",
            "age": 8,
            "region": Region.objects.get(code="52").pk,
            "diagnosis": "порок сердца",
            "amount_needed": 500000,
            "verified_on": "2026-10-01",
            "verification_document": SimpleUploadedFile("заключение.pdf", VERIFICATION, "application/pdf"),
            # «Что было дальше», the inline of news about the child
            "updates-TOTAL_FORMS": 1,
            "updates-INITIAL_FORMS": 0,
            "updates-MIN_NUM_FORMS": 0,
            "updates-MAX_NUM_FORMS": 1000,
            "updates-0-id": "",
            "updates-0-published_on": "2026-11-01",
            "updates-0-text": "Миша прошёл курс лечения.",
        },
    )


@pytest.mark.django_db
def test_a_verification_document_uploaded_in_the_admin_is_private(client, coordinators, editor, settings):
    settings.DEBUG = False
    own = coordinators["своя"]
    client.force_login(own)
    response = add_beneficiary(client, own.coordinator.foundation)
    assert response.status_code == 302, response.content.decode()[-2000:]
    child = Beneficiary.objects.get()
    assert [update.text for update in child.updates.all()] == ["Миша прошёл курс лечения."]

    # Stored in the private storage only, not in Wagtail's document library.
    assert files_under(settings.MEDIA_ROOT) == []
    assert [name.endswith("заключение.pdf") for name in files_under(settings.PRIVATE_MEDIA_ROOT)] == [True]
    client.logout()
    listing = client.get("/api/v2/documents/")
    assert listing.status_code == 200 and listing.json()["meta"]["total_count"] == 0
    assert child.verification_document.name not in listing.content.decode()
    assert client.get(f"/media/{child.verification_document.name}").status_code == 404

    download = f"/admin/engagement/documents/beneficiary/{child.pk}/"
    assert client.get(download).status_code == 302  # anonymous: to the admin's sign-in
    client.force_login(coordinators["чужая"])
    assert client.get(download).status_code == 404
    assert client.get(f"/admin/engagement/documents/transfer/{child.pk}/").status_code == 404
    for person in (own, editor):
        client.force_login(person)
        answer = client.get(download)
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == VERIFICATION
        assert answer["Content-Disposition"].startswith("attachment")
        assert "no-store" in answer["Cache-Control"]

    client.force_login(own)
    form = client.get(f"/admin/snippets/engagement/beneficiary/edit/{child.pk}/").content.decode()
    assert f'href="{download}"' in form
    assert "/media/foundations/" not in form


@pytest.mark.django_db
def test_a_document_of_the_wrong_kind_is_refused(client, coordinators):
    own = coordinators["своя"]
    client.force_login(own)
    response = client.post(
        "/admin/snippets/engagement/beneficiary/add/",
        {
            "foundation": own.coordinator.foundation.pk,
            "first_name": "Миша",
            "age": 8,
            "region": Region.objects.get(code="52").pk,
            "diagnosis": "порок сердца",
            "amount_needed": 500000,
            "verification_document": SimpleUploadedFile("script.html", b"<script>", "text/html"),
        },
    )
    assert response.status_code == 200
    assert not Beneficiary.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_documents_kept_in_the_public_library_before_move_to_the_private_storage(make_foundation, settings):
    """Migration 0010 moves what earlier versions kept as Wagtail documents and deletes those."""
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    foundation = make_foundation()
    before, after = [("engagement", "0009_ledger_day_totals")], [("engagement", "0010_foundation_documents_private")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("engagement")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Document = old.get_model("wagtaildocs", "Document")
    stored = default_storage.save("documents/zaklyuchenie.txt", ContentFile(VERIFICATION))
    document = Document.objects.create(title="Заключение фонда о проверке", file=stored, file_size=len(VERIFICATION))
    beneficiary = old.get_model("engagement", "Beneficiary").objects.create(
        foundation_id=foundation.pk,
        first_name="Аня",
        age=7,
        region_id=Region.objects.get(code="77").pk,
        diagnosis="операция",
        amount_needed=100,
        verified_on=datetime.date(2026, 10, 1),
        verification_document=document,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    MigrationExecutor(connection).migrate(latest)  # back where the rest of the run expects the schema

    moved = Beneficiary.objects.get(pk=beneficiary.pk).verification_document
    assert moved.name.startswith("foundations/") and moved.read() == VERIFICATION
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / moved.name).exists()
    assert not default_storage.exists(stored)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert Transfer.objects.count() == 0
