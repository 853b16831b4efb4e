"""Logging helpers for settings.LOGGING."""

import collections
import logging


class OneLinePerTask(logging.Filter):
    """The console's task log, one short line per task: Django's django.tasks and the backport
    (django_tasks) both log every task twice (started, finished), which buried `make run`'s output
    under thousands of «Task id=…» lines. This keeps one line when a task ends, once, and lets a
    failure's traceback through once. Django logs a finished task with whatever exception is being
    handled around it (`sys.exc_info()`), so a task run at once inside someone's `except` block
    (a save in `get_or_create` after `DoesNotExist`) printed that unrelated traceback: only a failed
    task keeps one."""

    LOGGERS = ("django.tasks", "django_tasks")

    def __init__(self, name=""):
        super().__init__(name)
        self.seen = collections.OrderedDict()

    def filter(self, record):
        if record.name not in self.LOGGERS or not str(record.msg).startswith("Task id=") or len(record.args) != 3:
            return True
        task_id, path, state = record.args
        state = getattr(state, "value", state)
        if state == "RUNNING" or (task_id, state) in self.seen:
            return False
        self.seen[(task_id, state)] = True
        if state != "FAILED":
            record.exc_info, record.exc_text = None, None
        while len(self.seen) > 1000:
            self.seen.popitem(last=False)
        record.msg, record.args = "задача %s: %s (%s)", (path, state, str(task_id)[:8])
        return True
