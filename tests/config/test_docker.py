"""The production files stay valid (there is no Docker engine here to build them)."""

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_compose_file_defines_the_production_stack_through_environment_only():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert set(compose["services"]) == {"web", "worker", "db", "redis", "objectstore"}
    web_env = compose["services"]["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert web_env["TASK_BACKEND"] == "rq" and web_env["STORAGE_BACKEND"] == "s3"
    assert "django_tasks_rq.Job" in compose["services"]["worker"]["command"]
    # Secrets are never in the file: they come from the environment.
    assert web_env["SECRET_KEY"].startswith("${SECRET_KEY")


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_ffmpeg():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "ffmpeg" in dockerfile
    assert "collectstatic" in dockerfile
    assert "\nUSER pokolenie\n" in dockerfile
    assert 'CMD ["gunicorn"' in dockerfile
