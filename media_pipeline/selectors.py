"""Reads of the video pipeline that views, the admin and other apps need: who sees which videos,
an upload's parts, a video's stored files."""

import logging

from django.conf import settings
from django.core.cache import cache

from media_pipeline import storage
from media_pipeline.models import VideoAsset, VideoUpload, public_url

logger = logging.getLogger(__name__)

ADD_PERMISSION = "media_pipeline.add_videoasset"
MANAGE_ALL_PERMISSION = "media_pipeline.delete_videoasset"


def sees_all_videos(user):
    """Editors (who may delete any video) see every video; mentors only their own uploads."""
    return user.has_perm(MANAGE_ALL_PERMISSION)


def videos_for(user):
    queryset = VideoAsset.objects.select_related("owner").prefetch_related("captions")
    return queryset if sees_all_videos(user) else queryset.filter(owner=user)


def max_size_gb():
    return round(settings.VIDEO_MAX_UPLOAD_SIZE / 1024**3, 1)


def uploaded_parts(upload):
    """Parts S3 already holds ([{part_number, etag, size}]), so a browser can resume."""
    if upload.mode != VideoUpload.Mode.S3 or upload.status != VideoUpload.Status.OPEN:
        return []
    parts = []
    with storage.selected(private=True):  # where every video's source goes
        paginator = storage.s3_client().get_paginator("list_parts")
        for page in paginator.paginate(
            Bucket=storage.s3_bucket_name(), Key=storage.s3_key(upload.s3_key), UploadId=upload.s3_upload_id
        ):
            parts += [
                {"part_number": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]} for p in page.get("Parts", [])
            ]
    return parts


def source_head(asset, size=8192):
    """The first bytes of a video's source file, to tell by content what it is (empty when the
    source is gone, as after a failed probe)."""
    if not asset.source.name:
        return b""
    with storage.selected(private=True), storage.open_file(asset.source.name) as file:
        return file.read(size)


def open_file(asset, name):
    """One stored file of a video (source, playlist, segment, poster), from whichever storage holds
    it now; None when there is no such file. For permission-checked views of private videos."""
    if not name.startswith(asset.storage_prefix) or ".." in name.split("/"):
        return None
    with storage.selected(asset.private or name.startswith(asset.source_prefix)):
        if storage.object_size(name) is None:
            return None
        return storage.open_file(name)


# The bucket's own lifetime of a playlist (storage.cache_control): captions rewrite the master.
START_PLAYLISTS_SECONDS = 60
# A media playlist is about 30 characters a segment (2 s): this is well over an hour of lesson, and
# compressed with the page it costs about a tenth of that.
START_PLAYLIST_MAX_CHARS = 64 * 1024


def start_playlists_key(asset):
    return f"media_pipeline:start-playlists:{asset.uid}"


def start_playlists(asset):
    """{URL: text} of the playlists a player reads before a published video's first segment: the
    master and its lowest picture rung's. The lesson page carries them, so pressing play on a slow
    link costs no round trip for them. Read from the storage at most once a minute (playlists are
    kept a minute by browsers and the CDN too; write_master drops the copy at once); empty when they
    cannot be read, and the player then fetches them as before."""
    if not asset.playlist_url:
        return {}
    key = start_playlists_key(asset)
    cached = cache.get(key)
    if cached is not None and cached[0] == asset.playlist_url:
        return cached[1]
    found = {}
    pictures = [r for r in asset.renditions or [] if "width" in r and r.get("playlist")]
    lowest = min(pictures, key=lambda r: r.get("average_bandwidth") or r.get("bandwidth") or 0, default=None)
    names = [asset.master_playlist] + ([asset.hls_prefix + lowest["playlist"]] if lowest else [])
    try:
        with storage.selected(private=False):
            for name in names:
                with storage.open_text(name) as text:
                    if len(text) <= START_PLAYLIST_MAX_CHARS:
                        found[public_url(name)] = text
    except Exception:  # noqa: BLE001 - a missing file or S3's errors: the page renders without them
        logger.warning("Playlists of video %s could not be read for the page", asset.uid, exc_info=True)
        found = {}
    cache.set(key, (asset.playlist_url, found), START_PLAYLISTS_SECONDS)
    return found
