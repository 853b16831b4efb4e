"""The page tree (home → sections → mentor, direction → masterclass → lesson), built in one place for
the tests' fixtures and the bench scripts. Each builder takes the fields a caller wants to differ and
fills the rest with plain values; sections are found under home or made once."""

import datetime
import io
from contextlib import contextmanager

from django.core.files.images import ImageFile
from django.db.models.signals import post_save
from django.utils import timezone
from modelsearch.signal_handlers import post_save_signal_handler as search_index_on_save
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms.models import (
    DirectionIndexPage,
    DirectionPage,
    EventIndexPage,
    HomePage,
    LessonPage,
    MasterclassPage,
    MentorIndexPage,
    MentorPage,
    PartnerIndexPage,
    PartnerPage,
    Season,
    WinnerStoryIndexPage,
)


def add_child(parent, page, publish=True):
    """Put `page` under `parent`; published through a revision unless `publish` is False (then the
    page is live without a revision, which is all the report and the benches read).

    A published page is saved three times (created, its revision noted, published); the search and
    reference indexes are updated once, from the last save, as the first two would be overwritten
    by it (those updates were a quarter of the tests' page building)."""
    if not publish:
        parent.add_child(instance=page)
        return page
    with indexes_updated_by_the_last_save(type(page)):
        parent.add_child(instance=page)
        revision = page.save_revision()
    revision.publish()
    return page


@contextmanager
def indexes_updated_by_the_last_save(model):
    """Saves of `model` in this block leave the search and reference indexes alone: the caller saves
    the object again after it. Wagtail's own switch for the reference index; modelsearch has none,
    so its handler is off for this model meanwhile (the factories run between requests, never
    beside a live server's save of the same model)."""
    with disable_reference_index_auto_update():
        indexed = post_save.disconnect(search_index_on_save, sender=model)
        try:
            yield
        finally:
            if indexed:
                post_save.connect(search_index_on_save, sender=model)


def make_season(name="Сезон 2026/27", days_before=60, days_after=200, **fields):
    """A season running today: it started `days_before` days ago and ends `days_after` days on
    (or the `starts_on`/`ends_on` given)."""
    today = timezone.localdate()
    fields.setdefault("starts_on", today - datetime.timedelta(days=days_before))
    fields.setdefault("ends_on", today + datetime.timedelta(days=days_after))
    return Season.objects.create(name=name, **fields)


class PageTree:
    """Builds pages under the site's home page: `section()` finds or makes an index page,
    `mentor()`, `direction()`, `masterclass()`, `lesson()`, `partner()` add one page each.
    `publish=False` leaves the pages live without revisions (cheaper, enough for reads)."""

    SECTIONS = {
        "directions": (DirectionIndexPage, "Направления"),
        "mentors": (MentorIndexPage, "Наставники"),
        "stories": (WinnerStoryIndexPage, "Истории победителей"),
        "partners": (PartnerIndexPage, "Партнёры"),
        "events": (EventIndexPage, "Мероприятия"),
    }

    def __init__(self, home=None, *, publish=True):
        self.home = home or HomePage.objects.get()
        self.publish = publish
        self.sections = {}

    def add(self, parent, page):
        return add_child(parent, page, publish=self.publish)

    def section(self, name, title=None):
        """The index page for `name` (directions, mentors, stories, partners, events) under home."""
        if name not in self.sections:
            model, default_title = self.SECTIONS[name]
            found = model.objects.child_of(self.home).first()
            self.sections[name] = (
                found.specific if found else self.add(self.home, model(title=title or default_title, slug=name))
            )
        return self.sections[name]

    def sections_named(self, *names, **titles):
        """Make several sections in this order; `titles` overrides their titles."""
        return {name: self.section(name, titles.get(name)) for name in names}

    def mentor(self, title="Мария Голосова", *, role="певица", bio="<p>Поёт.</p>", **fields):
        return self.add(self.section("mentors"), MentorPage(title=title, role=role, bio=bio, **fields))

    def direction(self, title="Вокал", slug="vocal", *, description="<p>Пение.</p>", **fields):
        return self.add(
            self.section("directions"), DirectionPage(title=title, slug=slug, description=description, **fields)
        )

    def masterclass(
        self, direction, *, mentor, season, title="Голос с нуля", age_band="10-13", description="<p>Курс.</p>", **fields
    ):
        page = MasterclassPage(
            title=title, mentor=mentor, season=season, age_band=age_band, description=description, **fields
        )
        return self.add(direction, page)

    def lesson(self, masterclass, title="Дыхание", *, summary="Кратко", text="<p>Урок.</p>", **fields):
        return self.add(masterclass, LessonPage(title=title, summary=summary, text=text, **fields))

    def partner(self, title, *, kind="business", description="<p>Партнёр.</p>", **fields):
        page = PartnerPage(title=title, kind=kind, description=description, **fields)
        return self.add(self.section("partners"), page)


def png_image(title, size=(600, 240), draw=None, colour=(61, 31, 115, 255), name=None):
    """A Wagtail image drawn with Pillow: a filled rectangle, or what `draw(pen, size)` draws."""
    picture = PILImage.new("RGBA", size, (255, 255, 255, 0))
    pen = ImageDraw.Draw(picture)
    if draw:
        draw(pen, size)
    else:
        pen.rectangle((10, 10, size[0] - 10, size[1] - 10), fill=colour)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=name or f"{title}.png"))


def cover_image(title="Обложка", color=(200, 60, 60)):
    """A small RGB Wagtail image (a cover or a mentor's photo)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 36), color).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name="cover.png"))
