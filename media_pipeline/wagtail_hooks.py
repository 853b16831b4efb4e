"""Admin: the «Видео» screen (upload, live status and progress), a video chooser for LessonPage
(`video_chooser`, registered as the default widget for ForeignKeys to VideoAsset) and its block."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from media_pipeline import admin_views
from media_pipeline.models import VideoAsset
from media_pipeline.selectors import ADD_PERMISSION, videos_for


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


@hooks.register("register_admin_viewset")
def register_video_chooser():
    return video_chooser_viewset


@hooks.register("register_admin_urls")
def video_admin_urls():
    return [
        path("videos/", admin_views.video_index, name="media_pipeline_videos"),
        path("videos/<int:pk>/", admin_views.video_detail, name="media_pipeline_video"),
        path("videos/<int:pk>/retry/", admin_views.video_retry, name="media_pipeline_video_retry"),
        path("videos/<int:pk>/delete/", admin_views.video_delete, name="media_pipeline_video_delete"),
        path("videos/<int:pk>/captions/", admin_views.caption_add, name="media_pipeline_caption_add"),
        path(
            "videos/<int:pk>/captions/<str:language>/delete/",
            admin_views.caption_delete,
            name="media_pipeline_caption_delete",
        ),
    ]


class VideoMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(ADD_PERMISSION)


@hooks.register("register_admin_menu_item")
def video_menu_item():
    return VideoMenuItem("Видео", reverse("media_pipeline_videos"), icon_name="media", order=240)
