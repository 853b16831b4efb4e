"""The site a request is for, with its home page, read once per content generation.

Wagtail finds the site on every page it serves (one query) and then reads the home page as its own
type (another), though both change only in the admin. The middleware hands Wagtail the site from
the shared cache under the page cache's generation (config/http_cache.py), which publishing and
saving or deleting a site bump; Wagtail takes it from `request._wagtail_site`, its own per-request
memo (`Site.find_for_request`). Only for the pages Wagtail serves: other views (the API, the
gallery) find the site only if they need it, and most do not, so handing it to them would cost a
cache read, and on a cold cache the queries it saves pages."""

from django.core.exceptions import DisallowedHost
from wagtail.models import Site

from config import http_cache

# Fixed cache keys every page asks for (the main menu's): read with the site, in the same round trip.
ALSO_READ = []


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._roots = {}  # (host, port) -> the root page id this process last found for it

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
        port = request.get_port()
        root = self._roots.get((host, port))
        path = view_args[0] if view_args else view_kwargs.get("path", "")  # wagtail_serve's pattern: positional
        path_components = [component for component in path.split("/") if component]

        def keys(generation):
            found = [site_key(host, port, generation), *ALSO_READ]
            if root is not None and len(path_components) >= 2:
                from cms.models.pages import route_key  # noqa: PLC0415 — the models import this module's app

                found.append(route_key(root, path_components, generation))
            return found

        # The generation, the site, the page's route (guessed from the root found last) and the
        # menu in one cache read; the page's route and the menu take theirs from request._read_first.
        generation, found = http_cache.get_many_with_generation(keys)
        request._read_first = (frozenset(keys(generation)), found)
        site = found.get(site_key(host, port, generation))
        request._wagtail_site = site[0] if site is not None else site_for_request(request, host)
        if request._wagtail_site is not None:
            self._roots[(host, port)] = request._wagtail_site.root_page_id
        return None


def site_name(host, port):
    return f"cms:site:{host}:{port}"


def site_key(host, port, generation):
    return http_cache.generation_key(site_name(host, port), generation)


def read_first(request, key):
    """(True, value or None) when `key` was read with the site at the start of the request
    (CachedSiteMiddleware), else (False, None): then the caller reads it itself."""
    asked, found = getattr(request, "_read_first", ((), None))
    if key in asked:
        return True, found.get(key)
    return False, None


def site_for_request(request, host):
    """Wagtail's `Site.find_for_request`, with the home page loaded as its own type (kept as a
    1-tuple, so that no site for the host is kept too)."""

    def find():
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.localized.specific
        return (site,)

    return http_cache.kept(site_name(host, request.get_port()), find)[0]
