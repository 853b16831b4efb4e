"""The certificate a child downloads: an A4 PDF in Russian with the child's name, the direction,
season, assignment and mentor, fonts embedded, and a QR code that leads to the public check."""

from urllib.parse import urlsplit

import pytest

from certificates.models import Certificate
from tests.certificates.reading import embedded_fonts, image_count, page_size_mm, qr_codes
from tests.certificates.reading import pdf_text as raw_text

pytestmark = pytest.mark.django_db


def pdf_text(data):
    """The text in reading order with line breaks as spaces (a long line may wrap)."""
    return " ".join(raw_text(data).split())


def download(client, certificate):
    response = client.get(f"/certificates/{certificate.code}/pdf/")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_winner_reads_the_diploma_and_its_qr_code_opens_the_public_check(student, reach, client_for):
    work = reach(student, "winner")

    kinds = set(Certificate.objects.filter(holder=student.user).values_list("kind", flat=True))
    assert kinds == {"participant", "finalist", "winner"}
    diploma = Certificate.objects.get(holder=student.user, kind="winner")
    assert diploma.subject == work

    data = download(client_for(student.user), diploma)
    assert page_size_mm(data) == (210, 297)
    text = pdf_text(data)
    for printed in (
        "ДИПЛОМ ПОБЕДИТЕЛЯ",
        "Аня Колесникова",
        "Направление: Живопись",
        f"Сезон: {diploma.season.name}",
        "Задание: «Портрет моей семьи»",
        "Вера Кистева",
        f"Код: {diploma.code}",
        f"№ {diploma.display_number}",
    ):
        assert printed in text, f"{printed!r} is not on the certificate:\n{text}"
    assert {name.split("+")[-1] for name in embedded_fonts(data)} == {"DejaVuSans", "DejaVuSans-Bold"}

    [link] = qr_codes(data)
    assert link == f"http://testserver/certificates/{diploma.code}/"
    page = client_for().get(urlsplit(link).path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Сертификат действителен" in html
    assert "Аня К." in html
    assert "Колесникова" not in html
    assert "победитель конкурса" in html.lower()
    assert "Живопись" in html
    assert page["X-Robots-Tag"] == "noindex"


def test_the_seasons_design_gives_texts_signature_and_partner_logos(student, reach, design, client_for):
    reach(student, "winner")
    diploma = Certificate.objects.get(holder=student.user, kind="winner")

    data = download(client_for(student.user), diploma)

    text = pdf_text(data)
    assert "ДИПЛОМ ПОБЕДИТЕЛЯ СЕЗОНА" in text
    assert "наставница направления «Живопись»" in text
    assert "Проект «Поколение М» при поддержке партнёров." in text
    assert image_count(data) == 3  # the signature and two logos
    assert qr_codes(data) == [diploma.verify_url]


def test_watching_every_lesson_to_the_end_earns_the_masterclass_certificate(student, watch_all, client_for):
    watch_all(student)

    [certificate] = Certificate.objects.filter(holder=student.user)
    assert certificate.kind == "completion"
    assert certificate.title == "Акварель с нуля"
    text = pdf_text(download(client_for(student.user), certificate))
    assert "СЕРТИФИКАТ О ПРОХОЖДЕНИИ МАСТЕР-КЛАССА" in text
    assert "Мастер-класс: «Акварель с нуля»" in text


def test_a_masterclass_half_watched_earns_nothing_yet(student, lessons, django_capture_on_commit_callbacks):
    from learning import services as learning

    for lesson in lessons[:1]:
        for start in range(0, 60, 10):
            with django_capture_on_commit_callbacks(execute=True):
                learning.record_progress(student, lesson, position=start + 10, start=start, end=start + 10, duration=60)

    assert not Certificate.objects.filter(holder=student.user).exists()


def test_a_code_typed_from_paper_in_lower_case_with_dashes_finds_the_certificate(student, reach, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)
    typed = f"{certificate.code[:5].lower()}-{certificate.code[5:].lower()}"

    response = client_for().get("/certificates/", {"code": typed}, follow=True)

    assert response.redirect_chain[-1][0] == f"/certificates/{certificate.code}/"
    assert "Сертификат действителен" in response.content.decode()


def test_an_unknown_code_gets_a_russian_404_with_the_form(client_for, db):
    response = client_for().get("/certificates/ZZZZZZZZZZ/")

    assert response.status_code == 404
    assert "не найден" in response.content.decode()
    api = client_for().get("/api/certificates/verify/ZZZZZZZZZZ/")
    assert api.status_code == 404
    assert api.json()["code"] == "certificate_not_found"
