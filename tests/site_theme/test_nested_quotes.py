"""Titles that carry their own «» are quoted once, Russian style: «Песня „Катюша“», never «Песня «Катюша»»."""

import pytest
from django.core import mail

from config.text import quoted
from learning import services as learning
from tests.factories import png_upload

TITLE = "Обложка к песне «Катюша»"
RIGHT = "«Обложка к песне „Катюша“»"
DOUBLED = "«Обложка к песне «Катюша»»"


def test_inner_quotes_become_the_inner_kind():
    assert quoted("Катюша") == "«Катюша»"
    assert quoted(TITLE) == RIGHT
    assert quoted(2027) == "«2027»"


@pytest.mark.django_db
def test_a_work_titled_with_quotes_reads_right_on_its_page_in_the_gallery_and_in_the_email(
    client, assignment, make_student, moderator, campaign, django_capture_on_commit_callbacks
):
    student = make_student()
    work = learning.submit_work(student, assignment, title=TITLE, files=[png_upload()])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        learning.approve_submission(work, moderator)

    page = client.get(f"/gallery/{work.pk}/").content.decode()
    assert "<title>«Обложка к песне „Катюша“»" in page
    assert "«Обложка к песне «Катюша»»" not in page
    gallery = client.get("/gallery/").content.decode()
    assert 'alt="Работа «Обложка к песне „Катюша“»"' in gallery
    letter = next(m for m in mail.outbox if m.to == [student.user.email])
    assert RIGHT in letter.subject
    assert RIGHT in letter.body and DOUBLED not in letter.body
