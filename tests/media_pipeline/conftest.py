"""Tiny clips made by ffmpeg (test pattern + tone), users who may upload, and a real HTTP
S3-compatible endpoint (moto's server) on 127.0.0.1 for the S3 tests."""

import json
import socket
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto in server mode: a real HTTP S3 API on 127.0.0.1, for the whole test session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, moto_endpoint, request):
    """Switch the default storage to S3 (django-storages) on a fresh bucket of the moto server."""
    import boto3

    bucket = "video-" + request.node.name.lower().replace("_", "-")[:40]
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test"
    settings.AWS_SECRET_ACCESS_KEY = "test"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = False
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    client.bucket = bucket
    return client


def bucket_keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=client.bucket).get("Contents", []))
