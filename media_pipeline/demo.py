"""Demo data: one short greeting video, made with ffmpeg and transcoded here, so the admin's video
screen and the lesson chooser have a ready video to show. Idempotent: found by its title."""

import subprocess
import tempfile
from pathlib import Path

from django.core.files import File

from media_pipeline import services
from media_pipeline.models import VideoAsset

DEMO_TITLE = "Демо: приветствие наставника"


def demo_video(stdout=None):
    """The ready demo video, made on first call (a 6 s 640×360 test pattern with a tone)."""
    existing = VideoAsset.objects.filter(title=DEMO_TITLE, status=VideoAsset.Status.READY).first()
    if existing:
        return existing
    VideoAsset.objects.filter(title=DEMO_TITLE).delete()  # a half-made one from an interrupted run
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "privetstvie.mp4"
        subprocess.run(
            [
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=6",
                "-f", "lavfi", "-i", "sine=frequency=523:beep_factor=2:duration=6",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(clip),
            ],
            check=True,
        )  # fmt: skip
        with open(clip, "rb") as handle:
            video = services.register_upload(None, DEMO_TITLE, File(handle, name=clip.name))
    video = services.process_now(video)
    if stdout:
        stdout.write(f"media_pipeline: демо-видео «{video.title}» — {video.get_status_display()}\n")
    return video


def load(stdout):
    demo_video(stdout)
