"""Demo data: short lesson videos made with ffmpeg and sent through the real pipeline (probe, HLS
ladder, poster, thumbnails, the 360p and sound-only downloads), so every demo lesson plays and
downloads after `make run`. Each clip is a few seconds of a Russian title card over a test pattern
with a tone; the first carries Russian WebVTT captions. The cms demo (it runs next) gives lesson N
of every masterclass the clip N. Kept tiny (640×360 at 15 fps: two quality rungs and the sound-only
rung) so the first start stays short on two cores. Idempotent: each video is found by its title."""

import io
import subprocess
import tempfile
from pathlib import Path

from django.core.files import File

from config.text import quoted
from media_pipeline import services
from media_pipeline.models import VideoAsset

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
SECONDS = 4
# title, card text, tone (Hz)
LESSON_CLIPS = [
    ("Демо: урок 1 — знакомство", "Урок 1. Знакомство", 523),
    ("Демо: урок 2 — пробуем сами", "Урок 2. Пробуем сами", 659),
    ("Демо: урок 3 — своя работа", "Урок 3. Своя работа", 784),
]
CAPTIONS = """WEBVTT

00:00.000 --> 00:02.000
Привет! Это демо-урок «Поколения М».

00:02.000 --> 00:04.000
Смотрите, повторяйте и присылайте свою работу.
"""


def _escape(text):
    """Text for ffmpeg's drawtext inside a filter graph (':' and quotes are special there)."""
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'").replace(",", "\\,")


def _make_clip(path, card, tone):
    text = ""
    if FONT.exists():
        common = f"fontfile={FONT}:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=12:x=(w-text_w)/2"
        text = (
            f",drawtext={common}:fontsize=34:y=h/2-50:text='{_escape('Поколение М')}'"
            f",drawtext={common}:fontsize=26:y=h/2+10:text='{_escape(card)}'"
        )
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=15:duration={SECONDS}{text}",
            "-f", "lavfi", "-i", f"sine=frequency={tone}:beep_factor=2:duration={SECONDS}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
            str(path),
        ],
        check=True,
    )  # fmt: skip


def demo_clip(title, card, tone, stdout=None):
    """The ready demo video with this title, made and transcoded on first call."""
    existing = VideoAsset.objects.filter(title=title, status=VideoAsset.Status.READY).first()
    if existing:
        return services.add_downloads(existing)  # a demo made before lessons could be downloaded
    VideoAsset.objects.filter(title=title).delete()  # a half-made one from an interrupted run
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "demo.mp4"
        _make_clip(clip, card, tone)
        with open(clip, "rb") as handle:
            video = services.register_upload(None, title, File(handle, name=clip.name))
    video = services.process_now(video)
    if stdout:
        stdout.write(f"media_pipeline: демо-видео {quoted(video.title)} — {video.get_status_display()}\n")
    return video


def lesson_videos(stdout=None):
    """The demo lesson videos in order (made on first call); the first has captions."""
    videos = [demo_clip(*clip, stdout=stdout) for clip in LESSON_CLIPS]
    if not videos[0].captions.exists():
        services.add_caption(videos[0], "ru", "Русские", File(io.BytesIO(CAPTIONS.encode()), name="ru.vtt"))
    return videos


def ready_lesson_videos():
    """The demo lesson videos already made (by `load` earlier in load_demo), in order; [] if none."""
    found = {v.title: v for v in VideoAsset.objects.filter(title__in=[c[0] for c in LESSON_CLIPS], status="ready")}
    return [found[c[0]] for c in LESSON_CLIPS] if len(found) == len(LESSON_CLIPS) else []


def load(stdout):
    lesson_videos(stdout)
