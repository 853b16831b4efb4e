"""Redis holds the shared cache, but the site does not depend on it: with Redis unreachable the
pages still render, sign-in still works and is still throttled (per process), and /healthz says
the cache is degraded. The cache is configured exactly as the production settings configure it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def production_caches(tmp_path, redis_url):
    """settings.CACHES as config/settings.py builds it for DEBUG=0 with this REDIS_URL."""
    code = "import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.CACHES))"
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_BACKEND", "TASK_BACKEND"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 60, REDIS_URL=redis_url, VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def redis_down(settings, tmp_path):
    settings.CACHES = production_caches(tmp_path, UNREACHABLE_REDIS)


def test_pages_render_when_redis_does_not_answer(client, redis_down, season_tree):
    for path in ["/", season_tree["lesson"].url, "/gallery/", "/api/v2/pages/", "/widget/counter/"]:
        assert client.get(path).status_code == 200, path


def test_sign_in_is_still_throttled_when_redis_does_not_answer(client, redis_down, settings, django_user_model):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}  # rates are read when DRF's settings reload
    django_user_model.objects.create_user("anna", "anna@example.org", "Верный-пароль-1")
    wrong = {"email": "anna@example.org", "password": "не тот"}
    answers = [client.post("/api/auth/login/", wrong, content_type="application/json").status_code for _ in range(12)]
    assert answers == [400] * 10 + [429] * 2  # THROTTLE_LOGIN is 10/min: counted in this process's memory


def test_healthz_says_the_cache_is_degraded_but_the_site_serves(client, redis_down, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["cache"]
    assert "ConnectionError" in body["checks"]["cache"]
