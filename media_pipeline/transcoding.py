"""ffprobe/ffmpeg work on local files: probe, the one-pass HLS ladder, poster, seek thumbnails,
and the master playlist. Nothing here touches the database or the storage.

ffmpeg-python 0.2.0 builds the command lines (input, filter_multi_output, filter, output,
merge_outputs, compile) and runs ffprobe (probe); every value is passed as a plain string,
because its tuple handling uses the `collections.Iterable` removed in Python 3.10.
"""

import contextlib
import ctypes
import math
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import filetype

KEYFRAME_SECONDS = 2  # an IDR frame (and a segment boundary) every 2 s after the start…
# …and before that, one short segment: a player shows nothing until it holds a first segment, so on a
# 750 kbit/s link every second of it costs about a third of a second before the first frame. Chromium's
# own HLS reads the first segment twice (a look at the container, then for playback: the second read is
# a cache hit, the segments being cacheable) and paints once its decoder holds about a dozen frames, but
# it holds only part of a segment until more data comes (0.4 s of a 0.8 s one): with 0.5 s (8 frames at
# 15 fps) it waited for the next segment, with 0.75 s it does not (README, «Без сети и на медленной связи»).
START_SEGMENT_SECONDS = 0.75
START_SEGMENTS = 1
MIN_DURATION = 1.0
THUMBNAIL_BOX = 160
THUMBNAIL_COLUMNS = 10
MAX_THUMBNAILS = 100
POSTER_NAME = "poster.webp"
POSTER_QUALITY = 60  # libwebp 0–100


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: its shorter side (so portrait keeps orientation) and bitrates."""

    name: str
    short_side: int
    video_kbps: int
    audio_kbps: int


# Apple's HLS Authoring Specification, 16:9 table (a subset: one rung per resolution).
LADDER = (
    Rung("1080p", 1080, 6000, 128),
    Rung("720p", 720, 3000, 128),
    Rung("540p", 540, 2000, 128),
    Rung("432p", 432, 1100, 96),
    Rung("360p", 360, 365, 64),
    Rung("234p", 234, 145, 64),
)
AUDIO_ONLY_KBPS = 64
AUDIO_ONLY_NAME = "audio"
AUDIO_CODECS = "mp4a.40.2"  # AAC-LC


class VideoRejected(Exception):
    """The input cannot become a lesson video; `reason` says why, in Russian, for the uploader."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class TranscodeAborted(Exception):
    """The progress callback asked to stop (the job was taken over or the asset deleted)."""


@dataclass
class SourceInfo:
    duration: float
    width: int  # as displayed, rotation applied
    height: int
    frame_rate: float
    video_codec: str
    audio_codec: str
    has_audio: bool


@dataclass
class PlannedRung:
    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int


def even(value):
    return max(2, int(round(value / 2.0)) * 2)


def parse_rate(text):
    try:
        num, _, den = str(text).partition("/")
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def rotation_of(stream):
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return int(float(side_data["rotation"]))
    return int(float(stream.get("tags", {}).get("rotate", 0) or 0))


def probe_source(source, *, head, max_duration):
    """Describe a source file or URL (`head`: its first bytes), or raise VideoRejected with a
    reason the uploader can act on."""
    try:
        info = ffmpeg.probe(str(source))
    except ffmpeg.Error:
        kind = filetype.guess(head)
        if kind is None or not kind.mime.startswith(("video/", "audio/")):
            raise VideoRejected(
                "Файл не является видео: его содержимое не похоже ни на один видеоформат. "
                "Загрузите видеофайл (MP4, MOV, MKV, WebM…)."
            )
        raise VideoRejected(
            "Файл повреждён или загружен не полностью: его не удаётся прочитать. "
            "Проверьте, что видео открывается у вас, и загрузите его заново."
        )
    streams = info.get("streams", [])
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")),
        None,
    )
    if video is None:
        raise VideoRejected("В файле нет видеодорожки (возможно, это только звук). Загрузите файл с изображением.")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    try:
        duration = float(info.get("format", {}).get("duration") or video.get("duration") or 0)
    except ValueError:
        duration = 0.0
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if not width or not height:
        raise VideoRejected("Не удалось определить размер кадра: файл повреждён. Загрузите его заново.")
    if duration < MIN_DURATION:
        raise VideoRejected("Видео короче 1 секунды. Загрузите запись подлиннее.")
    if duration > max_duration:
        raise VideoRejected(
            f"Видео длиннее допустимого: {format_duration(duration)} при пределе {format_duration(max_duration)}. "
            "Разделите запись на несколько уроков."
        )
    if abs(rotation_of(video)) % 180 == 90:
        width, height = height, width
    frame_rate = parse_rate(video.get("avg_frame_rate")) or parse_rate(video.get("r_frame_rate")) or 30.0
    return SourceInfo(
        duration=duration,
        width=width,
        height=height,
        frame_rate=round(frame_rate, 3),
        video_codec=video.get("codec_name", ""),
        audio_codec=(audio or {}).get("codec_name", ""),
        has_audio=audio is not None,
    )


def format_duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def plan_ladder(width, height):
    """The rungs for a source: never above it; the shorter side decides, so portrait stays portrait."""
    short, long_ = min(width, height), max(width, height)
    rungs = [r for r in LADDER if r.short_side <= short]
    if not rungs:  # smaller than the lowest rung: one rung at the source size
        low = LADDER[-1]
        rungs = [Rung(f"{even(short)}p", even(short), low.video_kbps, low.audio_kbps)]
    planned = []
    for rung in rungs:
        other = even(rung.short_side * long_ / short)
        w, h = (other, rung.short_side) if width >= height else (rung.short_side, other)
        planned.append(PlannedRung(rung.name, even(w), even(h), rung.video_kbps, rung.audio_kbps))
    return planned


def output_frame_rate(source_rate):
    """Keep the source rate up to 30 fps; halve higher rates (60 → 30, 50 → 25)."""
    return source_rate if source_rate <= 30.5 else source_rate / 2


def ladder_command(source, workdir, info, rungs, *, preset, audio_only_rung=True):
    """One ffmpeg process, one decode: split → scale per rung → H.264 High + AAC → HLS VOD per rung,
    plus the audio-only rung."""
    fps = output_frame_rate(info.frame_rate)
    gop = str(max(1, round(fps * KEYFRAME_SECONDS)))
    inp = ffmpeg.input(str(source))
    video = inp.video.filter("fps", f"{fps:.3f}").filter("format", "yuv420p")
    branches = video.filter_multi_output("split", str(len(rungs)))
    outputs = []
    for index, rung in enumerate(rungs):
        scaled = branches.stream(index).filter("scale", str(rung.width), str(rung.height))
        streams = [scaled, inp["a:0"]] if info.has_audio else [scaled]
        options = {
            "c:v": "libx264",
            "preset": preset,
            "profile:v": "high",
            "pix_fmt": "yuv420p",
            "b:v": f"{rung.video_kbps}k",
            "maxrate": f"{int(rung.video_kbps * 1.5)}k",
            "bufsize": f"{rung.video_kbps * 2}k",
            "g": gop,
            "keyint_min": gop,
            "sc_threshold": "0",
            "force_key_frames": keyframe_expression(),
            **hls_options(workdir, rung.name),
        }
        if info.has_audio:
            options.update(audio_options(rung.audio_kbps))
        outputs.append(ffmpeg.output(*streams, str(workdir / rung.name / "index.m3u8"), **options))
    audio_only_rung = audio_only_rung and info.has_audio
    if audio_only_rung:
        options = {
            "vn": None,
            **audio_options(AUDIO_ONLY_KBPS),
            **hls_options(workdir, AUDIO_ONLY_NAME, audio_only=True),
        }
        outputs.append(ffmpeg.output(inp["a:0"], str(workdir / AUDIO_ONLY_NAME / "index.m3u8"), **options))
    for name in [r.name for r in rungs] + ([AUDIO_ONLY_NAME] if audio_only_rung else []):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    return (
        ffmpeg.merge_outputs(*outputs)
        .global_args("-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5")
        .overwrite_output()
        .compile()
    )


def audio_options(kbps):
    return {"c:a": "aac", "b:a": f"{kbps}k", "ac": "2", "ar": "48000"}


def keyframe_expression():
    """ffmpeg's force_key_frames, the same in every rung: the n-th forced IDR frame at n × START_SEGMENT_SECONDS
    up to the end of the START_SEGMENTS short segments (0, 0.75 s), then at multiples of KEYFRAME_SECONDS."""
    short, first_regular = START_SEGMENTS + 1, math.floor(START_SEGMENTS * START_SEGMENT_SECONDS / KEYFRAME_SECONDS) + 1
    return (
        f"expr:if(lt(n_forced,{short}),gte(t,n_forced*{START_SEGMENT_SECONDS}),"
        f"gte(t,{KEYFRAME_SECONDS}*(n_forced-{short - first_regular})))"
    )


def hls_options(workdir, name, *, audio_only=False):
    return {
        "f": "hls",
        # The muxer cuts a segment at the first keyframe once hls_time has passed, so a video rung's
        # segments follow its keyframes (keyframe_expression). The audio rung has no keyframes to follow.
        "hls_time": str(KEYFRAME_SECONDS if audio_only else START_SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_type": "mpegts",
        "hls_segment_filename": str(workdir / name / "seg_%05d.ts"),
    }


def die_with_parent():
    """Linux: ffmpeg gets SIGKILL when the worker that started it dies, so no orphan keeps encoding."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run_ffmpeg(args, *, duration, on_progress):
    """Run ffmpeg, feeding `on_progress(fraction)` from `-progress`; a False answer stops it."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True, preexec_fn=die_with_parent)
        aborted = False
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    fraction = min(1.0, max(0.0, int(value) / 1_000_000 / duration))
                    if on_progress(fraction) is False:
                        aborted = True
                        process.kill()
                        break
        finally:
            process.stdout.close()
            returncode = process.wait()
        if aborted:
            raise TranscodeAborted()
        if returncode != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise VideoRejected(
                "Не удалось перекодировать видео: файл повреждён или в неподдерживаемом формате. "
                f"Сообщение ffmpeg: {' '.join(detail)[:300]}"
            )


def run_quiet(args):
    result = subprocess.run(args, capture_output=True, text=True, check=False, preexec_fn=die_with_parent)
    if result.returncode != 0:
        raise VideoRejected(f"Не удалось обработать кадры видео: {result.stderr.strip()[-300:]}")


def make_poster(source, path, *, at, width, height):
    """One frame, seeking before the input so ffmpeg jumps to the nearest keyframe instead of decoding up to it.
    WebP at quality 60: about a third of a good JPEG's bytes, and the poster is fetched before the first frame,
    so on a slow link every kilobyte of it delays the lesson."""
    args = (
        ffmpeg.input(str(source), ss=f"{at:.3f}")
        .filter("scale", str(width), str(height))
        .output(str(path), vframes="1", vcodec="libwebp", quality=str(POSTER_QUALITY))
        .global_args("-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .compile()
    )
    run_quiet(args)


def thumbnail_size(width, height):
    if width >= height:
        return THUMBNAIL_BOX, even(THUMBNAIL_BOX * height / width)
    return even(THUMBNAIL_BOX * width / height), THUMBNAIL_BOX


def make_thumbnails(rung_playlist, sprite_path, vtt_path, *, duration, width, height, sprite_url):
    """A sprite of seek thumbnails and its WebVTT index, decoding only keyframes of the lowest rung
    (its IDR frames sit every KEYFRAME_SECONDS after the short start segments, so every thumbnail is a
    keyframe; the start segments' extra ones are skipped by time)."""
    interval = KEYFRAME_SECONDS * max(1, math.ceil(duration / MAX_THUMBNAILS / KEYFRAME_SECONDS))
    count = max(1, math.ceil(duration / interval))
    columns = min(count, THUMBNAIL_COLUMNS)
    rows = math.ceil(count / columns)
    tw, th = thumbnail_size(width, height)
    args = (
        ffmpeg.input(str(rung_playlist), skip_frame="nokey")
        .filter("select", f"isnan(prev_selected_t)+gte(t-prev_selected_t,{interval - KEYFRAME_SECONDS / 8})")
        .filter("scale", str(tw), str(th))
        .filter("tile", f"{columns}x{rows}")
        .output(str(sprite_path), vframes="1", fps_mode="vfr", **{"q:v": "4"})
        .global_args("-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .compile()
    )
    run_quiet(args)
    cues = ["WEBVTT", ""]
    for index in range(count):
        start, end = index * interval, min(duration, (index + 1) * interval)
        x, y = (index % columns) * tw, (index // columns) * th
        cues += [f"{vtt_time(start)} --> {vtt_time(end)}", f"{sprite_url}#xywh={x},{y},{tw},{th}", ""]
    Path(vtt_path).write_text("\n".join(cues), encoding="utf-8")


def vtt_time(seconds):
    millis = int(round(seconds * 1000))
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def read_media_playlist(path):
    """[(segment file name, duration)] of an HLS media playlist."""
    segments, duration = [], None
    for line in Path(path).read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((line, duration))
            duration = None
    return segments


def avc1_codec(stream):
    profiles = {"High": "6400", "Main": "4d40", "Constrained Baseline": "42e0", "Baseline": "4200"}
    return f"avc1.{profiles.get(stream.get('profile'), '6400')}{int(stream.get('level') or 40):02x}"


def measure_rendition(workdir, name, *, audio_only=False):
    """What the master playlist declares for one rung, measured from its produced segments:
    BANDWIDTH is the peak segment bitrate, AVERAGE-BANDWIDTH the whole rung's."""
    playlist = workdir / name / "index.m3u8"
    segments = read_media_playlist(playlist)
    if not segments:
        raise VideoRejected("Перекодирование не дало ни одного сегмента: файл повреждён. Загрузите его заново.")
    sizes = [(workdir / name / file).stat().st_size for file, _ in segments]
    total = sum(d for _, d in segments)
    peak = max(size * 8 / max(d, 0.5) for size, (_, d) in zip(sizes, segments, strict=True))
    probe = ffmpeg.probe(str(workdir / name / segments[0][0]))
    video = next((s for s in probe["streams"] if s.get("codec_type") == "video"), None)
    audio = next((s for s in probe["streams"] if s.get("codec_type") == "audio"), None)
    codecs = ([avc1_codec(video)] if video else []) + ([AUDIO_CODECS] if audio else [])
    result = {
        "name": name,
        "playlist": f"{name}/index.m3u8",
        "duration": round(total, 3),
        "segments": len(segments),
        "bandwidth": int(math.ceil(peak)),
        "average_bandwidth": int(math.ceil(sum(sizes) * 8 / total)),
        "codecs": ",".join(codecs),
        "start_time": float(probe.get("format", {}).get("start_time") or 0),
    }
    if video and not audio_only:
        result.update(
            width=int(video["width"]),
            height=int(video["height"]),
            frame_rate=round(parse_rate(video.get("avg_frame_rate")) or parse_rate(video.get("r_frame_rate")), 3),
        )
    return result


def render_master(renditions, captions):
    """The master playlist: every rung with BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION and
    FRAME-RATE, plus captions as a SUBTITLES group. Rungs are listed from the one nearest to
    1 Mbit/s (a safe start on a mobile connection), then from the top down."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for caption in captions:
        lines.append(
            '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",'
            f'NAME="{caption["label"]}",LANGUAGE="{caption["language"]}",'
            f'DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="{caption["playlist"]}"'
        )
    video = sorted((r for r in renditions if "width" in r), key=lambda r: -r["average_bandwidth"])
    audio_only = [r for r in renditions if "width" not in r]
    if video:
        start = min(video, key=lambda r: abs(r["average_bandwidth"] - 1_000_000))
        video.remove(start)
        video.insert(0, start)
    for rendition in video + audio_only:
        attributes = [
            f"BANDWIDTH={rendition['bandwidth']}",
            f"AVERAGE-BANDWIDTH={rendition['average_bandwidth']}",
            f'CODECS="{rendition["codecs"]}"',
        ]
        if "width" in rendition:
            attributes += [
                f"RESOLUTION={rendition['width']}x{rendition['height']}",
                f"FRAME-RATE={rendition['frame_rate']:.3f}",
            ]
        if captions:
            attributes.append('SUBTITLES="subs"')
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", rendition["playlist"]]
    return "\n".join(lines) + "\n"


def subtitle_files(vtt_text, *, duration, stream_start, file_name):
    """The WebVTT segment (mapped onto the MPEG-TS clock of the video) and its one-segment playlist."""
    header, _, body = vtt_text.partition("\n")
    mapped = f"{header}\nX-TIMESTAMP-MAP=MPEGTS:{int(round(stream_start * 90000))},LOCAL:00:00:00.000\n{body}"
    playlist = "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:6",
            f"#EXT-X-TARGETDURATION:{int(math.ceil(duration))}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration:.3f},",
            file_name,
            "#EXT-X-ENDLIST",
            "",
        ]
    )
    return mapped, playlist


SRT_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})[,.](\d{3})")
CUE_TIMING = re.compile(r"^\s*(\d{1,2}:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(\d{1,2}:)?\d{2}:\d{2}\.\d{3}")


def captions_to_webvtt(data, filename):
    """WebVTT text from an uploaded .vtt or .srt file, or VideoRejected saying what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VideoRejected("Файл субтитров должен быть в кодировке UTF-8. Пересохраните его в UTF-8.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if text.startswith("WEBVTT"):
        vtt = text
    elif filename.lower().endswith(".srt") or "-->" in text:
        vtt = "WEBVTT\n\n" + "\n".join(
            SRT_TIME.sub(lambda m: f"{int(m[1]):02d}:{m[2]}:{m[3]}.{m[4]}", line) if "-->" in line else line
            for line in text.split("\n")
        )
    else:
        raise VideoRejected("Файл субтитров не распознан: нужен WebVTT (.vtt) или SubRip (.srt).")
    if not any(CUE_TIMING.match(line) for line in vtt.split("\n")):
        raise VideoRejected("В файле субтитров нет ни одной реплики с временем (00:00:01.000 --> 00:00:03.000).")
    return vtt + "\n"


def file_tree(root):
    """Relative paths of every file under root."""
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
