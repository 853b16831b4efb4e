"""Settings come from environment variables, with working defaults."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASK_BACKEND", "DEBUG", "SECRET_KEY"}}


def read_settings(tmp_path, **env):
    """Load config.settings in a fresh interpreter with `env` and return a few values as JSON."""
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'],"
        " 'db_name': str(settings.DATABASES['default']['NAME']),"
        " 'tasks': settings.TASKS['default']['BACKEND'], 'storage': settings.STORAGES['default']['BACKEND'],"
        " 'endpoint': getattr(settings, 'AWS_S3_ENDPOINT_URL', None), 'debug': settings.DEBUG,"
        " 'hosts': settings.ALLOWED_HOSTS, 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE,"
        " 'use_tz': settings.USE_TZ, 'secret_len': len(settings.SECRET_KEY)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    return result


def test_defaults_give_a_working_first_run(tmp_path):
    result = read_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "db.sqlite3")
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"
    assert values["storage"] == "django.core.files.storage.FileSystemStorage"
    assert (values["lang"], values["tz"], values["use_tz"]) == ("ru", "Europe/Moscow", True)
    # The development secret key is generated once and kept in var/.
    assert (tmp_path / "secret_key").read_text().strip()
    assert values["secret_len"] >= 50


def test_environment_selects_postgres_s3_and_redis(tmp_path):
    result = read_settings(
        tmp_path,
        DATABASE_URL="postgres://user:pw@db.internal:5433/pokolenie",
        TASK_BACKEND="rq",
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        ALLOWED_HOSTS="pokolenie.example,www.pokolenie.example",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["db_name"] == "pokolenie"
    assert values["tasks"] == "django_tasks_rq.RQBackend"
    assert values["storage"] == "storages.backends.s3.S3Storage"
    assert values["endpoint"] == "http://127.0.0.1:9000"
    assert values["hosts"] == ["pokolenie.example", "www.pokolenie.example"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY must be set"),
        ({"TASK_BACKEND": "celery"}, "TASK_BACKEND must be one of"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be"),
        ({"STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"VK_INBOX_DRAIN_SECONDS": "0"}, "VK_INBOX_DRAIN_SECONDS must be a number of seconds above 0"),
        ({"VK_INBOX_DRAIN_SECONDS": "секунда"}, "VK_INBOX_DRAIN_SECONDS must be a number of seconds above 0"),
    ],
)
def test_wrong_configuration_says_what_to_fix(tmp_path, env, message):
    result = read_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **CLEAN_ENV,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "pokolenie.example",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.postgres
def test_postgres_connections_run_without_jit(tmp_path):
    """Without statistics the report rollups' trigger queries are estimated past jit_above_cost, and
    compiling them cost seconds per write: the application's connections turn JIT off themselves
    (the tests' PGOPTIONS is left out here), keeping the URL's own options."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL only")
    env = {k: v for k, v in CLEAN_ENV.items() if k != "PGOPTIONS"}
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('SHOW jit'); jit = c.fetchone()[0];"
        "c.execute('SHOW statement_timeout'); print(jit, c.fetchone()[0])"
    )
    separator = "&" if "?" in url else "?"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"{url}{separator}options=-c%20statement_timeout%3D7s",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["off", "7s"]
