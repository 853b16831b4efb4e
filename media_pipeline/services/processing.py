"""What the jobs do: probe the source (a playable video within the limits), then make the HLS
ladder, poster and thumbnails in one ffmpeg pass and publish them, master playlist last."""

import shutil
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from media_pipeline import downloads, storage, transcoding
from media_pipeline.models import VideoAsset
from media_pipeline.selectors import start_playlists_key
from media_pipeline.services.jobs import (
    Superseded,
    _beat,
    _claim,
    _fail,
    _schedule,
    local_source,
    sweep_work_folders,
    work_folder,
)
from media_pipeline.signals import video_ready

PROGRESS_WRITE_INTERVAL = 2.0  # seconds between progress/heartbeat writes while ffmpeg runs
TRANSCODE_SHARE = 90  # percent of the progress bar that ffmpeg's ladder pass covers
MASTER_NAME = "master.m3u8"


# --- Probe ----------------------------------------------------------------------------------


def probe(asset_id, token):
    """Check that the source is a playable video within the limits, then schedule the transcode."""
    asset = _claim(asset_id, token, VideoAsset.Status.PROBING, count_attempt=False)
    if asset is None:
        return "superseded"
    with storage.selected(private=True):  # the probe reads only the source
        return _probe(asset, token)


def _probe(asset, token):
    try:
        if not asset.source.name or storage.object_size(asset.source.name) is None:
            raise transcoding.VideoRejected("Исходный файл не найден в хранилище. Загрузите видео заново.")
        source, head = storage.probe_input(asset.source.name)
        info = transcoding.probe_source(source, head=head, max_duration=settings.VIDEO_MAX_DURATION)
    except transcoding.VideoRejected as rejected:
        _fail(asset, token, rejected.reason)
        return "failed"
    with transaction.atomic():
        updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
            duration=info.duration,
            width=info.width,
            height=info.height,
            frame_rate=info.frame_rate,
            video_codec=info.video_codec,
            audio_codec=info.audio_codec,
            has_audio=info.has_audio,
        )
        if not updated:
            return "superseded"
        asset.refresh_from_db()
        _schedule(asset, "transcode")
    return "probed"


def process_now(asset):
    """Probe and transcode in this process instead of a worker (demo data, management commands);
    the queued runs then find their job taken over and do nothing."""
    asset.refresh_from_db()
    if probe(asset.pk, str(asset.job_token)) == "probed":
        asset.refresh_from_db()
        transcode(asset.pk, str(asset.job_token))
    asset.refresh_from_db()
    return asset


def source_info(asset):
    return transcoding.SourceInfo(
        duration=asset.duration,
        width=asset.width,
        height=asset.height,
        frame_rate=asset.frame_rate,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        has_audio=asset.has_audio,
    )


# --- Transcode and publish ------------------------------------------------------------------


def transcode(asset_id, token):
    """Make the HLS ladder, poster and thumbnails in a local work folder, upload them under a
    staging prefix, then publish them under hls/ with the master playlist last."""
    asset = _claim(asset_id, token, VideoAsset.Status.TRANSCODING, count_attempt=True)
    if asset is None:
        return "superseded"
    with storage.selected(asset.private):
        return _transcode(asset, token)


def _transcode(asset, token):
    staging = f"{asset.storage_prefix}staging/"
    run_prefix = f"{staging}{token}/"
    storage.delete_prefix(staging)  # whatever a dead run left behind, in the storage and on this disk
    sweep_work_folders()
    workdir = work_folder(token, "hls")
    try:
        renditions, extras = _make_ladder(asset, token, workdir)
        _beat(asset, token, progress=TRANSCODE_SHARE + 3)
        last = time.monotonic()
        for name in transcoding.file_tree(workdir):
            storage.put_file(workdir / name, run_prefix + name)
            if time.monotonic() - last > PROGRESS_WRITE_INTERVAL:
                _beat(asset, token)
                last = time.monotonic()
        _publish(asset, token, run_prefix, renditions, extras)
        return "ready"
    except transcoding.VideoRejected as rejected:
        _fail(asset, token, rejected.reason)
        return "failed"
    except (Superseded, transcoding.TranscodeAborted):
        storage.delete_prefix(run_prefix)
        if not VideoAsset.objects.filter(pk=asset.pk).exists():
            storage.delete_prefix(asset.storage_prefix)  # deleted while we worked
        return "superseded"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _make_ladder(asset, token, workdir):
    info = source_info(asset)
    rungs = transcoding.plan_ladder(info.width, info.height)
    state = {"last": 0.0}

    def on_progress(fraction):
        now = time.monotonic()
        if now - state["last"] < PROGRESS_WRITE_INTERVAL and fraction < 1:
            return True
        state["last"] = now
        try:
            _beat(asset, token, progress=int(fraction * TRANSCODE_SHARE))
        except Superseded:
            return False
        return True

    with local_source(asset, token, on_chunk=lambda: _beat(asset, token)) as source:
        args = transcoding.ladder_command(source, workdir, info, rungs, preset=settings.VIDEO_X264_PRESET)
        transcoding.run_ffmpeg(args, duration=info.duration, on_progress=on_progress)
        renditions = [transcoding.measure_rendition(workdir, r.name) for r in rungs]
        if info.has_audio:
            renditions.append(transcoding.measure_rendition(workdir, transcoding.AUDIO_ONLY_NAME, audio_only=True))
        made = renditions[0]["duration"]
        if made < info.duration - max(1.0, info.duration * 0.05):
            raise transcoding.VideoRejected(
                f"Файл обрезан: в нём {transcoding.format_duration(made)} видео из заявленных "
                f"{transcoding.format_duration(info.duration)}. Загрузите полную запись."
            )
        top, low = rungs[0], rungs[-1]
        transcoding.make_poster(
            source,
            workdir / transcoding.POSTER_NAME,
            at=min(info.duration / 3, 5.0),
            width=top.width,
            height=top.height,
        )

        def still_ours(fraction):
            """The downloads' pass keeps the heartbeat (throttled like progress) and leaves the bar."""
            if time.monotonic() - state["last"] < PROGRESS_WRITE_INTERVAL:
                return True
            state["last"] = time.monotonic()
            try:
                _beat(asset, token)
            except Superseded:
                return False
            return True

        made_downloads = downloads.make_downloads(
            source, workdir, info, preset=settings.VIDEO_X264_PRESET, on_progress=still_ours
        )
    transcoding.make_thumbnails(
        workdir / low.name / "index.m3u8",
        workdir / "thumbnails.jpg",
        workdir / "thumbnails.vtt",
        duration=info.duration,
        width=low.width,
        height=low.height,
        sprite_url="thumbnails.jpg",
    )
    extras = {"stream_start": renditions[0]["start_time"], "downloads": made_downloads}
    return renditions, extras


def _publish(asset, token, run_prefix, renditions, extras):
    final = asset.hls_prefix
    _beat(asset, token)
    storage.delete_prefix(final)
    master_name = final + MASTER_NAME
    for name in storage.list_prefix(run_prefix):
        storage.move(name, final + name[len(run_prefix) :])
    with transaction.atomic():
        updated = VideoAsset.objects.filter(pk=asset.pk, job_token=token).update(
            renditions=renditions,
            stream_start=extras["stream_start"],
            downloads=extras["downloads"],
            poster=final + transcoding.POSTER_NAME,
            thumbnails_sprite=final + "thumbnails.jpg",
            thumbnails_vtt=final + "thumbnails.vtt",
            master_playlist=master_name,
        )
        if not updated:
            raise Superseded()
        asset.refresh_from_db()
        write_master(asset)  # the master playlist goes last: until now no player could find the rungs
        VideoAsset.objects.filter(pk=asset.pk).update(
            status=VideoAsset.Status.READY,
            progress=100,
            failure_reason="",
            job_token=None,
            heartbeat_at=None,
            updated_at=timezone.now(),
        )
        asset_id = asset.pk
        # send_robust: a receiver's failure is logged and never turns a finished transcode into a failure.
        transaction.on_commit(lambda: video_ready.send_robust(VideoAsset, asset=VideoAsset.objects.get(pk=asset_id)))
    storage.delete_prefix(f"{asset.storage_prefix}staging/")


def write_master(asset):
    """(Re)write subtitles and the master playlist of a transcoded video from its captions."""
    with storage.selected(asset.private):
        _write_master(asset)
    # Lesson pages carry the master's text (selectors.start_playlists): the next one gets the new one,
    # and the pages already kept (the page cache, the lesson's fragment) are dropped.
    from config import http_cache  # noqa: PLC0415 — config.http_cache listens to media_pipeline's signals

    transaction.on_commit(lambda: cache.delete(start_playlists_key(asset)))
    http_cache.purge()


def _write_master(asset):
    final = asset.hls_prefix
    captions = []
    duration = max(r["duration"] for r in asset.renditions)
    for caption in asset.captions.all():
        with storage.open_text(caption.file) as vtt:
            mapped, playlist = transcoding.subtitle_files(
                vtt, duration=duration, stream_start=asset.stream_start, file_name=f"{caption.language}.vtt"
            )
        storage.put_text(mapped, f"{final}subtitles/{caption.language}.vtt")
        storage.put_text(playlist, f"{final}subtitles/{caption.language}.m3u8")
        captions.append(
            {"language": caption.language, "label": caption.label, "playlist": f"subtitles/{caption.language}.m3u8"}
        )
    storage.put_text(transcoding.render_master(asset.renditions, captions), final + MASTER_NAME)
    keep = {f"{final}subtitles/{c['language']}.{ext}" for c in captions for ext in ("vtt", "m3u8")}
    for name in storage.list_prefix(f"{final}subtitles/"):
        if name not in keep:
            storage.delete(name)


def add_downloads(asset, *, preset="veryfast"):
    """Give a ready video made before downloads existed its two files (stored beside its ladder,
    in whichever storage holds it). Returns the asset; a video that has them is left alone."""
    asset = VideoAsset.objects.get(pk=asset.pk)
    if not asset.is_ready or asset.downloads:
        return asset
    token = uuid.uuid4()
    workdir = work_folder(token, "downloads")
    try:
        with storage.selected(asset.private):
            with local_source(asset, token) as source:
                made = downloads.make_downloads(source, workdir, source_info(asset), preset=preset)
            for item in made:
                storage.put_file(workdir / item["file"], asset.hls_prefix + item["file"])
        with transaction.atomic():
            VideoAsset.objects.filter(pk=asset.pk).update(downloads=made)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    asset.refresh_from_db()
    return asset
