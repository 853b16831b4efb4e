"""Background work of learning (Django's tasks framework)."""

from django.tasks import task

from learning import services


@task()
def publish_work_videos(submission_id):
    """After approval: move the work's ready videos from the private storage to the public one."""
    submission = services.Submission.objects.filter(pk=submission_id).first()
    return len(services.publish_work_videos(submission)) if submission else 0
