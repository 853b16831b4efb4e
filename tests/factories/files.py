"""Files the tests upload: small images and PDFs, and clips made by the real ffmpeg (test pattern and
a tone); what the S3 tests read of a bucket."""

import io
import json
import subprocess
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from media_pipeline import services as media
from media_pipeline import storage
from media_pipeline.models import VideoAsset


def image_upload(name="photo.jpg", size=(64, 48), fmt="JPEG", exif=None, color=(200, 100, 50)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png_upload(name="cover.png", size=(320, 240), color=(200, 80, 120)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_upload(name="score.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    return SimpleUploadedFile(name, body + b"trailer<</Root 1 0 R>>\n%%EOF\n", content_type="application/pdf")


def make_clip(path, *, size="320x180", seconds=24, rate=30, audio=True, extra=()):
    """A clip of the test pattern (and a 440 Hz tone unless `audio` is False) made by ffmpeg."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, str(path)], check=True)
    return Path(path)


def lesson_clip(path, seconds=24):
    """A tiny lesson clip: cheap for ffmpeg on two shared cores."""
    return make_clip(path, size="320x180", seconds=seconds, rate=15)


def work_clip(path, *, size="160x90", seconds=1, noise=False):
    """A short contest video; `noise` makes it big for its length (many upload chunks). Returns the
    bytes."""
    picture = ["-vf", "noise=alls=20:allf=t", "-qp", "10"] if noise else []
    make_clip(path, size=size, seconds=seconds, rate=25, extra=picture)
    return Path(path).read_bytes()


def upload_clip(owner, path, title="Урок"):
    """Upload a file the way the learning app does (media's register_upload) and let tasks run."""
    with open(path, "rb") as handle:
        return media.register_upload(owner, title, File(handle, name=Path(path).name))


def ffprobe(target, *args):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *args, str(target)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def bucket_keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=client.bucket).get("Contents", []))


class TranscodedVideo:
    """A video the real pipeline made once, kept (its row's fields and every stored file, public and
    private) so later tests get the same video back without transcoding it again: `restore()` writes
    the files into this test's storages and creates the row with the same uid (the files' prefix).
    For fixtures whose tests look at a transcoded video, not at the transcoding."""

    def __init__(self, video):
        self.fields = {
            field.attname: getattr(video, field.attname)
            for field in VideoAsset._meta.concrete_fields
            if field.name not in {"id", "created_at", "updated_at", "owner"}
        }
        self.files = {}  # (private, name) -> bytes
        for private in (False, True):
            with storage.selected(private):
                for name in storage.list_prefix(video.storage_prefix):
                    with storage.open_file(name) as handle:
                        self.files[private, name] = handle.read()

    def restore(self, owner=None, folder=None):
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            local = Path(scratch) / "file"
            for (private, name), data in self.files.items():
                local.write_bytes(data)
                with storage.selected(private):
                    storage.put_file(local, name)
        return VideoAsset.objects.create(owner=owner, **self.fields)
