"""Signals other apps may connect to (media_pipeline itself knows no other app)."""

from django.dispatch import Signal

# Sent (after the commit) when a video's HLS ladder is in place and its status is "ready";
# keyword argument `asset`.
video_ready = Signal()
