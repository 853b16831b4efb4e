"""Learning's and events' signals, turned into certificate work. Issuing goes to the task worker once
learning's change commits; erasing a holder happens inside learning's erasing transaction."""

from django.db import transaction

from certificates import selectors, services, tasks


def on_work_status_changed(sender, submission, **kwargs):
    submission_id = submission.pk
    transaction.on_commit(lambda: tasks.issue_for_work.enqueue(submission_id))


def on_lesson_completed(sender, student, lesson, **kwargs):
    student_id, lesson_id = student.pk, lesson.pk
    transaction.on_commit(lambda: tasks.issue_for_completion.enqueue(student_id, lesson_id))


def on_student_account_deleted(sender, student, **kwargs):
    services.erase_holder(student.user)


def on_volunteer_hours_confirmed(sender, signup, **kwargs):
    signup_id = signup.pk
    transaction.on_commit(lambda: tasks.issue_for_volunteer.enqueue(signup_id))


def on_student_data_requested(sender, student, **kwargs):
    return {"certificates": selectors.export_for(student.user)}
