"""Which storage holds a video's files: a private video (a student's upload before moderation)
keeps its ladder in the private storage until `publish_asset`; `unpublish_asset` takes it back;
a deleted video's files go from both storages. The source never leaves the private storage."""

from django.db import transaction

from media_pipeline import storage
from media_pipeline.errors import VideoRefused
from media_pipeline.models import VideoAsset


def delete_prefix_in(prefix, *, private):
    """Delete everything under `prefix` in the private storage (private=True) or the public one."""
    with storage.selected(private):
        storage.delete_prefix(prefix)


def delete_files_of(asset):
    """Called when a VideoAsset row is deleted: all its files go too, once the deletion commits
    (from both storages: a publication may have stopped half-way)."""
    prefix = asset.storage_prefix
    transaction.on_commit(lambda: [delete_prefix_in(prefix, private=private) for private in (False, True)])


# --- Private videos -------------------------------------------------------------------------


def _published_files(asset):
    """Names of the private storage's files of a video that publishing makes public: everything
    but the source, which never leaves the private storage."""
    with storage.selected(private=True):
        return [name for name in storage.list_prefix(asset.storage_prefix) if not name.startswith(asset.source_prefix)]


def publish_asset(asset):
    """Make a ready private video public: copy its ladder into the public storage (the master
    playlist last, so no player finds a half-copied ladder), clear the flag, then delete the private
    copy; the source stays private. Idempotent: publishing a public video only removes a private
    copy left behind; a failed run leaves the video private and is safe to repeat."""
    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        if asset.private:
            if not asset.is_ready:
                raise VideoRefused(
                    "Видео ещё обрабатывается: опубликовать его можно, когда оно готово.", code="video_not_ready"
                )
            for name in sorted(_published_files(asset), key=lambda name: name == asset.master_playlist):
                storage.copy_to_public(name)
            asset.private = False
            asset.save(update_fields=["private", "updated_at"])
    with storage.selected(private=True):
        storage.delete_many(_published_files(asset))
    return asset


def unpublish_asset(asset):
    """Take a public video back into the private storage (a work rejected or hidden after it was
    public): copy its ladder there, set the flag, then delete the public copy, master playlist
    first so no player starts on a half-removed ladder. Idempotent, like `publish_asset`."""
    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        prefix = asset.storage_prefix
        if not asset.private:
            for name in storage.list_prefix(prefix):
                storage.copy_to_private(name)
            asset.private = True
            asset.save(update_fields=["private", "updated_at"])
    if asset.master_playlist and storage.object_size(asset.master_playlist) is not None:
        storage.delete(asset.master_playlist)
    delete_prefix_in(prefix, private=False)
    return asset
