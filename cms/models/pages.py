"""The page tree. Every type says where it may live, so editors build only what front ends understand:

HomePage
├── DirectionIndexPage → DirectionPage → MasterclassPage → LessonPage
├── MentorIndexPage → MentorPage
├── WinnerStoryIndexPage → WinnerStoryPage
├── PartnerIndexPage → PartnerPage
└── EventIndexPage → EventPage
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index
from wagtail_headless_preview.models import HeadlessMixin

from cms import restrictions, sites
from cms.age_bands import AgeBand
from cms.api_fields import (
    DirectionField,
    DocumentField,
    ImageField,
    MentorField,
    MentorsField,
    RegionField,
    SeasonField,
    VideoField,
)
from cms.blocks import BodyBlock
from cms.towns import TownSize
from config import http_cache


def route_key(root_id, path_components, generation):
    """The shared cache's key of the page a path leads to from a site's root (SiteServedPage.route)."""
    return http_cache.generation_key(f"cms:route:{root_id}:{'/'.join(path_components)}", generation)


class SiteServedPage(HeadlessMixin, Page):
    """Every page type's base: drafts preview in any front end through wagtail-headless-preview,
    while the bundled site keeps rendering live pages itself (HeadlessMixin would redirect them)."""

    def serve(self, request, *args, **kwargs):
        return Page.serve(self, request, *args, **kwargs)

    def serve_preview(self, request, mode_name):
        """In the admin: store the draft under a signed token and open the front end with it.
        A draft that came back through its token (cms.preview.page_from_token) renders itself with
        its own template, so the bundled site's /preview/ route can simply serve it."""
        if getattr(self, "preview_token", None):
            request.is_preview = True
            request.preview_mode = mode_name
            return Page.serve_preview(self, request, mode_name)
        response = super().serve_preview(request, mode_name)
        # Wagtail runs this through the site's middleware as a request for the page's own URL, so
        # the site's CSP (frame-ancestors 'none') would forbid the admin's preview panel to frame
        # it: the admin, on this origin, may.
        response._csp_replace = {**(getattr(response, "_csp_replace", None) or {}), "frame-ancestors": ["'self'"]}
        return response

    def route(self, request, path_components):
        """The whole path in one query (by slug, which is indexed) instead of one query per level as
        Page.route walks it, and that once per content generation: the page found (with the pages
        above it) is kept in the shared cache under the page cache's generation, which publishing,
        moving, unpublishing and deleting pages bump (config/http_cache.py). Only the page is kept;
        who may see it is checked on every request, as before. A path through a page with routing
        of its own is left to Page.route."""
        if len(path_components) < 2:
            return super().route(request, path_components)
        key = route_key(self.pk, path_components, http_cache.generation())
        asked, page = sites.read_first(request, key)
        if not asked:
            page = cache.get(key)
        if page is None:
            page = self._route_in_one_query(path_components)
            if page is None:
                return super().route(request, path_components)
            cache.set(key, page, settings.FRAGMENT_CACHE_SECONDS)
        return page.route(request, [])

    def _route_in_one_query(self, path_components):
        candidates = Page.objects.filter(
            slug__in=path_components, depth__gt=self.depth, depth__lte=self.depth + len(path_components)
        )
        by_level = {(page.depth, page.slug, page.path[: -Page.steplen]): page for page in candidates}
        parent, chain = self, []
        for level, slug in enumerate(path_components[:-1], start=1):
            page = by_level.get((self.depth + level, slug, parent.path))
            if page is None or getattr(page.specific_class, "route", None) is not SiteServedPage.route:
                return None
            parent = page
            chain.append(page)
        last = by_level.get((self.depth + len(path_components), path_components[-1], parent.path))
        if last is None:
            return None
        page = last.specific
        # The pages above it were read on the way: its parent and its breadcrumbs need no query.
        page._cached_parent_obj = parent  # treebeard's own cache of get_parent()
        page.route_ancestors = [self, *chain]
        return page

    def get_view_restrictions(self):
        """Wagtail's check on every page served, without its two queries when no page of the site has
        a view restriction (cms/restrictions.py)."""
        if not restrictions.restricted_paths():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def permissions_for_user(self, user):
        from cms.permissions import MentorAwarePagePermissionTester  # noqa: PLC0415 — cms.permissions imports these models

        return MentorAwarePagePermissionTester(user, self)

    class Meta:
        abstract = True


# --- Home and index pages -------------------------------------------------------------------------


class HomePage(SiteServedPage):
    """The root of the site: the current season, directions, the counter."""

    intro = RichTextField("вступление", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.DirectionIndexPage",
        "cms.MentorIndexPage",
        "cms.WinnerStoryIndexPage",
        "cms.PartnerIndexPage",
        "cms.EventIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "главная страница"


class IndexPage(SiteServedPage):
    """A section of the site listing its children (directions, mentors, stories...)."""

    intro = RichTextField("вступление", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        abstract = True


class DirectionIndexPage(IndexPage):
    subpage_types = ["cms.DirectionPage"]

    class Meta:
        verbose_name = "раздел направлений"


class MentorIndexPage(IndexPage):
    subpage_types = ["cms.MentorPage"]

    class Meta:
        verbose_name = "раздел наставников"


class WinnerStoryIndexPage(IndexPage):
    subpage_types = ["cms.WinnerStoryPage"]

    class Meta:
        verbose_name = "раздел историй победителей"


class PartnerIndexPage(IndexPage):
    subpage_types = ["cms.PartnerPage"]

    class Meta:
        verbose_name = "раздел партнёров"


class EventIndexPage(IndexPage):
    subpage_types = ["cms.EventPage"]

    class Meta:
        verbose_name = "раздел мероприятий"


# --- Directions, masterclasses, lessons -----------------------------------------------------------


class DirectionPage(SiteServedPage):
    """A creative direction (vocal, acting...). Its slug is the direction key other apps use."""

    description = RichTextField("описание")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="обложка",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    icon = models.ForeignKey(
        "wagtailimages.Image", verbose_name="иконка", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    curator = models.ForeignKey(
        "cms.MentorPage",
        verbose_name="куратор-наставник",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curated_directions",
    )
    body = StreamField(BodyBlock(), verbose_name="содержание", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("cover"), FieldPanel("icon")]),
        FieldPanel("curator"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("body"),
    ]
    api_fields = [
        APIField("description"),
        APIField("cover", serializer=ImageField()),
        APIField("icon", serializer=ImageField(specs={"icon": "fill-96x96"})),
        APIField("curator", serializer=MentorField()),
        APIField("body"),
    ]
    api_select_related = ["cover", "icon", "curator__photo"]
    api_prefetch_related = ["cover__renditions", "icon__renditions", "curator__photo__renditions"]

    parent_page_types = ["cms.DirectionIndexPage"]
    subpage_types = ["cms.MasterclassPage"]

    class Meta:
        verbose_name = "направление"
        verbose_name_plural = "направления"


class MasterclassMaterial(Orderable):
    page = ParentalKey("cms.MasterclassPage", related_name="materials", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="файл", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("название", max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]
    api_fields = [APIField("title"), APIField("document", serializer=DocumentField())]

    class Meta(Orderable.Meta):
        verbose_name = "материал"
        verbose_name_plural = "материалы"


class MasterclassPageForm(WagtailAdminPageForm):
    """Editors pick the masterclass's mentor; a mentor does not see the field, and a masterclass
    they start is theirs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "mentor" not in self.fields and self.instance.mentor_id is None:
            self.instance.mentor = getattr(self.for_user, "mentor_page", None)


class MasterclassPage(SiteServedPage):
    """A series of lessons by one mentor in one season, for one age band."""

    base_form_class = MasterclassPageForm

    AgeBand = AgeBand

    mentor = models.ForeignKey(
        "cms.MentorPage", verbose_name="наставник", null=True, on_delete=models.SET_NULL, related_name="masterclasses"
    )
    season = models.ForeignKey(
        "cms.Season", verbose_name="сезон", on_delete=models.PROTECT, related_name="masterclasses"
    )
    age_band = models.CharField("возраст", max_length=5, choices=AgeBand, db_index=True)
    description = RichTextField("описание")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="обложка",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name="содержание", blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel(
            [
                FieldPanel("mentor", permission="cms.change_masterclasspage"),
                FieldPanel("season"),
                FieldPanel("age_band"),
            ]
        ),
        FieldPanel("description"),
        FieldPanel("cover"),
        FieldPanel("body"),
        InlinePanel("materials", label="материалы"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("body"),
        index.FilterField("age_band"),
        index.FilterField("season"),
        index.FilterField("mentor"),
        index.RelatedFields("mentor", [index.SearchField("title")]),
    ]
    api_fields = [
        APIField("direction", serializer=DirectionField(source="get_parent_direction")),
        APIField("mentor", serializer=MentorField()),
        APIField("season", serializer=SeasonField()),
        APIField("age_band"),
        APIField("description"),
        APIField("cover", serializer=ImageField()),
        APIField("materials"),
        APIField("body"),
    ]
    api_select_related = ["mentor__photo", "season", "cover"]
    api_prefetch_related = ["cover__renditions", "mentor__photo__renditions", "materials__document"]

    parent_page_types = ["cms.DirectionPage"]
    subpage_types = ["cms.LessonPage"]

    class Meta:
        verbose_name = "мастер-класс"
        verbose_name_plural = "мастер-классы"

    def get_parent_direction(self):
        """The direction this masterclass belongs to (its parent page)."""
        if not hasattr(self, "_direction"):
            self._direction = DirectionPage.objects.filter(path=self.path[: -self.steplen]).first()
        return self._direction

    @classmethod
    def api_prepare_listing(cls, masterclasses):
        """Load the directions of a page of masterclasses in one query (the API lists them)."""
        paths = {page.path[: -page.steplen] for page in masterclasses}
        directions = {page.path: page for page in DirectionPage.objects.filter(path__in=paths)}
        for page in masterclasses:
            page._direction = directions.get(page.path[: -page.steplen])


class LessonMaterial(Orderable):
    page = ParentalKey("cms.LessonPage", related_name="materials", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="файл", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("название", max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]
    api_fields = [APIField("title"), APIField("document", serializer=DocumentField())]

    class Meta(Orderable.Meta):
        verbose_name = "материал"
        verbose_name_plural = "материалы"


class LessonPage(SiteServedPage):
    """One video lesson of a masterclass; lessons are ordered as in the page tree."""

    video = models.ForeignKey(
        "media_pipeline.VideoAsset",
        verbose_name="видео",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    summary = models.TextField("кратко", blank=True, help_text="Одно-два предложения для списка уроков.")
    text = RichTextField("текст урока", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("video"),
        FieldPanel("summary"),
        FieldPanel("text"),
        InlinePanel("materials", label="материалы"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("text"),
    ]
    api_fields = [
        APIField("video", serializer=VideoField()),
        APIField("duration"),
        APIField("summary"),
        APIField("text"),
        APIField("materials"),
    ]
    api_select_related = ["video"]
    api_prefetch_related = ["materials__document"]

    parent_page_types = ["cms.MasterclassPage"]
    subpage_types = []

    class Meta:
        verbose_name = "урок"
        verbose_name_plural = "уроки"

    @property
    def duration(self):
        """Seconds of video, read from the asset (None until probed)."""
        return self.video.duration if self.video_id and self.video else None


# --- Mentors ---------------------------------------------------------------------------------------


class MentorSocialLink(Orderable):
    class Network(models.TextChoices):
        VK = "vk", "ВКонтакте"
        TELEGRAM = "telegram", "Telegram"
        YOUTUBE = "youtube", "YouTube"
        RUTUBE = "rutube", "Rutube"
        SITE = "site", "сайт"

    page = ParentalKey("cms.MentorPage", related_name="social_links", on_delete=models.CASCADE)
    network = models.CharField("сеть", max_length=16, choices=Network)
    url = models.URLField("ссылка")

    panels = [FieldPanel("network"), FieldPanel("url")]
    api_fields = [APIField("network"), APIField("url")]

    class Meta(Orderable.Meta):
        verbose_name = "ссылка"
        verbose_name_plural = "ссылки"


class MentorPage(SiteServedPage):
    """A mentor: a well-known artist who teaches a direction, and the account they log in with."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="учётная запись",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentor_page",
        help_text="С ней наставник входит в админку и правит свои страницы.",
    )
    role = models.CharField("кто это", max_length=255, help_text="Например, «певица, заслуженная артистка России».")
    bio = RichTextField("биография")
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name="фото", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    directions = ParentalManyToManyField("cms.DirectionPage", verbose_name="направления", blank=True)
    achievements = RichTextField("достижения", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("role"),
        FieldPanel("user", permission="cms.change_mentorpage_user"),
        FieldPanel("photo"),
        FieldPanel("bio"),
        FieldPanel("directions"),
        FieldPanel("achievements"),
        InlinePanel("social_links", label="ссылки"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("role"),
        index.SearchField("bio"),
        index.SearchField("achievements"),
    ]
    api_fields = [
        APIField("role"),
        APIField("photo", serializer=ImageField()),
        APIField("bio"),
        APIField("directions", serializer=DirectionField(many=True)),
        APIField("achievements"),
        APIField("social_links"),
    ]
    api_select_related = ["photo"]
    api_prefetch_related = ["photo__renditions", "directions", "social_links"]

    parent_page_types = ["cms.MentorIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "наставник"
        verbose_name_plural = "наставники"
        permissions = [("change_mentorpage_user", "Может привязывать учётную запись наставника")]


# --- Winner stories --------------------------------------------------------------------------------


class WinnerStoryGalleryImage(Orderable):
    page = ParentalKey("cms.WinnerStoryPage", related_name="gallery", on_delete=models.CASCADE)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name="изображение", on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField("подпись", max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
    api_fields = [APIField("image", serializer=ImageField()), APIField("caption")]

    class Meta(Orderable.Meta):
        verbose_name = "изображение"
        verbose_name_plural = "галерея"


class WinnerStoryPage(SiteServedPage):
    """A winner's story. A child is shown only by first name, surname initial, age, region and the
    size of their town: never a full name, school, contact or exact location. The town itself is
    named only with the guardian's recorded consent, and only the platform fills it in (learning's
    `record_town_consent`): a town and its population identify a child in a village."""

    first_name = models.CharField("имя", max_length=60)
    surname_initial = models.CharField(
        "первая буква фамилии",
        max_length=1,
        validators=[RegexValidator(r"^[А-ЯЁA-Z]$", "Одна заглавная буква фамилии, без точки.")],
    )
    age = models.PositiveSmallIntegerField("возраст", validators=[MinValueValidator(6), MaxValueValidator(18)])
    region = models.ForeignKey("cms.Region", verbose_name="регион", on_delete=models.PROTECT, related_name="+")
    town_size = models.CharField(
        "размер населённого пункта", max_length=16, choices=TownSize.CHOICES, default=TownSize.UNKNOWN
    )
    town = models.CharField(
        "населённый пункт",
        max_length=100,
        blank=True,
        help_text="Появляется, только когда родитель дал согласие назвать населённый пункт в истории.",
    )
    direction = models.ForeignKey(
        "cms.DirectionPage", verbose_name="направление", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    season = models.ForeignKey("cms.Season", verbose_name="сезон", on_delete=models.PROTECT, related_name="+")
    opportunity = models.CharField(
        "творческий лифт", max_length=255, help_text="Что получил победитель: сцена, выставка, стажировка…"
    )
    quote = models.TextField("цитата", blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name="фото", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), verbose_name="история", blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("first_name"), FieldPanel("surname_initial"), FieldPanel("age")]),
                FieldRowPanel([FieldPanel("region"), FieldPanel("town_size"), FieldPanel("town", read_only=True)]),
            ],
            heading="победитель (только имя, первая буква фамилии, возраст, регион и размер населённого пункта)",
        ),
        FieldRowPanel([FieldPanel("direction"), FieldPanel("season")]),
        FieldPanel("opportunity"),
        FieldPanel("quote"),
        FieldPanel("photo"),
        FieldPanel("body"),
        InlinePanel("gallery", label="галерея"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("first_name"),
        index.SearchField("town"),
        index.SearchField("opportunity"),
        index.SearchField("quote"),
        index.SearchField("body"),
        index.FilterField("region"),
        index.FilterField("direction"),
        index.FilterField("season"),
    ]
    api_fields = [
        APIField("display_name"),
        APIField("first_name"),
        APIField("surname_initial"),
        APIField("age"),
        APIField("region", serializer=RegionField()),
        APIField("town"),
        APIField("town_size"),
        APIField("where_from"),
        APIField("direction", serializer=DirectionField()),
        APIField("season", serializer=SeasonField()),
        APIField("opportunity"),
        APIField("quote"),
        APIField("photo", serializer=ImageField()),
        APIField("gallery"),
        APIField("body"),
    ]
    api_select_related = ["region", "direction", "season", "photo"]
    api_prefetch_related = ["photo__renditions", "gallery__image__renditions"]

    parent_page_types = ["cms.WinnerStoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "история победителя"
        verbose_name_plural = "истории победителей"
        constraints = [
            models.CheckConstraint(condition=models.Q(age__gte=6, age__lte=18), name="winner_age_6_to_18"),
        ]

    @property
    def display_name(self):
        """How a child is named in public: «Аня К.»."""
        return f"{self.first_name} {self.surname_initial}."

    @property
    def where_from(self):
        """The town when the guardian consented to naming it, else the size of the town."""
        return self.town or TownSize.STORY_LABELS[self.town_size]


# --- Partners and events ---------------------------------------------------------------------------


class PartnerPage(SiteServedPage):
    class Kind(models.TextChoices):
        CREATIVE = "creative", "творческий партнёр"
        FOUNDATION = "foundation", "благотворительный фонд"
        AUTHORITY = "authority", "орган власти"
        BUSINESS = "business", "бизнес-партнёр"

    kind = models.CharField("вид партнёра", max_length=16, choices=Kind, db_index=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="логотип",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField("сайт", blank=True)
    description = RichTextField("описание")

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("logo"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]
    search_fields = Page.search_fields + [index.SearchField("description"), index.FilterField("kind")]
    api_fields = [
        APIField("kind"),
        APIField("logo", serializer=ImageField(specs={"logo": "max-320x160"})),
        APIField("website"),
        APIField("description"),
    ]
    api_select_related = ["logo"]
    api_prefetch_related = ["logo__renditions"]

    parent_page_types = ["cms.PartnerIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "партнёр"
        verbose_name_plural = "партнёры"


class EventPageForm(WagtailAdminPageForm):
    """The editor's form refuses typed attendance for an event run on the platform (it has the
    events app's registration settings, the reverse one-to-one `operations`): its people are
    counted from check-ins and confirmed hours, and a typed number would only mislead. Only the
    form refuses, so moving, copying or publishing an older page never fails on it."""

    TYPED_FIGURES_REFUSED = (
        "На мероприятие открыта регистрация на платформе: участники и волонтёры считаются по отметкам "
        "на входе и подтверждённым часам. Оставьте поле пустым — оно для мероприятий вне платформы."
    )

    def clean(self):
        cleaned = super().clean()
        typed = [name for name in ("attendance", "volunteers") if cleaned.get(name) is not None]
        page = self.instance
        if typed and page.pk and type(page).objects.filter(pk=page.pk, operations__isnull=False).exists():
            for name in typed:
                self.add_error(name, self.TYPED_FIGURES_REFUSED)
        return cleaned


class EventPage(SiteServedPage):
    """A regional offline event. Attendance and volunteers are typed in after it took place only
    when it was run outside the platform (see `EventPageForm`)."""

    base_form_class = EventPageForm

    starts_at = models.DateTimeField("начало")
    ends_at = models.DateTimeField("окончание")
    region = models.ForeignKey("cms.Region", verbose_name="регион", on_delete=models.PROTECT, related_name="+")
    town = models.CharField("город", max_length=100)
    venue = models.CharField("площадка", max_length=255, help_text="Название и адрес площадки.")
    mentors = ParentalManyToManyField("cms.MentorPage", verbose_name="наставники", blank=True, related_name="events")
    description = RichTextField("описание")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="обложка",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attendance = models.PositiveIntegerField(
        "пришло участников",
        null=True,
        blank=True,
        help_text="Только для мероприятий, проведённых вне платформы. Если на мероприятие открыта регистрация, "
        "цифры берутся из отметок на входе — оставьте поле пустым.",
    )
    volunteers = models.PositiveIntegerField(
        "волонтёров",
        null=True,
        blank=True,
        help_text="Только для мероприятий вне платформы: при регистрации считаются волонтёры с подтверждёнными часами.",
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("region"), FieldPanel("town")]),
        FieldPanel("venue"),
        FieldPanel("mentors"),
        FieldPanel("description"),
        FieldPanel("cover"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("attendance"), FieldPanel("volunteers")])], heading="после мероприятия"
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("town"),
        index.FilterField("region"),
        index.FilterField("starts_at"),
    ]
    api_fields = [
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("region", serializer=RegionField()),
        APIField("town"),
        APIField("venue"),
        APIField("mentors", serializer=MentorsField()),
        APIField("description"),
        APIField("cover", serializer=ImageField()),
        APIField("attendance"),
        APIField("volunteers"),
    ]
    api_select_related = ["region", "cover"]
    api_prefetch_related = ["cover__renditions", "mentors__photo__renditions"]

    parent_page_types = ["cms.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_it_starts"
            ),
        ]

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "Мероприятие не может закончиться раньше, чем началось."})
