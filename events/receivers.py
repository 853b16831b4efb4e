"""Learning's signals, turned into events' work."""

from events import selectors, services


def on_student_account_deleted(sender, student, **kwargs):
    """An erased child gives up every place still held (inside learning's erasing transaction), so
    the waiting list moves up and no list keeps the child's name."""
    services.release_places_of(student)


def on_student_data_requested(sender, student, **kwargs):
    return selectors.export_for_student(student)
