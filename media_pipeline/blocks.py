"""StreamField block that picks a video through the admin chooser (`video_chooser`)."""

from media_pipeline.wagtail_hooks import video_chooser_viewset

VideoChooserBlock = video_chooser_viewset.get_block_class(name="VideoChooserBlock", module_path="media_pipeline.blocks")
