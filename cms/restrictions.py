"""Wagtail's view restrictions, read once per content generation instead of on every page.

Wagtail asks the database for them on every page it serves (the page's and its ancestors', two
queries) and again for every `.public()` queryset (all of them, one query). Most sites have none,
and they change only in the admin: each process keeps the list under the page cache's generation
(config/http_cache.py), which saving or deleting a restriction bumps, so a new restriction holds
from the next request on, as a purge does for cached pages."""

from wagtail.models import PageViewRestriction

from config import http_cache

_restricted = {}  # generation -> tree paths of the restricted pages


def restricted_paths():
    """Tree paths of the pages that carry a view restriction (their subtrees are private)."""
    generation = http_cache.generation()
    paths = _restricted.get(generation)
    if paths is None:
        paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
        _restricted.clear()
        _restricted[generation] = paths
    return paths


def public(pages):
    """`pages.public()`, without reading the restrictions when no page has one."""
    return pages.public() if restricted_paths() else pages
