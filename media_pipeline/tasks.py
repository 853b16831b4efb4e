"""Background work of the video pipeline (Django's tasks framework): probe, then transcode.

Each task carries the job token the asset held when it was scheduled; a run whose token is no
longer the asset's (it was re-scheduled by stale-job recovery) does nothing."""

from django.tasks import task

from media_pipeline import services


@task()
def probe_video(asset_id, job_token):
    """ffprobe the source; a playable video goes on to transcode, anything else fails with a reason."""
    return services.probe(asset_id, job_token)


@task()
def transcode_video(asset_id, job_token):
    """One ffmpeg pass to the HLS ladder, poster and thumbnails, then publish."""
    return services.transcode(asset_id, job_token)


@task()
def recover_stale_videos():
    """Periodic: run again the jobs whose worker stopped sending heartbeats; returns how many."""
    return len(services.recover_stale_jobs())


@task()
def sweep_video_work_folders():
    """Periodic: remove the local work folders and temporary files of dead runs; returns how many."""
    return len(services.sweep_work_folders())
