"""Reads of the video pipeline that views, the admin and other apps need: who sees which videos,
an upload's parts, a video's stored files."""

from django.conf import settings

from media_pipeline import storage
from media_pipeline.models import VideoAsset, VideoUpload

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
