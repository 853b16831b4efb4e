"""The cabinet: certificates to download and share (the verification link, never the PDF), badges
earned and still ahead, counts in Russian plurals; a guardian sees the children's certificates."""

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import ngettext, override

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_cabinet_offers_download_and_a_share_link_to_the_check_not_the_pdf(student, reach, client_for):
    reach(student, "shortlisted")
    certificate = Certificate.objects.get(holder=student.user, kind="finalist")

    html = client_for(student.user).get("/cabinet/").content.decode()

    assert "2 сертификата" in html
    assert f'href="/certificates/{certificate.code}/pdf/"' in html
    assert f'value="http://testserver/certificates/{certificate.code}/"' in html
    assert "vk.com/share.php?url=http%3A%2F%2Ftestserver%2Fcertificates%2F" in html
    share = html[html.index('<details class="share">') : html.index("</details>")]
    assert "/pdf/" not in share


def test_badges_light_up_as_the_child_progresses(student, reach, watch_all, client_for):
    def earned():
        html = client_for(student.user).get("/cabinet/").content.decode()
        return {key for key in ("first_lesson", "first_work", "first_masterclass", "finalist", "winner")
                if f'badge--earned" data-badge="{key}"' in html}  # fmt: skip

    assert earned() == set()
    watch_all(student)
    assert earned() == {"first_lesson", "first_masterclass"}
    reach(student, "winner")
    assert earned() == {"first_lesson", "first_masterclass", "first_work", "finalist", "winner"}


def test_a_guardian_sees_the_childs_certificates_in_the_cabinet(student, reach, client_for):
    reach(student)
    guardian = get_user_model().objects.get(email="parent.anya@example.org")

    html = client_for(guardian).get("/cabinet/").content.decode()

    assert "1 сертификат" in html
    assert "Аня Колесникова" in html
    assert "Мои значки" not in html  # badges are the child's own


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "1 сертификат"), (3, "3 сертификата"), (5, "5 сертификатов"), (11, "11 сертификатов"), (21, "21 сертификат")],
)
def test_certificate_counts_use_russian_plural_forms(count, words):
    with override("ru"):
        assert ngettext("%(counter)s certificate", "%(counter)s certificates", count) % {"counter": count} == words
