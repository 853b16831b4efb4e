"""StreamField block that picks a video through the admin chooser (`video_chooser`).

Page models import this module (cms.models → cms.blocks), so it names the model by string and
imports the chooser widget only when an editing form is built — as Wagtail's own ImageChooserBlock
does — and loading the models pulls in no admin views or API."""

from django.utils.functional import cached_property
from wagtail.blocks import ChooserBlock


class VideoChooserBlock(ChooserBlock):
    target_model = "media_pipeline.VideoAsset"

    @cached_property
    def widget(self):
        # Imported here so that loading page models (cms.models → cms.blocks → here) loads no admin code.
        from media_pipeline.choosers import VideoChooserWidget  # noqa: PLC0415 — models must not import the admin

        return VideoChooserWidget()

    class Meta:
        icon = "media"
