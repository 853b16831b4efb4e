"""Pages may load images, posters, thumbnails, playlists and segments from exactly the origin the
media URLs have (the CDN's, else the bucket's), and browser uploads may reach the bucket. Each case
loads the settings from the environment in a fresh interpreter, as a deployment would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # scheduled first: see tests/factories/plugin.py
ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_", "STORAGE_", "DEBUG", "S3_"))}
S3 = {
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "pokolenie-media",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def what_the_browser_is_told(tmp_path, **env):
    """The CSP directives of a site page, and the URLs the storages give out, under `env`."""
    code = """
import json, django
django.setup()
from django.core.files.storage import storages
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from media_pipeline.models import public_url
page = CSPMiddleware(lambda request: HttpResponse("<p>page</p>"))(RequestFactory().get("/gallery/"))
header = page["Content-Security-Policy"]
policy = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
private = storages["private"]
presigned = private.url("video/x/source/a.mp4") if hasattr(private, "bucket_name") else None
print(json.dumps({"policy": policy, "image": storages["default"].url("images/a.jpg"),
                  "playlist": public_url("video/x/hls/master.m3u8"), "presigned": presigned}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def origin(url):
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def sources(policy, directive):
    return policy[directive].split()


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:8333"},
        {"AWS_S3_ENDPOINT_URL": "https://storage.yandexcloud.net", "AWS_S3_ADDRESSING_STYLE": "virtual"},
        {"AWS_S3_REGION_NAME": "eu-central-1"},
        {"AWS_S3_ENDPOINT_URL": "https://s3.example.net", "AWS_S3_CUSTOM_DOMAIN": "media.pokolenie-m.example"},
    ],
    ids=["endpoint", "virtual-host", "aws", "custom-domain"],
)
def test_with_s3_and_no_cdn_pages_may_load_media_from_exactly_the_buckets_origin(tmp_path, env):
    told = what_the_browser_is_told(tmp_path, **S3, **env)
    bucket = origin(told["image"])
    assert origin(told["playlist"]) == bucket
    policy = told["policy"]
    assert sources(policy, "img-src") == ["'self'", "data:", bucket]
    assert sources(policy, "media-src") == ["'self'", "blob:", bucket]  # native HLS (Safari) plays from there
    upload = origin(told["presigned"])
    assert sources(policy, "connect-src") == ["'self'", bucket] + ([upload] if upload != bucket else [])


def test_a_cdn_with_a_path_is_allowed_by_its_origin_for_images_and_video(tmp_path):
    told = what_the_browser_is_told(
        tmp_path, **S3, AWS_S3_ENDPOINT_URL="http://127.0.0.1:8333", MEDIA_CDN_URL="https://cdn.pokolenie-m.example/m/"
    )
    # Every public media URL goes through the CDN, images included.
    assert told["image"] == "https://cdn.pokolenie-m.example/m/images/a.jpg"
    assert told["playlist"] == "https://cdn.pokolenie-m.example/m/video/x/hls/master.m3u8"
    policy = told["policy"]
    cdn = "https://cdn.pokolenie-m.example"  # a source with a path would match that one path only
    assert sources(policy, "img-src") == ["'self'", "data:", cdn]
    assert sources(policy, "media-src") == ["'self'", "blob:", cdn]
    assert sources(policy, "connect-src") == ["'self'", cdn, "http://127.0.0.1:8333"]  # uploads go to the bucket


def test_local_storage_keeps_media_on_the_sites_own_origin(tmp_path):
    policy = what_the_browser_is_told(tmp_path)["policy"]
    assert sources(policy, "img-src") == ["'self'", "data:"]
    assert sources(policy, "media-src") == ["'self'", "blob:"]
    assert sources(policy, "connect-src") == ["'self'"]


def test_presigned_urls_are_signed_with_v4_unless_the_environment_says_otherwise(tmp_path):
    v4 = what_the_browser_is_told(tmp_path, **S3, AWS_S3_ENDPOINT_URL="http://127.0.0.1:8333")["presigned"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in v4
    v2 = what_the_browser_is_told(
        tmp_path, **S3, AWS_S3_ENDPOINT_URL="http://127.0.0.1:8333", AWS_S3_SIGNATURE_VERSION="s3"
    )["presigned"]
    assert "Signature=" in v2 and "X-Amz-Algorithm" not in v2
