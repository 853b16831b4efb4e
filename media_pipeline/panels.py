"""VideoPanel: the video chooser plus the chosen video's status and progress, updating live, so
an editor sees on the lesson page whether its video is ready."""

from django.forms import Media
from wagtail.admin.panels import FieldPanel


class VideoPanel(FieldPanel):
    class BoundPanel(FieldPanel.BoundPanel):
        template_name = "media_pipeline/panels/video_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["video"] = getattr(self.instance, self.field_name, None) if self.instance else None
            return context

        @property
        def media(self):
            return super().media + Media(js=["media_pipeline/upload.js"])
