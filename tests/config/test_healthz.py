"""`/healthz` tells operators whether the database, storage, task queue and cache answer."""

import pytest


@pytest.mark.django_db
def test_healthz_answers_200_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "storage": "ok", "task_queue": "ok", "cache": "ok", "vk_inbox": "ok"}


@pytest.mark.django_db
def test_healthz_checks_the_shared_cache_with_a_real_round_trip(client, settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCacheWithLocalFallback", "LOCATION": redis_url}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_names_the_storage_that_does_not_answer(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


@pytest.mark.django_db
def test_healthz_names_the_task_queue_that_does_not_answer(client, settings):
    settings.TASK_BACKEND = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["task_queue"]
    assert "ConnectionError" in body["checks"]["task_queue"]


@pytest.mark.django_db
def test_healthz_reports_vk_events_no_drain_has_taken_for_minutes_as_degraded(client):
    from datetime import timedelta

    from django.utils import timezone

    from engagement.models import VkInboxEvent

    waiting = VkInboxEvent.objects.create(
        group_id=1, event_id="e1", type="like_add", op="like", vk_id=7, post_id=5, received_at=timezone.now()
    )
    assert client.get("/healthz").json()["status"] == "ok"  # a fresh event: its drain is due in a second

    VkInboxEvent.objects.filter(pk=waiting.pk).update(received_at=timezone.now() - timedelta(minutes=6))
    response = client.get("/healthz")
    assert response.status_code == 200  # nothing is lost and the site works: degraded, not down
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["vk_inbox"]
    assert "task worker" in body["checks"]["vk_inbox"]
