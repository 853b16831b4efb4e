"""The site a request is for, with its home page, read once per content generation.

Wagtail finds the site on every page it serves (one query) and then reads the home page as its own
type (another), though both change only in the admin. The middleware hands Wagtail the site from
the shared cache under the page cache's generation (config/http_cache.py), which publishing and
saving or deleting a site bump; Wagtail takes it from `request._wagtail_site`, its own per-request
memo (`Site.find_for_request`). Only for the pages Wagtail serves: other views (the API, the
gallery) find the site only if they need it, and most do not, so handing it to them would cost a
cache read, and on a cold cache the queries it saves pages."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from wagtail.models import Site

from config import http_cache


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.url_name != "wagtail_serve" or request.path.startswith(http_cache.PRIVATE_PREFIXES):
            return None
        try:
            host = request.get_host()  # only allowed hosts get a cache entry
        except DisallowedHost:
            return None
        request._wagtail_site = site_for_request(request, host)
        return None


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
