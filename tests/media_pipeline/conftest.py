"""Tiny clips made by ffmpeg (test pattern + tone), users who may upload, and what the S3 tests read
of a bucket (the `s3_storage` fixture is in tests/conftest.py)."""

import json
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files import File


def make_clip(path, *, size, seconds, rate=30, audio=True, extra=()):
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, str(path)], check=True)
    return Path(path)


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """The clips the tests upload, generated once per session (small sizes spare the 2 CPU cores)."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(folder / "landscape.mp4", size="640x360", seconds=3),
        "portrait": make_clip(folder / "portrait.mp4", size="360x640", seconds=2),
        "hd720": make_clip(folder / "hd720.mp4", size="1280x720", seconds=3),
        "silent": make_clip(folder / "silent.mp4", size="480x270", seconds=2, audio=False),
    }


@pytest.fixture(autouse=True)
def upload_temp_dir(settings, tmp_path):
    settings.VIDEO_UPLOAD_TEMP_DIR = tmp_path / "uploads"


def grant(user, *codenames):
    permissions = Permission.objects.filter(content_type__app_label="media_pipeline", codename__in=codenames)
    user.user_permissions.add(*permissions)
    return user


@pytest.fixture
def mentor(db):
    return make_mentor()


def make_mentor():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("mentor", password="pw", first_name="Анна")
    return grant(user, "add_videoasset", "change_videoasset", "view_videoasset")


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw")
    return grant(user, "add_videoasset", "change_videoasset", "view_videoasset", "delete_videoasset")


def upload_clip(owner, path, title="Урок"):
    """Upload a file the way the learning app does (services.register_upload) and let tasks run."""
    from media_pipeline import services

    with open(path, "rb") as handle:
        return services.register_upload(owner, title, File(handle, name=Path(path).name))


def ffprobe(target, *args):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *args, str(target)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def bucket_keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=client.bucket).get("Contents", []))
