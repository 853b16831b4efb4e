"""Background work of learning (Django's tasks framework)."""

from django.tasks import task

from learning import services


@task()
def sync_work_videos(submission_id):
    """After a moderation decision: the work's videos follow it into public view or out of it."""
    submission = services.Submission.objects.filter(pk=submission_id).first()
    return len(services.sync_work_videos(submission)) if submission else 0


@task()
def remove_unclaimed_uploads():
    """Periodic (daily): students' uploads unfinished or unused for a week go; returns [aborted, deleted]."""
    return list(services.remove_unclaimed_uploads())
