"""The admin's video chooser (`video_chooser`): the videos a user may pick, with their status and
length. Registered in wagtail_hooks.py; also the default widget for ForeignKeys to VideoAsset and
the widget of `media_pipeline.blocks.VideoChooserBlock`."""

from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from media_pipeline.models import VideoAsset
from media_pipeline.selectors import videos_for


class VideoChooserColumnsMixin:
    @property
    def columns(self):
        return [
            *super().columns,
            Column("status", label="Статус", accessor="get_status_display"),
            Column("duration", label="Длительность, с", accessor="duration"),
        ]

    def get_object_list(self):
        return videos_for(self.request.user).exclude(status="failed")


class VideoChooseView(VideoChooserColumnsMixin, ChooseView):
    pass


class VideoChooseResultsView(VideoChooserColumnsMixin, ChooseResultsView):
    pass


class VideoChooserViewSet(ChooserViewSet):
    model = VideoAsset
    icon = "media"
    choose_one_text = "Выбрать видео"
    choose_another_text = "Выбрать другое видео"
    edit_item_text = "Открыть видео"
    page_title = "Выбор видео"
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView


video_chooser_viewset = VideoChooserViewSet("video_chooser")
VideoChooserWidget = video_chooser_viewset.widget_class
