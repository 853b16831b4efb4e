"""Lesson downloads: one small file of each lesson video for watching without a network — a 360p
MP4 (H.264 Constrained Baseline ~400 kbit/s + AAC 64 kbit/s, any phone plays it) and the sound
alone (M4A, AAC ~64 kbit/s). Both come from one more ffmpeg run over the source (one decode, two
outputs), made in the transcode's work folder next to the HLS ladder, so they are stored, published
and deleted with it under `video/<uid>/hls/downloads/`. `VideoAsset.downloads` lists them with
their sizes, which the lesson page shows.

A video transcoded before downloads existed gets them from `services.add_downloads(asset)` (the
`make_lesson_downloads` command; the demo calls it)."""

from pathlib import Path

import ffmpeg

from media_pipeline import transcoding
from media_pipeline.models import public_url

FOLDER = "downloads"
VIDEO_FILE = f"{FOLDER}/lesson-video.mp4"
AUDIO_FILE = f"{FOLDER}/lesson-audio.m4a"
SHORT_SIDE = 360
VIDEO_KBPS = 400
AUDIO_KBPS = 64
# 3.0 holds 640×360 at 30 fps; the level every phone since 2010 decodes.
H264_LEVEL = "3.0"


def download_size(info):
    """(width, height) of the 360p download: the shorter side 360 (never above the source)."""
    short, long_ = min(info.width, info.height), max(info.width, info.height)
    side = min(SHORT_SIDE, short)
    other = transcoding.even(side * long_ / short)
    side = transcoding.even(side)
    return (other, side) if info.width >= info.height else (side, other)


def download_command(source, workdir, info, *, preset):
    """One ffmpeg process over the source: the 360p MP4 and, when the source has sound, the M4A.
    `+faststart` puts the index first, so a browser plays the file while it still arrives."""
    width, height = download_size(info)
    fps = transcoding.output_frame_rate(info.frame_rate)
    inp = ffmpeg.input(str(source))
    picture = inp.video.filter("fps", f"{fps:.3f}").filter("scale", str(width), str(height)).filter("format", "yuv420p")
    streams = [picture, inp["a:0"]] if info.has_audio else [picture]
    video_options = {
        "c:v": "libx264",
        "preset": preset,
        "profile:v": "baseline",
        "level": H264_LEVEL,
        "b:v": f"{VIDEO_KBPS}k",
        "maxrate": f"{int(VIDEO_KBPS * 1.5)}k",
        "bufsize": f"{VIDEO_KBPS * 2}k",
        "movflags": "+faststart",
    }
    if info.has_audio:
        video_options.update(transcoding.audio_options(AUDIO_KBPS))
    (workdir / FOLDER).mkdir(parents=True, exist_ok=True)
    outputs = [ffmpeg.output(*streams, str(workdir / VIDEO_FILE), **video_options)]
    if info.has_audio:
        audio_options = {"vn": None, **transcoding.audio_options(AUDIO_KBPS), "movflags": "+faststart"}
        outputs.append(ffmpeg.output(inp["a:0"], str(workdir / AUDIO_FILE), **audio_options))
    return (
        ffmpeg.merge_outputs(*outputs)
        .global_args("-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5")
        .overwrite_output()
        .compile()
    )


def make_downloads(source, workdir, info, *, preset, on_progress=lambda fraction: True):
    """Make the downloads in `workdir/downloads/`; return what `VideoAsset.downloads` holds:
    [{"kind": "video"|"audio", "file": path under hls/, "size": bytes, …}]."""
    args = download_command(source, workdir, info, preset=preset)
    transcoding.run_ffmpeg(args, duration=info.duration, on_progress=on_progress)
    width, height = download_size(info)
    made = [{"kind": "video", "file": VIDEO_FILE, "size": (workdir / VIDEO_FILE).stat().st_size,
             "width": width, "height": height}]  # fmt: skip
    if info.has_audio:
        made.append({"kind": "audio", "file": AUDIO_FILE, "size": (workdir / AUDIO_FILE).stat().st_size})
    return made


def public_downloads(asset):
    """The downloads a visitor may fetch: [{kind, url, size, width, height}], [] for a private or
    unfinished video."""
    if not asset.is_public:
        return []
    return [{**item, "url": public_url(asset.hls_prefix + item["file"]), "name": Path(item["file"]).name}
            for item in asset.downloads or []]  # fmt: skip
