"""VKontakte's Callback API: confirmation, secret, de-duplication, likes and reposts."""

import json

import psycopg
import pytest
from django.db import close_old_connections, connection

from engagement import services
from engagement.models import LedgerEntry, VkEvent, VkInboxEvent

from . import vk


@pytest.fixture(autouse=True)
def vk_groups(settings):
    settings.VK_CALLBACK_GROUPS = {
        vk.GROUP_ID: {"secret": vk.SECRET, "confirmation": vk.CONFIRMATION},
        vk.GROUP_ID + 1: {"secret": "other-secret", "confirmation": "ffff0000"},
    }


def deliver(client, event, **headers):
    return client.post("/api/vk/callback/", data=json.dumps(event), content_type="application/json", **headers)


def test_confirmation_answers_the_configured_string_of_each_group(client, db):
    response = deliver(client, vk.confirmation())
    assert response.status_code == 200 and response.content.decode() == vk.CONFIRMATION
    assert deliver(client, vk.confirmation(vk.GROUP_ID + 1)).content.decode() == "ffff0000"


def test_wrong_secret_is_refused_with_403(client, campaign):
    response = deliver(client, vk.like(101, 5, secret="guess"))
    assert response.status_code == 403
    assert "секретный ключ" in response.json()["detail"]
    assert response.json()["code"] == "wrong_vk_secret"
    assert LedgerEntry.objects.count() == 0


def test_unknown_group_is_refused_with_403(client, campaign):
    response = deliver(client, vk.like(101, 5, group_id=1))
    assert response.status_code == 403
    assert "не подключено" in response.json()["detail"]


def test_broken_json_gets_a_clear_400(client, db):
    response = client.post("/api/vk/callback/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert response.json()["code"] == "invalid_json"


def test_the_callback_is_answered_before_the_sites_middleware(client, campaign):
    """VKontakte's server needs none of the site's middleware (config/middleware.py,
    EarlyRoutesMiddleware): no session, no language, no content security policy on its "ok"."""
    response = deliver(client, vk.like(101, 5))
    assert response.status_code == 200 and response.content == b"ok"
    site = client.get("/api/engagement/digests/")
    assert "Content-Security-Policy" in site.headers and "X-Frame-Options" in site.headers
    for header in ("Content-Security-Policy", "X-Frame-Options", "Vary", "Content-Language", "Set-Cookie"):
        assert header not in response.headers
    assert LedgerEntry.objects.get().actor_vk_id == 101


def test_the_callback_still_refuses_other_hosts_other_methods_and_oversized_bodies(client, campaign, settings):
    assert deliver(client, vk.like(101, 5), HTTP_HOST="evil.example").status_code == 400
    assert client.get("/api/vk/callback/").status_code == 405
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    event = vk.like(102, 5)
    event["object"]["padding"] = "x" * 2000
    response = deliver(client, event)
    assert response.status_code == 400 and "Тело запроса" in response.json()["detail"]
    assert not LedgerEntry.objects.exists()


def test_like_on_the_projects_post_adds_a_rouble_and_unlike_takes_it_back(client, campaign):
    response = deliver(client, vk.like(101, 5))
    assert response.status_code == 200 and response.content == b"ok"
    assert services.counter(campaign)["raised_kopecks"] == 100
    deliver(client, vk.like(101, 5, add=False))
    assert services.counter(campaign)["raised_kopecks"] == 0
    deliver(client, vk.like(101, 5))
    assert services.counter(campaign)["raised_kopecks"] == 100
    assert list(LedgerEntry.objects.order_by("pk").values_list("amount", "actor_vk_id")) == [
        (100, 101),
        (-100, 101),
        (100, 101),
    ]


def test_repeated_vk_delivery_counts_once(client, campaign):
    event = vk.like(102, 5)
    for _ in range(3):
        assert deliver(client, event).content == b"ok"
    assert LedgerEntry.objects.count() == 1
    assert VkEvent.objects.count() == 1


def test_a_second_like_event_while_the_like_stands_adds_nothing(client, campaign):
    deliver(client, vk.like(103, 5))
    deliver(client, vk.like(103, 5))  # a different event_id, same standing like
    assert LedgerEntry.objects.count() == 1


def test_repost_of_the_projects_post_counts_once_per_user(client, campaign):
    assert deliver(client, vk.repost(104, 5)).content == b"ok"
    deliver(client, vk.repost(104, 5, repost_id=9002))
    deliver(client, vk.repost(105, 5))
    assert sorted(LedgerEntry.objects.values_list("kind", "actor_vk_id", "amount")) == [
        ("repost", 104, 100),
        ("repost", 105, 100),
    ]


def test_likes_of_other_walls_comments_and_other_events_are_answered_ok_and_ignored(client, campaign):
    foreign = vk.like(106, 5)
    foreign["object"]["object_owner_id"] = -999
    comment = vk.like(106, 5)
    comment["object"]["object_type"] = "comment"
    join = vk._event("group_join", {"user_id": 106, "join_type": "join"})
    for event in (foreign, comment, join):
        response = deliver(client, event)
        assert response.status_code == 200 and response.content == b"ok"
    assert LedgerEntry.objects.count() == 0


def test_malformed_like_object_gets_400_so_nothing_half_written_stays(client, campaign):
    event = vk.like(107, 5)
    del event["object"]["liker_id"]
    response = deliver(client, event)
    assert response.status_code == 400
    assert VkEvent.objects.count() == 0 and LedgerEntry.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_down_answers_503_so_vk_delivers_again(client, campaign, monkeypatch):
    # The database is really unreachable: the connection is pointed at a port nothing listens on.
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    connection.close()
    try:
        response = deliver(client, vk.like(108, 5))
    finally:
        connection.close()
    assert response.status_code == 503
    assert "повторит" in response.json()["detail"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_database_dropped_answers_503_and_the_redelivery_counts_once(client, campaign):
    """The callback skips the health check's round trip: a dropped connection fails the delivery
    with 503 (VK delivers again), is closed when the request ends, and the redelivery counts."""
    assert deliver(client, vk.like(109, 5)).status_code == 200
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    connection.close_if_unusable_or_obsolete()  # a request's start, as the handler runs it
    event = vk.like(110, 5)
    response = deliver(client, event)  # with the health check it would reconnect and answer ok
    assert response.status_code == 503 and "повторит" in response.json()["detail"]
    close_old_connections()  # what the handler does after each request (the test client skips it)
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert sorted(LedgerEntry.objects.values_list("actor_vk_id", flat=True)) == [109, 110]
    assert services.counter(campaign)["raised_kopecks"] == 200


# --- Bad shapes with the right secret (VK's schema allows more than the platform can store) ------


def shaped(event, **changes):
    for path, value in changes.items():
        target = event
        *parents, name = path.split("__")
        for parent in parents:
            target = target[parent]
        target[name] = value
    return event


@pytest.mark.parametrize(
    "event, complaint",
    [
        (shaped(vk.like(110, 5), object=[]), "object"),
        (shaped(vk.like(110, 5), object="like"), "object"),
        (shaped(vk.repost(110, 5), object=[1, 2]), "object"),
        (shaped(vk.like(110, 5), event_id="e" * 101), "event_id"),
        (shaped(vk.like(110, 5), event_id="ab\x00cd"), "event_id"),
        (shaped(vk.like(110, 5), event_id={"id": 1}), "event_id"),
        (shaped(vk.like(110, 5), object__liker_id=2**63), "liker_id"),
        (shaped(vk.like(110, 5), object__object_id=2**63), "object_id"),
        (shaped(vk.like(110, 5), object__object_owner_id=-(2**70)), "object_owner_id"),
        (shaped(vk.repost(2**64, 5)), "from_id"),
        (shaped(vk.repost(110, 5), object__copy_history=[{"id": 2**63, "owner_id": -vk.GROUP_ID}]), "id"),
        (shaped(vk.repost(110, 5), object__copy_history={"id": 5}), "copy_history"),
    ],
)
def test_an_event_of_a_shape_the_ledger_cannot_hold_gets_a_clear_400(client, campaign, event, complaint):
    response = deliver(client, event)
    assert response.status_code == 400, response.content
    assert complaint in response.json()["detail"]
    assert response.json()["code"] == "invalid_vk_event"
    assert VkEvent.objects.count() == 0 and LedgerEntry.objects.count() == 0


def test_an_event_without_event_id_is_answered_ok_and_logged(client, campaign, caplog):
    event = vk.like(111, 5)
    del event["event_id"]
    with caplog.at_level("WARNING", logger="engagement"):
        response = deliver(client, event)
    assert response.status_code == 200 and response.content == b"ok"
    assert LedgerEntry.objects.count() == 0
    assert any("event_id" in record.getMessage() and "like_add" in record.getMessage() for record in caplog.records)


@pytest.mark.postgres
def test_a_drain_the_database_refuses_leaves_the_event_waiting_and_the_next_drain_counts_it_once(client, campaign):
    """The callback answered "ok" once the event was stored; the drain writes through a raw psycopg
    cursor, and when the database refuses it the event stays in the inbox for the next drain."""
    params = connection.get_connection_params()
    holder = psycopg.connect(**{key: value for key, value in params.items() if key != "cursor_factory"})
    event = vk.like(112, 5)
    try:
        # Another session holds the event log, and this one gives up waiting after 200 ms: the
        # database refuses the drain's INSERT as it would in an outage.
        holder.execute("LOCK TABLE engagement_vkevent IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = deliver(client, event)
    finally:
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 200 and response.content == b"ok"
    assert LedgerEntry.objects.count() == 0
    assert list(VkInboxEvent.objects.values_list("event_id", "op", "vk_id", "post_id")) == [
        (event["event_id"], "like", 112, 5)
    ]
    assert services.drain_vk_inbox() == 1
    assert deliver(client, event).status_code == 200  # VK's redelivery after all: nothing more
    assert LedgerEntry.objects.get().actor_vk_id == 112 and not VkInboxEvent.objects.exists()
    assert services.counter(campaign)["raised_kopecks"] == 100
