"""The public donation counter and "what my actions raised"."""

import pytest

from engagement import services
from engagement.api import DonationCounterView


def test_counter_shows_roubles_actions_cap_and_percent(client, make_campaign, make_user, make_work):
    campaign = make_campaign(cap=100_000)
    for i in range(3):
        services.record_action("like", make_user(), make_work(), f"counter:{i}")
    response = client.get("/api/engagement/counter/")
    assert response.status_code == 200
    body = response.json()
    assert body["raised_roubles"] == 3 and body["raised_kopecks"] == 300
    assert body["actions"] == 3 and body["cap_kopecks"] == 100_000
    assert body["percent_of_cap"] == 0.3 and body["goal_reached"] is False
    assert body["campaign"] == {"id": campaign.pk, "name": campaign.name}
    assert "updated_at" in body and body["children_helped"] == 0


def test_counter_is_cacheable_by_a_cdn_and_answers_304_to_a_known_etag(client, campaign):
    response = client.get("/api/engagement/counter/")
    assert response["Cache-Control"] == "public, max-age=1"
    etag = response["ETag"]
    again = client.get("/api/engagement/counter/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag


def test_counter_is_answered_before_the_page_cache_and_the_sites_middleware(client, campaign):
    """Every open page polls the counter: its answer is kept in the process, and the site's
    middleware (session, language, page cache in the shared cache, CSP) is not run for it
    (config.middleware.EarlyRoutesMiddleware)."""
    for _ in range(2):
        response = client.get(f"/api/engagement/counter/?campaign={campaign.pk}")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    for header in ("Age", "Expires", "Content-Security-Policy", "Content-Language", "Vary", "Set-Cookie"):
        assert header not in response.headers
    assert client.get("/api/engagement/digests/")["Content-Security-Policy"]  # the rest of the API keeps it


def test_counter_moves_once_its_cache_time_is_over(client, campaign, make_user, make_work, settings):
    settings.ENGAGEMENT_COUNTER_CACHE_SECONDS = 60
    first = client.get("/api/engagement/counter/")
    services.record_action("work_approved", make_user(), make_work(), "moves:1")
    assert client.get("/api/engagement/counter/").json()["raised_kopecks"] == 0  # still cached
    DonationCounterView._answers.clear()  # the cache time passes
    moved = client.get("/api/engagement/counter/")
    assert moved.json()["raised_kopecks"] == 100
    assert moved["ETag"] != first["ETag"]


def test_counter_of_a_chosen_campaign(client, make_campaign, make_user, make_work):
    older = make_campaign(name="Сезон 2025/26")
    services.record_action("like", make_user(), make_work(), "chosen:1")
    make_campaign(name="Сезон 2026/27")
    body = client.get(f"/api/engagement/counter/?campaign={older.pk}").json()
    assert body["campaign"]["name"] == "Сезон 2025/26"


@pytest.mark.parametrize(
    ("param", "status", "text", "code"),
    [("abc", 400, "номером кампании", "invalid_campaign"), ("99999", 404, "нет", "campaign_not_found")],
)
def test_counter_explains_a_wrong_campaign_parameter(client, campaign, param, status, text, code):
    response = client.get(f"/api/engagement/counter/?campaign={param}")
    assert response.status_code == status
    assert text in response.json()["detail"]
    assert response.json()["code"] == code and response.json()["field"] == "campaign"


def test_counter_reads_slots_not_entries(client, campaign, make_user, make_work, django_assert_max_num_queries):
    for i in range(5):
        services.record_action("like", make_user(), make_work(), f"o1:{i}")
    with django_assert_max_num_queries(3):
        client.get(f"/api/engagement/counter/?campaign={campaign.pk}")


def test_a_student_sees_what_their_own_actions_raised(client, campaign, make_user, make_work):
    student = make_user()
    services.record_action("work_approved", student, make_work(), "mine:1")
    services.set_like(student, make_work(), True)
    services.record_action("like", make_user(), make_work(), "someone-else")
    client.force_login(student)
    assert client.get("/api/engagement/me/").json() == {"raised_kopecks": 200, "raised_roubles": 2}


def test_what_my_actions_raised_needs_a_login(client, db):
    assert client.get("/api/engagement/me/").status_code == 403
