"""The demo's guardian has two children on the first run: Аня, and Лиза added from the guardian's
cabinet with a rejected work, so «Кабинет родителя» shows at once; loading again changes nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from learning import selectors
from learning.models import Consent, Student

pytestmark = pytest.mark.django_db


def test_the_demo_guardian_has_two_children_one_with_a_rejected_work(demo, settings, tmp_path):
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"

    guardian = get_user_model().objects.get(email="parent.anya@demo.pokolenie-m.example")
    children = selectors.children_of_guardian(guardian)
    assert [child.first_name for child in children] == ["Аня", "Лиза"]
    liza = children[1]
    assert liza.user.is_active
    assert list(liza.consents.values_list("kind", "email")) == [(Consent.Kind.GUARDIAN, guardian.email)]
    work = selectors.works_of(liza).get()
    assert work.status == "rejected" and "номер дома" in work.rejection_reason

    students = Student.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Student.objects.count() == students
    assert len(selectors.children_of_guardian(guardian)) == 2
