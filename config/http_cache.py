"""HTTP caching and compression of anonymous pages.

A page shown to a visitor without a session is the same for every such visitor, unless it carries a
form (a CSRF token) or a message: those set a cookie. Such a page gets `Cache-Control: public`
(`PAGE_CACHE_SECONDS`), so browsers and a CDN can keep it, and it is kept in the shared cache too
(Django's cache middleware). Everything else is left to its view (`private` when it has none).

The cache is purged as a whole when content changes: a page is published, unpublished, moved or
deleted, a view restriction is added or removed, a video becomes ready, or moderation changes which
works are public. Purging bumps a generation number that is
part of every cache key, so nothing has to be enumerated; old entries expire on their own.

Compression: HTML and JSON are gzipped by Django's GZipMiddleware, which pads each response with a
random number of bytes (Heal-the-BREACH), and only when the response holds no secret: the request
carries no session and the response no CSRF token and no cookie. A page with a secret is never
compressed, so BREACH has nothing to guess.
"""

import time

from asgiref.local import Local
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import (
    _generate_cache_header_key,
    _generate_cache_key,
    get_max_age,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import parse_http_date_safe
from wagtail.documents import get_document_model_string
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from learning.signals import (
    appeal_decided,
    appeal_filed,
    student_account_deleted,
    work_status_changed,
    work_visibility_changed,
)
from media_pipeline.signals import video_ready

GENERATION_KEY = "page-cache:generation"
# Paths whose answers are never public, whoever asks.
PRIVATE_PREFIXES = ("/admin/", "/django-admin/", "/cabinet/", "/preview/", "/api/docs/", "/api/schema/", "/dev/")


def _cache():
    return caches[settings.CACHE_MIDDLEWARE_ALIAS]


# The generation a request read, so it asks the cache once, not once per user (the site, the view
# restrictions, a lesson's masterclass, lessons and materials, the fragments, the page cache's own
# key): set for the length of a request by GenerationMemoMiddleware, forgotten by a purge.
_memo = Local()


def generation():
    value = getattr(_memo, "value", None)
    if value is not None:
        return value
    value = _cache().get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        _cache().add(GENERATION_KEY, value, None)
        value = _cache().get(GENERATION_KEY, value)
    _remember(value)
    return value


_last_seen = {"generation": None}  # the generation this process read last (get_many_with_generation)


def _remember(value):
    _last_seen["generation"] = value
    if getattr(_memo, "active", False):
        _memo.value = value


def get_many_with_generation(make_keys):
    """(generation, {key: value}) for the keys make_keys(generation) gives, in one cache read with
    the generation itself when it has not changed since this process last read it: the keys are
    made from that generation and read with it; if the generation read back differs (a purge), they
    are read again under the new one. Keys missing from the cache are missing from the dict."""
    known = getattr(_memo, "value", None)
    if known is not None:
        return known, _cache().get_many(make_keys(known))
    guess = _last_seen["generation"]
    found = _cache().get_many([GENERATION_KEY, *(make_keys(guess) if guess is not None else ())])
    current = found.pop(GENERATION_KEY, None)
    if current is None:
        current = generation()
    else:
        _remember(current)
    if current != guess:
        found = _cache().get_many(make_keys(current))
    return current, found


def generation_key(name, value=None):
    """The cache key of `name` under a content generation (the current one unless `value`)."""
    return f"{name}:g{generation() if value is None else value}"


def kept(name, compute):
    """What pages read beside their own fields (the site, a lesson's masterclass, lessons and
    materials, a page's materials), read through the shared cache once per content generation: the
    value kept under `name` for the current generation, else compute()'s, kept for
    FRAGMENT_CACHE_SECONDS. A purge moves every reader to the next generation's keys."""
    key = generation_key(name)
    found = default_cache.get(key)
    if found is None:
        found = compute()
        default_cache.set(key, found, settings.FRAGMENT_CACHE_SECONDS)
    return found


class GenerationMemoMiddleware:
    """Reads the generation at most once per request (see generation()). Everything a request keeps
    or reads under it then agrees on one generation: a page rendered while another process purged is
    stored under the generation it was rendered for (already dropped), not under the new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _memo.active, _memo.value = True, None
        try:
            return self.get_response(request)
        finally:
            _memo.active, _memo.value = False, None


def purge(**kwargs):
    """Forget every cached page: now, and again once the transaction that changed content commits
    (a page rendered meanwhile from the old content is dropped too)."""

    def bump():
        _cache().set(GENERATION_KEY, time.time_ns(), None)
        _memo.value = None  # this request reads the new generation

    bump()
    transaction.on_commit(bump)


def connect_purges():
    """Purge on what changes public pages: Wagtail's publishing and moving, and moderation."""
    for signal in (
        page_published,
        page_unpublished,
        post_page_move,
        page_slug_changed,
        work_status_changed,
        work_visibility_changed,
        appeal_filed,  # the results pages publish the appeal counts
        appeal_decided,
        video_ready,  # a lesson's player appears
    ):
        signal.connect(purge, dispatch_uid=f"page-cache-purge:{id(signal)}")
    student_account_deleted.connect(purge, dispatch_uid="page-cache-purge:student-deleted")
    post_delete.connect(purge, sender=Page, dispatch_uid="page-cache-purge:page-deleted")
    # A page made private (or public again) must not be answered from a public copy; the pages'
    # own check reads the restrictions once per generation (cms/restrictions.py).
    # The same for the sites, which cms/sites.py keeps under the generation.
    for signal in (post_save, post_delete):
        for sender in (PageViewRestriction, Site):
            signal.connect(purge, sender=sender, dispatch_uid=f"page-cache-purge:{sender.__name__}:{id(signal)}")
    # A lesson's or masterclass's materials and their documents are kept under the generation too
    # (site_theme's page_materials): the live page's rows change on publishing, and a document's
    # title or file in the documents library without it.
    for signal in (post_save, post_delete):
        for sender in ("cms.LessonMaterial", "cms.MasterclassMaterial", get_document_model_string()):
            signal.connect(purge, sender=sender, dispatch_uid=f"page-cache-purge:{sender}:{id(signal)}")
    # A live page saved without publishing (imports, the demo loader, add_child) changes pages too.
    post_save.connect(_purge_on_live_page_save, dispatch_uid="page-cache-purge:page-saved")


def _purge_on_live_page_save(sender, instance, **kwargs):
    if isinstance(instance, Page) and instance.live:
        purge()


def _anonymous(request):
    """No session cookie and no credentials in a header: before authentication runs, this is what
    tells a visitor from a signed-in person."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META


def _has_messages(request):
    """A message waits in the visitor's cookie (Django's messages keep an anonymous visitor's there,
    e.g. «Вы вышли»): the page must be rendered to show it, not taken from the cache."""
    return CookieStorage.cookie_name in request.COOKIES


def _signed_in(request):
    """After the view: whoever authentication found (Django's or DRF's, which sets it on the request)."""
    return bool(getattr(getattr(request, "user", None), "is_authenticated", False))


def _public_answer(request, response):
    """True when the response is the same for every anonymous visitor and holds no secret."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.streaming
        and _anonymous(request)
        and not _signed_in(request)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.path.startswith(PRIVATE_PREFIXES)
    )


class AnonymousCacheControlMiddleware:
    """`Cache-Control: public, max-age=PAGE_CACHE_SECONDS` on public answers that set none;
    `private` on every other answer without its own Cache-Control (no shared cache keeps it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if settings.PAGE_CACHE_SECONDS and _public_answer(request, response):
            patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
            response.page_cache = True  # kept by PageCacheUpdateMiddleware
        elif request.method in ("GET", "HEAD"):
            patch_cache_control(response, private=True)
        return response


class SafeGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its random padding), only for answers that hold no secret."""

    def process_response(self, request, response):
        if not _anonymous(request) or response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(("text/", "application/json", "application/javascript", "application/xml")):
            return response
        return super().process_response(request, response)


class _GenerationKeyPrefix:
    @property
    def key_prefix(self):
        return _key_prefix(generation())

    @key_prefix.setter
    def key_prefix(self, value):
        pass  # set by Django's __init__; the generation decides


class PageCacheUpdateMiddleware(_GenerationKeyPrefix, UpdateCacheMiddleware):
    """Keeps the answers AnonymousCacheControlMiddleware made public; a view that sets its own
    Cache-Control (the counter's ETag and one-second age) is left to it."""

    def _should_update_cache(self, request, response):
        return (
            super()._should_update_cache(request, response)
            and getattr(response, "page_cache", False)
            and _public_answer(request, response)
        )


class PageCacheFetchMiddleware(_GenerationKeyPrefix, FetchFromCacheMiddleware):
    """Answers anonymous GETs from the cache; a visitor with a session (or a message waiting) always
    gets a fresh page. It sits before the session, CSRF, authentication, messages and CSP
    middleware (config/settings.py), so a hit skips their work: the stored answer already carries
    the headers they set, and it was stored only when it set no cookie.

    A hit costs one cache read, not three (generation, header list, page, each depending on the one
    before): the generation and header list this process saw last are guessed, the page's key is
    built from them, and all three are read at once. The guess counts only when the generation and
    the header list read back are the guessed ones, so a purge is seen by the very next request;
    otherwise the page is looked up the usual way."""

    MEMO_SIZE = 2048  # header lists remembered per process (one per address and language)

    def __init__(self, get_response):
        super().__init__(get_response)
        self._generation = None
        self._headerlists = {}

    def process_request(self, request):
        if (
            not settings.PAGE_CACHE_SECONDS
            or not _anonymous(request)
            or _has_messages(request)
            or request.path.startswith(PRIVATE_PREFIXES)
        ):
            request._cache_update_cache = False
            return None
        if request.method != "GET":
            return super().process_request(request)  # HEAD: Django's lookup, GET's answer then HEAD's
        response = self._lookup(request)
        request._cache_update_cache = response is None
        return _with_age(response) if response is not None else None

    def _lookup(self, request):
        cache = self.cache
        guess = self._generation
        header_key = _generate_cache_header_key(_key_prefix(guess), request)
        headerlist = self._headerlists.get(header_key)
        page_key = None if headerlist is None else _generate_cache_key(request, "GET", headerlist, _key_prefix(guess))
        found = cache.get_many([GENERATION_KEY, header_key] + ([page_key] if page_key else []))
        current = found.get(GENERATION_KEY)
        if current is None:
            current = generation()
        else:
            _remember(current)
        if current == guess:
            stored = found.get(header_key)
        else:  # purged since this process last looked (or its first request): the usual lookup
            self._generation = current
            header_key = _generate_cache_header_key(_key_prefix(current), request)
            stored = cache.get(header_key)
        if stored is None:
            return None
        if stored != headerlist:
            if len(self._headerlists) >= self.MEMO_SIZE:
                self._headerlists.clear()
            self._headerlists[header_key] = stored
        if current == guess and stored == headerlist:
            return found.get(page_key)
        return cache.get(_generate_cache_key(request, "GET", stored, _key_prefix(current)))


def _key_prefix(generation_number):
    return f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}g{generation_number}"


def _with_age(response):
    """Django's Age header of a cached answer (FetchFromCacheMiddleware's own computation)."""
    if (max_age := get_max_age(response)) is not None and (
        expires := parse_http_date_safe(response["Expires"])
    ) is not None:
        response["Age"] = max(0, max_age - (expires - int(time.time())))
    return response
