"""Operations of the video pipeline, from upload to a published HLS ladder; each state change is
one transaction. By sub-domain:

- `uploads`: one-request and resumable uploads (chunks, or S3 multipart), verified on completion;
- `jobs`: scheduling a stage under a job token, claims, heartbeats, failures, stale-job recovery,
  local work folders;
- `processing`: what the jobs do — probe, one-pass ladder, publish, the master playlist;
- `captions`: subtitles;
- `visibility`: which storage holds a video's files (publish, unpublish, delete).

Reads live in `media_pipeline.selectors`. The names below are what views, tasks, other apps, tests
and benchmarks call as `media_pipeline.services.<name>`; modules of this package import each other
directly, never through this file."""

from django.core.exceptions import ValidationError  # every refusal here (VideoRefused) is one too

from media_pipeline.errors import ChunkOutOfOrder, UploadRejected, VideoRefused
from media_pipeline.selectors import max_size_gb, open_file, source_head, uploaded_parts
from media_pipeline.services.captions import add_caption, remove_caption
from media_pipeline.services.jobs import (
    Superseded,
    _schedule,
    recover_stale_jobs,
    retry_video,
    sweep_work_folders,
    work_folder,
)
from media_pipeline.services.processing import add_downloads, probe, process_now, transcode, write_master
from media_pipeline.services.uploads import (
    abort_upload,
    check_playable,
    check_size,
    complete_upload,
    presign_parts,
    receive_chunk,
    register_upload,
    start_upload,
)
from media_pipeline.services.visibility import delete_files_of, publish_asset, unpublish_asset

__all__ = [
    "add_downloads",
    "ChunkOutOfOrder",
    "Superseded",
    "UploadRejected",
    "ValidationError",
    "VideoRefused",
    "_schedule",
    "abort_upload",
    "add_caption",
    "check_playable",
    "check_size",
    "complete_upload",
    "delete_files_of",
    "max_size_gb",
    "open_file",
    "presign_parts",
    "probe",
    "process_now",
    "publish_asset",
    "receive_chunk",
    "recover_stale_jobs",
    "register_upload",
    "remove_caption",
    "retry_video",
    "source_head",
    "start_upload",
    "sweep_work_folders",
    "transcode",
    "unpublish_asset",
    "uploaded_parts",
    "work_folder",
    "write_master",
]
