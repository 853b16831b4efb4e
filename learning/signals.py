"""Signals other apps may connect to; learning itself knows none of them (certificates listens).

Each is sent inside the transaction that made the change, after the change is saved: a receiver
that starts work elsewhere (a task, a file) does so with `transaction.on_commit`, and one that
writes rows of its own writes them in the same transaction, so both commit or neither does.
"""

from django.dispatch import Signal

# A student met the completion rule of a lesson for the first time. Arguments: student, lesson.
lesson_completed = Signal()
# Moderation, the shortlist or the mentor's results changed a work's status. Argument: submission.
work_status_changed = Signal()
# Reports hid a public work, or a moderator kept it: which works are public changed, not their
# status. Argument: submission.
work_visibility_changed = Signal()
# A student's account was erased (personal fields blanked, the user row kept). Argument: student.
student_account_deleted = Signal()
# A child or guardian filed an appeal (the public counts changed). Argument: appeal.
appeal_filed = Signal()
# An editor decided an appeal (upheld or rejected, with a reason). Argument: appeal.
appeal_decided = Signal()
# A student asked for everything kept about them («Скачать мои данные»). Argument: student.
# Each receiver returns a dict of its own sections (JSON-ready), merged into the export.
student_data_requested = Signal()
