"""Signals other apps may connect to (notifications listens)."""

from django.dispatch import Signal

# Certificates a child just earned were issued and their PDFs stored (the task worker, after
# learning's change committed). Argument: certificates (a list).
certificates_ready = Signal()
