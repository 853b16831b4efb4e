"""The production files stay valid (there is no Docker engine here to build them)."""

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_compose_file_defines_the_production_stack_through_environment_only():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert set(compose["services"]) == {"migrate", "web", "worker", "db", "redis", "objectstore"}
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


def test_the_application_connects_as_its_own_role_and_migrations_as_the_owner():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    owner_url = services["migrate"]["environment"]["DATABASE_URL"]
    assert owner_url.startswith("postgres://pokolenie:")
    assert services["migrate"]["environment"]["DATABASE_APP_ROLE"] == "pokolenie_app"
    assert "migrate" in services["migrate"]["command"]
    for name in ("web", "worker"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://pokolenie_app:")
        assert "DATABASE_APP_ROLE" not in services[name]["environment"]
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in services[name]["command"]
    init = [volume for volume in services["db"]["volumes"] if "docker-entrypoint-initdb.d" in volume]
    script = (DOCKER / init[0].split(":")[0]).read_text()
    assert "CREATE ROLE pokolenie_app LOGIN NOSUPERUSER" in script
