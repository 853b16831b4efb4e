"""The site a request is for, with its home page, read once per content generation.

Wagtail finds the site on every page it serves (one query) and then reads the home page as its own
type (another), though both change only in the admin. The middleware hands Wagtail the site from
the shared cache under the page cache's generation (config/http_cache.py), which publishing and
saving or deleting a site bump; Wagtail takes it from `request._wagtail_site`, its own per-request
memo (`Site.find_for_request`)."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from wagtail.models import Site

from config import http_cache


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(http_cache.PRIVATE_PREFIXES):
            try:
                host = request.get_host()  # only allowed hosts get a cache entry
            except DisallowedHost:
                host = None
            if host is not None:
                request._wagtail_site = site_for_request(request, host)
        return self.get_response(request)


def site_for_request(request, host):
    """Wagtail's `Site.find_for_request`, with the home page loaded as its own type."""
    key = f"cms:site:{host}:{request.get_port()}:g{http_cache.generation()}"
    found = cache.get(key)
    if found is None:
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.localized.specific
        found = (site,)
        cache.set(key, found, settings.FRAGMENT_CACHE_SECONDS)
    return found[0]
