"""StreamField blocks for page bodies: a small set every front end can render.

Each block's API representation is what a front end needs to draw it without a second request:
images as renditions, videos as playlist + poster, links as URLs.
"""

from django import forms
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from media_pipeline.blocks import VideoChooserBlock

RENDITION_SPECS = {"large": "width-1200", "medium": "fill-800x450", "thumbnail": "fill-320x180"}


def image_representation(image, specs=RENDITION_SPECS):
    """An image as the API shows it everywhere: alt text and a few renditions."""
    if image is None:
        return None
    result = {"id": image.pk, "title": image.title, "alt": getattr(image, "default_alt_text", "") or image.title}
    for name, spec in specs.items():
        rendition = image.get_rendition(spec)
        result[name] = {"url": rendition.url, "width": rendition.width, "height": rendition.height}
    return result


def video_representation(asset):
    """A video asset as the API shows it: playlist and poster URLs (None until transcoded)."""
    if asset is None:
        return None
    return {
        "id": asset.pk,
        "title": asset.title,
        "status": asset.status,
        "duration": asset.duration,
        "playlist_url": getattr(asset, "playlist_url", None),
        "poster_url": getattr(asset, "poster_url", None),
        "thumbnails_url": getattr(asset, "thumbnails_url", None),
    }


class RenditionImageChooserBlock(ImageChooserBlock):
    def get_api_representation(self, value, context=None):
        return image_representation(value)


class VideoAssetChooserBlock(VideoChooserBlock):
    """Chooses a `media_pipeline.VideoAsset` with the media app's chooser; the API shows the
    playlist and poster."""

    def get_api_representation(self, value, context=None):
        return video_representation(value)

    class Meta:
        icon = "media"


class ImageBlock(blocks.StructBlock):
    image = RenditionImageChooserBlock(label="изображение")
    caption = blocks.CharBlock(label="подпись", required=False, max_length=255)

    class Meta:
        icon = "image"
        label = "изображение"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="цитата")
    author = blocks.CharBlock(label="автор", required=False, max_length=255)

    class Meta:
        icon = "openquote"
        label = "цитата"


class VideoBlock(blocks.StructBlock):
    video = VideoAssetChooserBlock(label="видео")
    caption = blocks.CharBlock(label="подпись", required=False, max_length=255)

    class Meta:
        icon = "media"
        label = "видео"


class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="заголовок", required=False, max_length=255)
    images = blocks.ListBlock(RenditionImageChooserBlock(label="изображение"), label="изображения", min_num=1)

    class Meta:
        icon = "image"
        label = "галерея"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="заголовок", max_length=255)
    text = blocks.TextBlock(label="текст", required=False)
    button_text = blocks.CharBlock(label="текст кнопки", max_length=60)
    page = blocks.PageChooserBlock(label="страница", required=False)
    url = blocks.URLBlock(label="или ссылка", required=False)

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": forms.ValidationError("Выберите страницу или укажите ссылку для кнопки.")}
            )
        return value

    def get_api_representation(self, value, context=None):
        page = value.get("page")
        return {
            "title": value.get("title"),
            "text": value.get("text"),
            "button_text": value.get("button_text"),
            "url": page.url if page else value.get("url"),
        }

    class Meta:
        icon = "link"
        label = "призыв к действию"


class BodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label="текст", features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])
    image = ImageBlock()
    quote = QuoteBlock()
    video = VideoBlock()
    gallery = GalleryBlock()
    call_to_action = CallToActionBlock()
