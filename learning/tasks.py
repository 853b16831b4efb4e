"""Background work of learning (Django's tasks framework). Tasks import services; services enqueue
these by name (`learning.services.work_videos.SYNC_TASK`), so neither imports the other back."""

from django.tasks import task

from learning.models import Submission
from learning.services import likes, uploads, work_videos


@task()
def sync_work_videos(submission_id):
    """After a moderation decision: the work's videos follow it into public view or out of it."""
    submission = Submission.objects.filter(pk=submission_id).first()
    return len(work_videos.sync_work_videos(submission)) if submission else 0


@task()
def remove_unclaimed_uploads():
    """Periodic (daily): students' uploads unfinished or unused for a week go; returns [aborted, deleted]."""
    return list(uploads.remove_unclaimed_uploads())


@task()
def forget_like_addresses():
    """Periodic (daily): likes older than ENGAGEMENT_LIKE_IP_RETENTION_DAYS lose their address; returns how many."""
    return likes.forget_like_addresses()
