"""Template tags of the site on slow and absent networks: a lesson's downloads with their sizes."""

from django import template
from django.utils.translation import ngettext

from media_pipeline.downloads import public_downloads

register = template.Library()

KIB = 1024
MIB = 1024 * 1024


@register.filter
def file_size(size):
    """Bytes as a person reads them: «640 КБ», «1,4 МБ», «12 МБ»."""
    short, _ = _size(size)
    return short


@register.filter
def file_size_words(size):
    """The same size in words, with the Russian plural: «1 мегабайт», «1,4 мегабайта», «12 мегабайт»."""
    _, words = _size(size)
    return words


def _size(size):
    size = int(size or 0)
    if size < MIB:
        kilobytes = max(1, round(size / KIB))
        words = ngettext("%(count)s kilobyte", "%(count)s kilobytes", kilobytes) % {"count": kilobytes}
        return f"{kilobytes}\u00a0КБ", words
    megabytes = size / MIB
    shown = round(megabytes, 1) if megabytes < 10 else round(megabytes)
    if shown == int(shown):
        shown = int(shown)
    text = str(shown).replace(".", ",")
    # Python's gettext wants a whole number; a fraction is counted as 2, whose form («мегабайта»)
    # is the one Russian uses after a fraction («1,4 мегабайта»), as the catalogue's fourth form.
    words = ngettext("%(count)s megabyte", "%(count)s megabytes", shown if isinstance(shown, int) else 2) % {
        "count": text
    }
    return f"{text}\u00a0МБ", words


@register.simple_tag
def lesson_downloads(video):
    """The lesson video's files to download: {"video": {...}, "audio": {...}} (either may be
    missing), each with url, size and, for the video, its frame height."""
    if video is None:
        return {}
    files = {item["kind"]: item for item in public_downloads(video)}
    if "video" in files and files["video"].get("width"):
        files["video"]["quality"] = min(files["video"]["width"], files["video"]["height"])  # portrait: 360p too
    return files
