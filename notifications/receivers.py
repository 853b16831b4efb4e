"""Other apps' signals, turned into notifications (connected in `apps.ready`). Each receiver runs
inside the transaction that made the change and writes its notification rows there, so both
commit or neither does; sending starts once it commits. A notification that cannot be written is
logged and rolled back to its own savepoint: telling someone must never undo a moderator's decision."""

import functools
import logging

from django.db import transaction
from django.db.models.signals import post_save
from wagtail.signals import page_published

from certificates.signals import certificates_ready
from cms.models import LessonPage
from learning.models import Score
from learning.signals import appeal_decided, student_account_deleted, work_status_changed
from notifications import reminders
from notifications.services import sources

logger = logging.getLogger(__name__)


def never_blocking(receiver):
    @functools.wraps(receiver)
    def guarded(*args, **kwargs):
        try:
            with transaction.atomic():
                return receiver(*args, **kwargs)
        except Exception:
            logger.exception("notifications: %s failed; the change itself goes on", receiver.__name__)

    return guarded


@never_blocking
def on_work_status_changed(sender, submission, **kwargs):
    sources.work_status_changed(submission)


@never_blocking
def on_score_saved(sender, instance, created, **kwargs):
    if created and instance.comment:
        sources.jury_commented(instance)


@never_blocking
def on_appeal_decided(sender, appeal, **kwargs):
    sources.appeal_decided(appeal)


@never_blocking
def on_certificates_ready(sender, certificates, **kwargs):
    for certificate in certificates:
        sources.certificate_issued(certificate)


def on_page_published(sender, instance, revision=None, **kwargs):

    if not isinstance(instance, LessonPage):
        return
    if (
        instance.first_published_at
        and instance.last_published_at
        and instance.first_published_at != (instance.last_published_at)
    ):
        return  # a re-publish of a lesson already out

    lesson_id = instance.pk
    transaction.on_commit(lambda: reminders.announce_new_lesson.enqueue(lesson_id))


def on_student_account_deleted(sender, student, **kwargs):
    """An erased child's notifications, messenger links and choices go, inside learning's erasing
    transaction, with every notification about the child (the guardian's reminders name them)."""
    sources.forget_student(student)


def connect():

    work_status_changed.connect(on_work_status_changed, dispatch_uid="notifications.work_status")
    post_save.connect(on_score_saved, sender=Score, dispatch_uid="notifications.jury_comment")
    certificates_ready.connect(on_certificates_ready, dispatch_uid="notifications.certificates")
    appeal_decided.connect(on_appeal_decided, dispatch_uid="notifications.appeal_decided")
    page_published.connect(on_page_published, dispatch_uid="notifications.new_lesson")
    student_account_deleted.connect(on_student_account_deleted, dispatch_uid="notifications.erase")
