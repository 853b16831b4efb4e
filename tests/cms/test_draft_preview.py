"""Preview in the admin opens a draft in any front end; only a signed, fresh token unlocks it.

wagtail-headless-preview 0.9 declares Wagtail 7; these tests run the admin's real preview flow on
Wagtail 8 and read the draft back through the token, so an incompatibility would show here."""

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview

from cms.preview import PreviewTokenExpired, PreviewTokenInvalid, page_from_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(make_direction, make_mentor, make_masterclass, make_lesson):
    return make_lesson(make_masterclass(make_direction(), make_mentor()), "Дыхание")


def preview_in_admin(client, lesson, title):
    """Do what the Preview button does: post the edit form, then open the preview."""
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[lesson.pk])
    form = nested_form_data(
        {
            "title": title,
            "slug": lesson.slug,
            "summary": "Новое кратко",
            "text": rich_text("<p>Черновой текст урока</p>"),
            "video": "",
            "materials": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    response = client.post(url, form)
    assert response.json()["is_valid"] is True, response.content
    response = client.get(url)
    assert response.status_code == 200
    # The new-tab preview lays the draft out at the phone's width, not at a desktop's 980 px.
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.content.decode()
    iframe_src = html.unescape(re.search(r'<iframe src="([^"]+)"', response.content.decode()).group(1))
    return iframe_src


def test_preview_opens_the_draft_in_the_bundled_sites_preview_route(editor_client, lesson, settings):
    src = preview_in_admin(editor_client, lesson, "Дыхание (черновик)")

    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == settings.WAGTAIL_HEADLESS_PREVIEW["CLIENT_URLS"]["default"]
    query = parse_qs(parts.query)
    assert query["content_type"] == ["cms.lessonpage"]

    draft = page_from_token(query["token"][0], content_type="cms.lessonpage")
    assert draft.title == "Дыхание (черновик)"
    assert draft.pk == lesson.pk
    assert "Черновой текст урока" in str(draft.text)


def test_front_ends_read_the_draft_over_the_api_with_the_token(client, editor_client, lesson):
    src = preview_in_admin(editor_client, lesson, "Дыхание (черновик)")
    query = parse_qs(urlsplit(src).query)
    client.logout()

    response = client.get("/api/v2/page_preview/", {"content_type": "cms.lessonpage", "token": query["token"][0]})

    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Дыхание (черновик)"
    assert data["summary"] == "Новое кратко"
    assert "Черновой текст урока</p>" in data["text"]
    assert response["Cache-Control"] == "no-store, private"
    # The live page is untouched: the draft is readable only through the token.
    assert client.get(f"/api/v2/pages/{lesson.pk}/").json()["title"] == "Дыхание"


def test_a_forged_token_is_refused(client, lesson):
    forged = signing.TimestampSigner(key="not-our-secret", salt="headlesspreview.token").sign(f"id={lesson.pk}")
    PagePreview.objects.create(token=forged, content_type=lesson.content_type, content_json=lesson.to_json())

    response = client.get("/api/v2/page_preview/", {"content_type": "cms.lessonpage", "token": forged})

    assert response.status_code == 403
    assert "недействительна" in response.json()["message"]
    with pytest.raises(PreviewTokenInvalid):
        page_from_token(forged)


def test_an_altered_token_is_refused(client, editor_client, lesson, make_lesson):
    src = preview_in_admin(editor_client, lesson, "Дыхание (черновик)")
    token = parse_qs(urlsplit(src).query)["token"][0]
    other = make_lesson(lesson.get_parent().specific, "Чужой урок")
    altered = token.replace(f"id={lesson.pk}:", f"id={other.pk}:", 1)
    assert altered != token
    PagePreview.objects.create(token=altered, content_type=other.content_type, content_json=other.to_json())

    response = client.get("/api/v2/page_preview/", {"content_type": "cms.lessonpage", "token": altered})

    assert response.status_code == 403


def test_an_expired_token_is_refused_with_advice(client, lesson, settings):
    settings.PREVIEW_TOKEN_MAX_AGE = 3600
    signer = HeadlessPreviewMixin.get_preview_signer()
    two_hours_ago = signing.b62_encode(int(time.time()) - 7200)
    # A genuine token (our key, our salt) issued two hours ago.
    expired = signing.Signer.sign(signer, f"id={lesson.pk}:{two_hours_ago}")
    PagePreview.objects.create(token=expired, content_type=lesson.content_type, content_json=lesson.to_json())

    response = client.get("/api/v2/page_preview/", {"content_type": "cms.lessonpage", "token": expired})

    assert response.status_code == 410
    assert "устарела" in response.json()["message"]
    with pytest.raises(PreviewTokenExpired):
        page_from_token(expired)
    settings.PREVIEW_TOKEN_MAX_AGE = 3 * 3600
    assert page_from_token(expired).pk == lesson.pk  # the same token within a longer limit is fine


def test_a_request_without_a_token_gets_a_400(client):
    response = client.get("/api/v2/page_preview/")
    assert response.status_code == 400
    assert "Нет токена" in response.json()["message"]


def test_a_draft_renders_with_its_own_template_for_the_bundled_site(editor_client, lesson, rf):
    src = preview_in_admin(editor_client, lesson, "Дыхание (черновик)")
    draft = page_from_token(parse_qs(urlsplit(src).query)["token"][0])

    response = draft.serve_preview(rf.get("/preview/"), draft.default_preview_mode)
    response.render()

    assert response.status_code == 200
    assert "Дыхание (черновик)" in response.content.decode()
    assert "<iframe" not in response.content.decode()  # the page itself, not another preview frame


def test_preview_in_the_admin_opens_the_draft_in_the_bundled_site(editor_client, lesson):
    src = preview_in_admin(editor_client, lesson, "Дыхание (черновик)")
    parts = urlsplit(src)

    response = editor_client.get(f"{parts.path}?{parts.query}")

    assert response.status_code == 200
    assert "Дыхание (черновик)" in response.content.decode()
    assert "<iframe" not in response.content.decode()


def test_the_admins_preview_panel_may_frame_the_draft(editor_client, lesson):
    """Wagtail serves the preview through the site's middleware as a request for the page's URL, which
    carried the site's frame-ancestors 'none': the admin's panel could not show it."""
    preview_in_admin(editor_client, lesson, "Дыхание (черновик)")
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[lesson.pk])

    response = editor_client.get(url, {"in_preview_panel": "true"})

    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "style=" not in response.content.decode()  # the frame is styled by a file the CSP allows
