"""A contest work's videos follow the work into public view and out of it. The move runs as a
task (learning.tasks.sync_work_videos), enqueued by name so this module does not import tasks."""

from config.tasks import enqueue_on_commit
from learning.models import Submission
from media_pipeline.services import publish_asset, unpublish_asset

SYNC_TASK = "learning.tasks.sync_work_videos"


def enqueue_video_sync(submission_id):
    """Once the transaction commits, the task moves the work's videos (by name: tasks import services)."""
    enqueue_on_commit(SYNC_TASK, submission_id)


def sync_work_videos(submission):
    """A work's videos are public exactly while the work is: a public work's ready videos leave the
    private storage (media_pipeline copies them to the public one); a work rejected, hidden or sent
    back to moderation after an edit takes its public videos back. Videos still processing follow
    when media_pipeline says they are ready. Returns the videos moved."""
    submission = Submission.objects.get(pk=submission.pk)
    if submission.is_public:
        files = submission.files.filter(video__private=True, video__status="ready").select_related("video")
        return [publish_asset(item.video) for item in files]
    files = submission.files.filter(video__private=False).select_related("video")
    return [unpublish_asset(item.video) for item in files]
