"""Whatever is typed or sent, the certificates' pages and API answer 4xx in Russian, never 5xx."""

import pytest

from certificates.models import Certificate

pytestmark = pytest.mark.django_db

ODD_CODES = ["A" * 300, "ёжик-в-тумане", "0" * 9, "ZZZZZ-ZZZZZ-Z", "%F0%9F%98%80" * 5, "UUUUUUUUUU"]


@pytest.mark.parametrize("code", ODD_CODES)
def test_odd_codes_get_a_russian_404(code, client_for):
    client = client_for()
    for path in (f"/certificates/{code}/", f"/certificates/{code}/pdf/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "не найден" in response.content.decode()
    api = client.get(f"/api/certificates/verify/{code}/")
    assert api.status_code == 404 and api.json()["code"] == "certificate_not_found"


def test_a_nul_in_the_code_is_refused_before_any_lookup(client_for):
    client = client_for()
    for path in ("/certificates/%00/", "/certificates/%00/pdf/", "/api/certificates/verify/%00/"):
        assert client.get(path).status_code == 400, path
    assert client.get("/certificates/", {"code": "\x00"}).status_code == 400


@pytest.mark.parametrize("typed", ["ёжик", "A" * 500, "<script>", "1234"])
def test_odd_typed_codes_get_the_form_again(typed, client_for):
    response = client_for().get("/certificates/", {"code": typed})

    assert response.status_code == 404
    html = response.content.decode()
    assert "не найден" in html and "<script>" not in html


def test_odd_admin_input_is_refused_politely(student, reach, editor, client_for):
    reach(student)
    certificate = Certificate.objects.get(holder=student.user)
    client = client_for(editor)

    progress = client.get("/admin/certificates/batches/progress/", {"ids": "²,abc,-1,,99999999999"})
    assert progress.status_code == 200 and progress.json() == {"batches": []}
    form = client.post("/admin/certificates/batches/", {"season": "abc", "mode": "everything"})
    assert form.status_code == 200
    assert "Выберите корректный вариант" in form.content.decode()
    assert client.get("/admin/certificates/999999/revoke/").status_code == 404
    long_reason = client.post(f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "Причина. " * 2000})
    assert long_reason.status_code == 302
