"""Learning's receivers of other apps' signals and of its own models' signals, connected in
`LearningConfig.ready()`."""

from django.contrib.auth.models import Group

from learning.models import JURY_GROUP, JuryMember, Submission
from learning.services.work_videos import enqueue_video_sync


def on_video_ready(sender, asset, **kwargs):
    """media_pipeline's `video_ready`: a contest video approved while it was processing goes public now."""
    if asset.private:
        for submission in Submission.objects.filter(files__video=asset).distinct():
            if submission.is_public:
                enqueue_video_sync(submission.pk)


def on_jury_seat_removed(sender, instance, **kwargs):
    """A member's last jury seat gone: they leave the Jury group and lose the admin's jury screen."""
    group = Group.objects.filter(name=JURY_GROUP).first()
    if group is not None and not JuryMember.objects.filter(user_id=instance.user_id).exists():
        group.user_set.remove(instance.user_id)
