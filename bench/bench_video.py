"""Video pipeline benchmark: one ffmpeg process with one decode vs the floor and the naive way.

Makes a 60 s 1080p30 clip with sound (cached in var/bench/), then, in one run, produces the same
HLS ladder three ways and prints wall and CPU seconds, the realtime factor and the ratios:

- pipeline: media_pipeline end to end (register_upload → probe → transcode → poster, thumbnails,
  publish), tasks run at once, on a throwaway SQLite database and media folder;
- bare: the pipeline's own ladder command, run as one bare ffmpeg process (the floor);
- naive: one ffmpeg process per rung (each decodes the source again), plus one for the audio rung.

Then checks each rung's measured average bitrate (segment bytes over the duration ffprobe reads
from its playlist) against the AVERAGE-BANDWIDTH the master playlist declares (within 10 %).
Aims: pipeline ≤ 1.05× bare; naive ≥ 1.25× pipeline. Other processes share the CPU: the load
average is printed beside the figures. BENCH_SECONDS shortens the clip for a quick try.
"""

import json
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
WORK = Path(tempfile.mkdtemp(prefix="bench-video-"))
os.environ.update(
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
    VAR_DIR=str(WORK / "var"),
    MEDIA_ROOT=str(WORK / "media"),
    TASK_BACKEND="immediate",
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()
logging.getLogger("django.tasks").setLevel(logging.WARNING)

import ffmpeg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from media_pipeline import services, transcoding  # noqa: E402


def make_source():
    cache = ROOT / "var" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"source-1080p30-{SECONDS}s.mp4"
    if not path.exists():
        print(f"Making a {SECONDS} s 1080p30 clip with sound (once, cached in {path.relative_to(ROOT)})…")
        subprocess.run(
            [
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={SECONDS}",
                "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:duration={SECONDS}",
                "-c:v", "libx264", "-preset", "veryfast", "-b:v", "12M", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "192k", "-shortest", str(path),
            ],
            check=True,
        )  # fmt: skip
    return path


class Clock:
    """Wall and CPU seconds (this process and its children: ffmpeg, ffprobe) of a block."""

    def __enter__(self):
        self.wall = time.perf_counter()
        self.cpu = self.cpu_now()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = self.cpu_now() - self.cpu

    @staticmethod
    def cpu_now():
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_pipeline(source):
    with open(source, "rb") as handle:
        video = services.register_upload(None, "Бенчмарк", File(handle, name=source.name))
    video.refresh_from_db()
    if video.status != "ready":
        raise SystemExit(f"pipeline failed: {video.failure_reason}")
    return video


def run_bare(source, info, rungs, workdir):
    args = transcoding.ladder_command(source, workdir, info, rungs, preset=settings.VIDEO_X264_PRESET)
    subprocess.run([a for a in args if a not in ("-progress", "pipe:1")], check=True, stdout=subprocess.DEVNULL)


def run_naive(source, info, rungs, workdir):
    for rung in rungs:
        args = transcoding.ladder_command(
            source, workdir, info, [rung], preset=settings.VIDEO_X264_PRESET, audio_only_rung=False
        )
        subprocess.run([a for a in args if a not in ("-progress", "pipe:1")], check=True, stdout=subprocess.DEVNULL)
    (workdir / transcoding.AUDIO_ONLY_NAME).mkdir(parents=True, exist_ok=True)
    options = {
        "vn": None,
        **transcoding.audio_options(transcoding.AUDIO_ONLY_KBPS),
        **transcoding.hls_options(workdir, transcoding.AUDIO_ONLY_NAME),
    }
    audio = ffmpeg.input(str(source))["a:0"].output(str(workdir / "audio" / "index.m3u8"), **options)
    subprocess.run(audio.global_args("-v", "error").overwrite_output().compile(), check=True)


def probe_duration(path):
    answer = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_entries", "format=duration", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(answer.stdout)["format"]["duration"])


def check_bitrates(video):
    """Measured average bitrate of every rung against the master playlist's AVERAGE-BANDWIDTH."""
    hls = Path(settings.MEDIA_ROOT) / video.hls_prefix
    master = (hls / "master.m3u8").read_text().splitlines()
    rows, ok = [], True
    for index, line in enumerate(master):
        if not line.startswith("#EXT-X-STREAM-INF:"):
            continue
        declared = int(re.search(r"AVERAGE-BANDWIDTH=(\d+)", line).group(1))
        playlist = hls / master[index + 1]
        segments = [playlist.parent / name for name in playlist.read_text().splitlines() if name.endswith(".ts")]
        duration = sum(probe_duration(segment) for segment in segments)  # from the packets, not the playlist
        size = sum(segment.stat().st_size for segment in segments)
        measured = size * 8 / duration
        deviation = measured / declared - 1
        ok &= abs(deviation) <= 0.10
        rows.append((master[index + 1].split("/")[0], declared, measured, deviation))
    return rows, ok


def main():
    source = make_source()
    call_command("migrate", verbosity=0)
    info = transcoding.probe_source(str(source), head=source.read_bytes()[:8192], max_duration=86400)
    rungs = transcoding.plan_ladder(info.width, info.height)
    load_before = os.getloadavg()
    print(f"Clip: {SECONDS} s {info.width}x{info.height}@{info.frame_rate:g}, sound: {info.has_audio}")
    print(f"Ladder: {', '.join(r.name for r in rungs)} + audio {transcoding.AUDIO_ONLY_KBPS}k; "
          f"x264 preset {settings.VIDEO_X264_PRESET}; {os.cpu_count()} CPU cores")  # fmt: skip

    results = {}
    with Clock() as clock:
        video = run_pipeline(source)
    results["pipeline (end to end)"] = clock
    with Clock() as clock:
        run_bare(source, info, rungs, WORK / "bare")
    results["bare ffmpeg, one process"] = clock
    with Clock() as clock:
        run_naive(source, info, rungs, WORK / "naive")
    results["naive, one process per rung"] = clock
    load_after = os.getloadavg()

    print(f"\n{'way':30} {'wall, s':>8} {'CPU, s':>8} {'× realtime':>11}")
    for name, clock in results.items():
        print(f"{name:30} {clock.wall:8.1f} {clock.cpu:8.1f} {SECONDS / clock.wall:11.2f}")
    pipeline, bare, naive = results.values()
    print(
        f"\npipeline / bare:  wall {pipeline.wall / bare.wall:.3f}×, CPU {pipeline.cpu / bare.cpu:.3f}×  (aim ≤ 1.05)"
    )
    print(
        f"naive / pipeline: wall {naive.wall / pipeline.wall:.3f}×, CPU {naive.cpu / pipeline.cpu:.3f}×  (aim ≥ 1.25)"
    )
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} — other work shares the cores")

    rows, ok = check_bitrates(video)
    print(f"\n{'rung':8} {'declared':>12} {'measured':>12} {'deviation':>10}")
    for name, declared, measured, deviation in rows:
        print(f"{name:8} {declared:12,d} {measured:12,.0f} {deviation:+10.1%}")
    print("AVERAGE-BANDWIDTH within 10 % of measured: " + ("yes" if ok else "NO"))
    shutil.rmtree(WORK, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
