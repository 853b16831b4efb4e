"""Receivers of the video pipeline, connected in `MediaPipelineConfig.ready()`."""

from media_pipeline.services.visibility import delete_files_of


def delete_video_files(sender, instance, **kwargs):
    """post_delete of a VideoAsset: its files go from both storages once the deletion commits."""
    delete_files_of(instance)
