"""How related objects appear in the content API: small nested objects a front end can show without
another request (a mentor's name and photo, a season's dates, a lesson's playlist and poster)."""

from rest_framework import serializers
from wagtail.images.api.fields import ImageRenditionField

from cms.blocks import video_representation


class ImageField(ImageRenditionField):
    """An image as a rendition (cover size by default); `specs` adds named extra sizes."""

    def __init__(self, filter_spec="fill-1200x675", specs=None, **kwargs):
        self.extra_specs = specs or {"thumbnail": "fill-400x225"}
        super().__init__(filter_spec, **kwargs)

    def to_representation(self, image):
        result = super().to_representation(image)
        if "error" not in result:
            result["id"] = image.pk
            for name, spec in self.extra_specs.items():
                rendition = image.get_rendition(spec)
                result[name] = {"url": rendition.url, "width": rendition.width, "height": rendition.height}
        return result


class PageLinkField(serializers.Field):
    """A related page as id, title, slug and its front-end URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, page):
        request = self.context.get("request")
        return {
            "id": page.pk,
            "title": page.title,
            "slug": page.slug,
            "html_url": page.get_url(request=request) if request else page.url,
        }


class DirectionField(PageLinkField):
    def __init__(self, many=False, **kwargs):
        self.many = many
        super().__init__(**kwargs)

    def to_representation(self, value):
        if self.many:
            return [super(DirectionField, self).to_representation(page) for page in value.all()]
        return super().to_representation(value)


class MentorField(PageLinkField):
    """A mentor: link, role and photo thumbnail."""

    photo = ImageRenditionField("fill-240x240")

    def to_representation(self, mentor):
        result = super().to_representation(mentor)
        result["role"] = mentor.role
        result["photo"] = self.photo.to_representation(mentor.photo) if mentor.photo_id else None
        return result


class MentorsField(MentorField):
    def to_representation(self, value):
        return [super(MentorsField, self).to_representation(mentor) for mentor in value.all()]


class SeasonField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, season):
        return {"id": season.pk, "name": season.name, "starts_on": season.starts_on, "ends_on": season.ends_on}


class RegionField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, region):
        return {"id": region.pk, "name": region.name, "code": region.code}


class VideoField(serializers.Field):
    """The lesson's video: playlist URL and poster (None until the asset is transcoded)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, asset):
        return video_representation(asset)


class DocumentField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, document):
        return {
            "id": document.pk,
            "title": document.title,
            "url": document.url,
            "file_extension": document.file_extension,
        }
