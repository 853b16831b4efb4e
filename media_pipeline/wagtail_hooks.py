"""Admin: the «Видео» screen (upload, live status and progress) and the video chooser for lesson
pages and video blocks (`video_chooser`, media_pipeline/choosers.py, registered as the default
widget for ForeignKeys to VideoAsset)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from media_pipeline import admin_views
from media_pipeline.choosers import VideoChooserWidget, video_chooser_viewset
from media_pipeline.selectors import ADD_PERMISSION

__all__ = ["VideoChooserWidget", "video_chooser_viewset"]


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
