"""Rate limits hold across worker processes: production settings keep the counts in Redis, so
sign-in guesses spread over two processes are refused after THROTTLE_LOGIN all the same."""

import os
import subprocess
import sys
import time

import pytest
import requests
from django.db import connection

from tests.s3_server import free_ports


def start_web_process(port, redis_url, tmp_path):
    """One gunicorn process with the production settings (DEBUG=0, no cache configured)."""
    from django.conf import settings

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_BACKEND", "TASK_BACKEND", "DEBUG"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="shared-limits-test-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=redis_url,
        VAR_DIR=str(tmp_path),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(port, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=60)  # the first request loads Django
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer")


@pytest.mark.postgres
@pytest.mark.django_db
def test_sign_in_guesses_spread_over_two_processes_are_counted_together(redis_url, tmp_path, settings):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    ports = free_ports(2)
    processes = [start_web_process(port, redis_url, tmp_path) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(port, process)
        wrong = {"email": "nobody@example.org", "password": "угадываю"}
        answers = [
            requests.post(f"http://127.0.0.1:{ports[n % 2]}/api/auth/login/", json=wrong, timeout=10).status_code
            for n in range(12)
        ]
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)

    assert answers == [400] * 10 + [429] * 2  # THROTTLE_LOGIN is 10/min for both processes together
