"""The production files stay valid (there is no Docker engine here to build them)."""

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def compose():
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_file_defines_the_production_stack_through_environment_only():
    services = compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "scheduler", "bucket", "db", "redis", "objectstore"}
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert web_env["TASK_BACKEND"] == "rq" and web_env["STORAGE_BACKEND"] == "s3"
    assert "django_tasks_rq.Job" in services["worker"]["command"]
    # Secrets are never in the file: they come from the environment.
    assert web_env["SECRET_KEY"].startswith("${SECRET_KEY")
    assert services["objectstore"]["environment"]["AWS_SECRET_ACCESS_KEY"].startswith("${AWS_SECRET_ACCESS_KEY")


def test_the_object_store_is_seaweedfs_not_the_archived_minio():
    text = (DOCKER / "compose.yaml").read_text().lower()
    assert "minio" not in text
    store = compose()["services"]["objectstore"]
    assert store["image"].startswith("chrislusf/seaweedfs:") and not store["image"].endswith(":latest")
    assert "-s3" in store["command"] and "-master.telemetry=false" in store["command"]


def test_a_scheduler_runs_the_periodic_jobs_and_the_bucket_is_set_up_before_the_app_starts():
    services = compose()["services"]
    assert services["scheduler"]["command"] == "python manage.py rqcron config.schedule"
    assert services["bucket"]["command"].startswith("python manage.py configure_bucket")
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"]["bucket"] == {"condition": "service_completed_successfully"}


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
