"""Editors design a season's certificates in Wagtail and preview them as a PDF; issued
certificates are listed read-only (nobody types one in), with the check page and revoke at hand."""

import pytest
from django.test import RequestFactory

from certificates.models import Certificate, CertificateDesign
from tests.certificates.reading import image_count, pdf_text

pytestmark = pytest.mark.django_db


def test_the_design_preview_is_a_sample_pdf_in_the_editors_texts(design):
    response = design.serve_preview(RequestFactory().get("/"), "winner")

    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "ДИПЛОМ ПОБЕДИТЕЛЯ СЕЗОНА" in text
    assert "Аня Колесникова" in text
    assert "наставница направления «Живопись»" in text
    assert image_count(response.content) == 3


def test_an_editor_opens_the_design_screens_and_the_preview(design, editor, client_for):
    client = client_for(editor)
    assert client.get("/admin/snippets/certificates/certificatedesign/").status_code == 200
    edit = client.get(f"/admin/snippets/certificates/certificatedesign/edit/{design.pk}/")
    assert edit.status_code == 200
    assert "Логотипы партнёров" in edit.content.decode()


def test_issued_certificates_are_listed_but_never_added_or_edited(student, reach, editor, client_for, make_user):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)
    admin = make_user("root", is_superuser=True, is_staff=True)

    listing = client_for(editor).get("/admin/snippets/certificates/certificate/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert certificate.display_number in html
    assert f"/admin/certificates/{certificate.pk}/revoke/" in html
    assert f"/certificates/{certificate.code}/" in html
    for user in (editor, admin):
        client = client_for(user)
        assert client.get("/admin/snippets/certificates/certificate/add/").status_code in (302, 403)
        assert client.get(f"/admin/snippets/certificates/certificate/edit/{certificate.pk}/").status_code in (302, 403)
    assert (
        client_for(editor).get(f"/admin/snippets/certificates/certificate/inspect/{certificate.pk}/").status_code == 200
    )
    assert CertificateDesign.objects.count() == 0


def test_the_packaging_installs_the_fonts_the_pdf_embeds(settings):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "fonts-dejavu-core" in (root / "docker" / "Dockerfile").read_text()
    tools = (root / "Makefile").read_text().split("\ntools:", 1)[1].split("\n\n", 1)[0]
    assert "fonts-dejavu-core" in tools
    assert (Path(settings.CERTIFICATE_FONT_DIR) / "DejaVuSans.ttf").exists()
