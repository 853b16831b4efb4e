"""Signals other apps may connect to; events itself knows none of them (certificates listens).

Each is sent inside the transaction that made the change, after the change is saved: a receiver
that starts work elsewhere (a task) does so with `transaction.on_commit`."""

from django.dispatch import Signal

# An event's coordinator confirmed (or corrected) a volunteer's hours on a shift. Argument: signup.
volunteer_hours_confirmed = Signal()
