"""Template tags of the bundled site: navigation, money, the donation counter."""

import datetime
import time

from django import template
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.template.defaultfilters import floatformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cms import age_bands, restrictions, sites
from cms import models as cms_models
from cms.age_bands import AgeBand
from cms.models import (
    DirectionPage,
    EventPage,
    LessonMaterial,
    LessonPage,
    MasterclassPage,
    PartnerPage,
    Season,
    WinnerStoryPage,
)
from config import http_cache
from engagement import selectors as engagement
from engagement.forms import KOPECKS_PER_ROUBLE, roubles_label
from learning import services as learning
from learning.models import LessonProgress
from learning.services import uploads
from media_pipeline import selectors as media
from media_pipeline.models import public_url
from site_theme.queries import public_works

register = template.Library()

# Index pages that get a place in the main menu, in this order, with their menu title.
NAV_INDEX_PAGES = [
    ("DirectionIndexPage", "Направления"),
    ("MentorIndexPage", "Наставники"),
    ("WinnerStoryIndexPage", "Победители"),
    ("EventIndexPage", "События"),
    ("PartnerIndexPage", "Партнёры"),
]
NAV_CACHE_KEY = "site_theme:nav:v1"
NAV_CACHE_SECONDS = 60
sites.ALSO_READ.append(NAV_CACHE_KEY)


@register.simple_tag(takes_context=True)
def content_generation(context):
    """The page cache's generation (config/http_cache.py): it changes whenever a page is published,
    unpublished, moved or deleted and whenever moderation changes which works are public, so a
    fragment cached under it is dropped exactly when the page cache is. Read once per request."""
    request = context.get("request")
    value = getattr(request, "_content_generation", None)
    if value is None:
        value = http_cache.generation()
        if request is not None:
            request._content_generation = value
    return value


@register.simple_tag
def fragment_cache_seconds():
    return settings.FRAGMENT_CACHE_SECONDS


def index_page_urls(request=None):
    """(title, url) of each live index page in the menu; cached briefly, as it is on every page (a
    page Wagtail serves reads it with its site: cms.sites.read_first)."""
    asked, items = sites.read_first(request, NAV_CACHE_KEY)
    if not asked:
        items = cache.get(NAV_CACHE_KEY)
    if items is None:
        items = []
        for model_name, title in NAV_INDEX_PAGES:
            model = getattr(cms_models, model_name, None)
            page = restrictions.public(model.objects.live()).only("url_path").first() if model else None
            if page is not None:
                items.append((title, page.get_url()))
        cache.set(NAV_CACHE_KEY, items, NAV_CACHE_SECONDS)
    return items


@register.simple_tag(takes_context=True)
def site_nav(context):
    """Menu items with `current` set for the section the visitor is in."""
    request = context.get("request")
    path = request.path if request else ""
    items = [{"title": title, "url": url} for title, url in index_page_urls(request)]
    items.insert(1, {"title": "Галерея", "url": reverse("site_theme:gallery")})
    items.append({"title": "Куда идут деньги", "url": reverse("site_theme:transparency")})
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items.append({"title": "Мой кабинет", "url": reverse("site_theme:cabinet")})
    else:
        items.append({"title": "Войти", "url": reverse("site_theme:login")})
    for item in items:
        item["current"] = bool(path) and item["url"] != "/" and path.startswith(item["url"])
    return items


@register.filter
def rubles(kopecks):
    """12345678 kopecks -> "123 456 ₽": whole roubles, written as the admin writes amounts."""
    whole_kopecks = int(kopecks or 0)
    return roubles_label(whole_kopecks - whole_kopecks % KOPECKS_PER_ROUBLE)


@register.filter
def masked_email(email):
    """ "anna@mail.ru" -> "a***@mail.ru": enough for a child to recognise their guardian, not to copy
    the address."""
    local, at, domain = (email or "").partition("@")
    if not at or not local:
        return ""
    return f"{local[0]}***@{domain}"


@register.filter
def minutes(seconds):
    """Duration in seconds -> "12 мин" (at least one minute)."""
    if not seconds:
        return ""
    return f"{max(1, round(float(seconds) / 60))}\u00a0мин"


@register.filter
def years(age):
    """«7 лет», «21 год», «3 года» — the Russian plural of an age."""
    if age in (None, ""):
        return ""
    return age_bands.years(int(age)).replace(" ", "\u00a0")  # never broken between the lines


@register.filter
def iso_day(value):
    """An ISO date as the site writes dates: "2026-06-13" -> «13 июня 2026» (the transparency rows are
    the API's, whose dates are ISO strings)."""
    try:
        return date_format(datetime.date.fromisoformat(value), "j E Y")
    except (TypeError, ValueError):
        return value


@register.filter
def accepted_formats(assignment):
    """«изображение: JPEG, PNG или WebP; видео: …»: what the assignment's file field takes."""
    return uploads.accepted_formats(assignment)


@register.filter
def accepted_types(assignment):
    """The assignment's file chooser's `accept` list."""
    return uploads.accepted_types(assignment)


@register.filter
def signed(number, digits=4):
    """A score as Russian type sets it: «−0,7609» with a minus sign, not a hyphen."""
    return floatformat(number, digits).replace("-", "−")


@register.filter
def age_band(band):
    """An age band's key ("10-13") as the site writes it: «10–13»."""
    return AgeBand(band).short_label if band in AgeBand.values else band


# --- Content the pages gather from the CMS ------------------------------------------------------


@register.simple_tag
def current_season():
    return Season.current()


@register.simple_tag
def live_children(page):
    """Live, public children of a page as their specific types, in the editor's order."""
    return list(restrictions.public(page.get_children().live()).specific())


@register.simple_tag
def site_directions():
    directions = restrictions.public(DirectionPage.objects.live()).select_related("cover", "curator")
    return list(directions.prefetch_related("cover__renditions").order_by("path"))


@register.simple_tag
def direction_masterclasses(direction):
    """A direction's live masterclasses for its cards: cover (with its renditions) and mentor loaded
    up front, not two queries a card."""
    masterclasses = restrictions.public(MasterclassPage.objects.child_of(direction).live())
    masterclasses = masterclasses.select_related("cover", "mentor")
    return list(masterclasses.prefetch_related("cover__renditions").order_by("path"))


@register.simple_tag
def latest_winners(limit=3):
    stories = restrictions.public(WinnerStoryPage.objects.live())
    stories = stories.select_related("photo", "direction", "region", "season")
    return list(stories.prefetch_related("photo__renditions").order_by("-first_published_at")[:limit])


@register.simple_tag
def upcoming_events(limit=3):
    events = restrictions.public(EventPage.objects.live()).filter(ends_at__gte=timezone.now())
    events = events.select_related("cover", "region")
    return list(events.prefetch_related("cover__renditions").order_by("starts_at")[:limit])


@register.simple_tag(takes_context=True)
def page_materials(context, page):
    """A lesson's or masterclass's materials with their documents: one query per content generation
    for a live page, kept in the shared cache (publishing, a material or a document saved or deleted
    bump it: config/http_cache.py); a lesson's come with its masterclass and lessons in one read
    (lesson_content()). A draft in preview keeps them in memory (select_related is then a no-op)
    and is never cached: its pk is the live page's."""
    materials = page.materials.all().select_related("document")
    request = context.get("request")
    if not isinstance(materials, QuerySet) or not page.live or getattr(request, "is_preview", False):
        return list(materials)
    if isinstance(page, LessonPage):
        return lesson_content(page)["materials"]
    return http_cache.kept(f"site_theme:materials:{page.pk}", lambda: list(materials))


@register.simple_tag
def events_split(index_page):
    """The events under an index page: upcoming first (soonest first), then past (latest first)."""
    now = timezone.now()
    events = restrictions.public(EventPage.objects.child_of(index_page).live()).select_related("cover", "region")
    return {
        "upcoming": list(events.filter(ends_at__gte=now).order_by("starts_at")),
        "past": list(events.filter(ends_at__lt=now).order_by("-starts_at")),
    }


@register.simple_tag
def mentor_masterclasses(mentor_page):
    masterclasses = restrictions.public(MasterclassPage.objects.live()).filter(mentor=mentor_page)
    return list(masterclasses.select_related("cover", "season").order_by("-season__starts_on", "path"))


@register.simple_tag
def partners_by_kind(index_page):
    """Partners grouped by kind, in the order of PartnerPage.Kind; empty groups are left out."""
    partners = list(restrictions.public(PartnerPage.objects.child_of(index_page).live()).select_related("logo"))
    groups = []
    for kind, label in PartnerPage.Kind.choices:
        members = [p for p in partners if p.kind == kind]
        if members:
            groups.append({"kind": kind, "title": PLURAL_PARTNER_KINDS.get(kind, label), "partners": members})
    return groups


PLURAL_PARTNER_KINDS = {
    "creative": "Творческие партнёры",
    "foundation": "Благотворительные фонды",
    "authority": "Органы власти",
    "business": "Бизнес-партнёры",
}


@register.filter
def audio_playlist_url(video):
    """URL of the audio-only rung's playlist (the rendition without a picture), if there is one.
    hls.js leaves audio-only variants out of its quality list, so the player loads this directly."""
    if not video.is_ready:
        return ""
    for rendition in video.renditions or []:
        if "width" not in rendition and rendition.get("playlist"):
            return public_url(video.hls_prefix + rendition["playlist"])
    return ""


@register.filter
def start_playlists(video):
    """{URL: text} of the playlists the player reads before the first segment (the master and its
    lowest picture rung's), for the page to carry: play then goes straight to the segment."""
    return media.start_playlists(video) if video.is_ready else {}


# --- Figures from the learning and engagement apps --------------------------------------------------

COUNTER_API_URL = "/api/engagement/counter/"


_counter = {}  # "figures": the last figures, "expires": when this process reads them again


@register.simple_tag
def donation_counter():
    """The counter's figures, rendered on the server so the number is right without JavaScript.
    Each process keeps them for ENGAGEMENT_COUNTER_CACHE_SECONDS, as the counter's API does
    (engagement/api.py): the page's script asks the API for the live figure right away."""
    if _counter.get("expires", 0) < time.monotonic():
        figures = engagement.counter()
        figures["api_url"] = COUNTER_API_URL
        _counter.update(figures=figures, expires=time.monotonic() + settings.ENGAGEMENT_COUNTER_CACHE_SECONDS)
    return dict(_counter["figures"])


@register.simple_tag
def featured_works(limit=6):
    return list(public_works()[:limit])


@register.filter
def work_file_url(work_file):
    """Contest files are served by the learning app's view, which checks who may see them."""
    return reverse("learning:work-file", args=[work_file.uid])


@register.filter
def work_cover(work):
    """A picture for a work's card: a thumbnail of its first image (never the original upload), else
    its video's poster."""
    for work_file in work.files.all():
        if work_file.kind == "image":
            return reverse("learning:work-thumbnail", args=[work_file.uid])
        if work_file.kind == "video" and work_file.video and work_file.video.poster_url:
            return work_file.video.poster_url
    return ""


@register.simple_tag
def breadcrumb_pages(page):
    """The pages above `page` below the home page, top first: the ones routing read on the way to it
    (cms.models.SiteServedPage.route) when it came that way, else one query."""
    above = [ancestor for ancestor in getattr(page, "route_ancestors", ()) if ancestor.depth >= BREADCRUMBS_FROM]
    if [ancestor.depth for ancestor in above] == list(range(BREADCRUMBS_FROM, page.depth)):
        return above
    return list(page.get_ancestors().filter(depth__gte=BREADCRUMBS_FROM))


BREADCRUMBS_FROM = 3  # below the tree's root (1) and the home page (2)


def live_lessons(masterclass):
    """The live lessons of a masterclass (every child is a lesson: LessonPage is its only subpage
    type) with their videos, in the editor's order: one query per content generation (the page
    cache's, bumped by publishing and by a video becoming ready), kept in the shared cache."""
    return http_cache.kept(f"site_theme:lessons:{masterclass.pk}", lambda: _lessons_of(masterclass))


def _lessons_of(masterclass):
    lessons = restrictions.public(LessonPage.objects.child_of(masterclass).live())
    return list(lessons.select_related("video").order_by("path"))


def lesson_content(lesson):
    """What a lesson shows of its masterclass and of the database beside its own fields, in one
    cache read per content generation (publishing, a video becoming ready, a material or document
    changing bump it): the masterclass with its cover (the page's picture), its live lessons with
    their videos (live_lessons()) and the lesson's live materials with their documents. Kept on the
    lesson for the rest of the request."""
    generation = http_cache.generation()
    memo = getattr(lesson, "_site_theme_content", None)
    if memo is not None and memo[0] == generation:
        return memo[1]
    content = http_cache.kept(f"site_theme:lesson:{lesson.pk}", lambda: _content_of(lesson))
    lesson._site_theme_content = (generation, content)
    return content


def _content_of(lesson):
    parent = lesson.get_parent()
    masterclass = (
        parent
        if isinstance(parent, MasterclassPage)
        else MasterclassPage.objects.select_related("cover").get(pk=parent.pk)
    )
    return {
        "masterclass": masterclass,
        "lessons": _lessons_of(masterclass),
        "materials": list(LessonMaterial.objects.filter(page_id=lesson.pk).select_related("document")),
    }


def lesson_masterclass(lesson):
    """A lesson's masterclass with its cover, read with lesson_content(); it becomes the lesson's
    cached parent, so the template and the link card ask no more."""
    parent = lesson.get_parent()
    if isinstance(parent, MasterclassPage):
        return parent
    masterclass = lesson_content(lesson)["masterclass"]
    lesson._cached_parent_obj = masterclass  # treebeard's own cache of get_parent()
    return masterclass


@register.simple_tag
def lesson_list(masterclass, user, lessons=None):
    """The masterclass's live lessons (live_lessons(), unless given), each with the student's watched
    percent (None for guests)."""
    if lessons is None:
        lessons = live_lessons(masterclass)
    student = learning.student_of(user)
    progress = {}
    if student is not None:
        rows = LessonProgress.objects.filter(student=student, lesson__in=[lesson.pk for lesson in lessons])
        progress = {row.lesson_id: row.percent for row in rows}
    return [{"lesson": lesson, "percent": progress.get(lesson.pk, 0) if student else None} for lesson in lessons]


def _complete(item):
    return item["percent"] is not None and item["percent"] >= round(100 * learning.COMPLETE_SHARE)


@register.simple_tag
def lesson_navigation(lesson, user):
    """The lesson's place in its masterclass: every lesson (number, duration, watched percent), and
    the previous and next ones, for the lesson page's list and its «Следующий урок» button."""
    items = lesson_list(lesson_masterclass(lesson), user, lessons=lesson_content(lesson)["lessons"])
    for number, item in enumerate(items, start=1):
        item["number"] = number
    here = next((i for i, item in enumerate(items) if item["lesson"].pk == lesson.pk), None)
    if here is None:
        return {"lessons": items, "number": None, "previous": None, "next": None}
    listed = items[here]["lesson"]
    if listed.video_id == lesson.video_id and not LessonPage.video.is_cached(lesson):
        lesson.video = listed.video  # the page's own video, read with the list
    return {
        "lessons": items,
        "number": here + 1,
        "previous": items[here - 1] if here > 0 else None,
        "next": items[here + 1] if here + 1 < len(items) else None,
    }


@register.simple_tag
def continue_lesson(lessons):
    """Where a masterclass's «Продолжить» button leads: the first lesson the student has not finished
    (after the ones they completed), or the first lesson for a newcomer. `lessons` is lesson_list()'s."""
    if not lessons:
        return None
    started = any(item["percent"] for item in lessons)
    for number, item in enumerate(lessons, start=1):
        if not _complete(item):
            return {"lesson": item["lesson"], "number": number, "started": started}
    return {"lesson": lessons[0]["lesson"], "number": 1, "started": started, "all_done": True}


@register.simple_tag
def learning_start_url():
    """Where «Начать учиться» leads a newcomer: the lessons (the directions' list), not registration."""
    directions = dict(NAV_INDEX_PAGES)["DirectionIndexPage"]
    for title, url in index_page_urls():
        if title == directions:
            return url
    return "#directions-title"  # the home page's own list of directions


@register.simple_tag
def lesson_player_state(lesson, user):
    """Where the player starts and where it reports progress: only for a signed-in student."""
    student = learning.student_of(user)
    if student is None:
        return {"progress_url": "", "position": 0}
    row = LessonProgress.objects.filter(student=student, lesson=lesson).only("position").first()
    return {"progress_url": reverse("learning:progress-list"), "position": row.position if row else 0}


# --- Link cards (Open Graph; VKontakte reads the same tags and vk:image) ----------------------------

SHARE_CARD = ("site_theme/share-card.png", 1074, 480)
# VKontakte shows a link card at 537×240 (2.24:1): page pictures are cut to twice that, so the
# card keeps what the picture shows; smaller pictures give way to the site's own card.
SHARE_IMAGE_FILTER = "fill-1074x480-c50"
SHARE_MIN_SIZE = (537, 240)
SITE_DESCRIPTION = (
    "Бесплатные видео-мастер-классы для детей 6–18 лет со всей России, конкурс работ и помощь тяжелобольным детям."
)


INDEX_DEPTH = 3  # the index pages (directions, mentors, …) under the home page


def _page_picture(page):
    """A Wagtail image that stands for the page: its cover or photo, a lesson's masterclass cover."""
    specific = getattr(page, "specific", page)

    def own(candidate):
        return next((image for field in ("cover", "photo") if (image := getattr(candidate, field, None))), None)

    if (image := own(specific)) is not None or not specific.pk or not hasattr(specific, "get_parent"):
        return image
    if specific.depth <= INDEX_DEPTH:
        return None  # the home page and the index pages: above them nothing has a picture
    # Asked only when the page has no picture of its own: a lesson's masterclass, read as its list is.
    parent = lesson_masterclass(specific) if isinstance(specific, LessonPage) else specific.get_parent()
    return own(parent.specific) if parent is not None else None


@register.inclusion_tag("site_theme/includes/share_meta.html", takes_context=True)
def share_meta(context, title="", description=""):
    """Open Graph tags with absolute URLs. A view may pass `share` = {title, description, image,
    width, height} (image: a URL), a template a title and description; a Wagtail page gives its
    title, search description and picture; the site's own card stands in for a missing picture."""
    request = context.get("request")
    page = context.get("page")
    share = dict(context.get("share") or {})
    if title:
        share.setdefault("title", title)
    if description:
        share.setdefault("description", description)
    if page is not None and getattr(page, "pk", None):
        share.setdefault("title", page.seo_title or page.title)
        share.setdefault("description", page.search_description or "")
        image = None if "image" in share else _page_picture(page)
        if image is not None and image.width >= SHARE_MIN_SIZE[0] and image.height >= SHARE_MIN_SIZE[1]:
            rendition = image.get_rendition(SHARE_IMAGE_FILTER)
            share.update(image=rendition.url, width=rendition.width, height=rendition.height)
    if not share.get("image"):
        path, width, height = SHARE_CARD
        share.update(image=static(path), width=width, height=height)

    def absolute(url):
        return request.build_absolute_uri(url) if request is not None else url

    return {
        "title": share.get("title") or "Поколение М",
        "description": share.get("description") or SITE_DESCRIPTION,
        "url": absolute(request.path) if request is not None else "",
        "image": absolute(share["image"]),
        "width": share["width"],
        "height": share["height"],
        "type": share.get("type", "website"),
    }
