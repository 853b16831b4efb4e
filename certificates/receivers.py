"""Learning's signals, turned into certificate work. Issuing goes to the task worker once
learning's change commits; erasing a holder happens inside learning's erasing transaction."""

from django.db import transaction

from certificates import services, tasks


def on_work_status_changed(sender, submission, **kwargs):
    submission_id = submission.pk
    transaction.on_commit(lambda: tasks.issue_for_work.enqueue(submission_id))


def on_lesson_completed(sender, student, lesson, **kwargs):
    student_id, lesson_id = student.pk, lesson.pk
    transaction.on_commit(lambda: tasks.issue_for_completion.enqueue(student_id, lesson_id))


def on_student_account_deleted(sender, student, **kwargs):
    services.erase_holder(student.user)
