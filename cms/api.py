"""Content API endpoints (Wagtail API v2), registered on the router in config/api.py.

- pages: live pages, with the filters front ends need (see `ContentFilter`), related objects
  loaded in a fixed number of queries whatever the page size, lessons in tree order;
- seasons, regions: the snippets;
- page_preview: a draft behind a signed, unexpired preview token (see cms.preview).
"""

import re

from django.db.models import BooleanField as BooleanExpression
from django.db.models import Case, Q, Value, When
from django.http import Http404
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response
from wagtail.api.v2.filters import FieldsFilter, OrderingFilter, SearchFilter
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from cms.models import DirectionPage, MasterclassPage, Region, Season
from cms.preview import PreviewTokenError, page_from_token
from config.errors import ServiceError
from config.text import quoted

# Wagtail's own API errors are English; a person reading them here reads Russian. Each has a
# stable code (and the query parameter it is about, when there is one) for clients to branch on.
ERROR_TRANSLATIONS = [
    (
        r"query parameter is not an operation or a recognised field: (.*)",
        "Неизвестный параметр запроса: {0}.",
        "unknown_query_parameter",
        None,
    ),
    (r"type doesn't exist", "Такого типа страниц нет. Пример: type=cms.MasterclassPage.", "unknown_page_type", "type"),
    (r"limit cannot be higher than (\d+)", "Слишком большой limit: не больше {0}.", "limit_too_high", "limit"),
    (r"limit must be a positive integer", "limit должен быть целым неотрицательным числом.", "limit_invalid", "limit"),
    (
        r"offset must be a positive integer",
        "offset должен быть целым неотрицательным числом.",
        "offset_invalid",
        "offset",
    ),
    (
        r"child_of must be a positive integer",
        "child_of должен быть номером страницы (id) или root.",
        "child_of_invalid",
        "child_of",
    ),
    (
        r"descendant_of must be a positive integer",
        "descendant_of должен быть номером страницы (id).",
        "descendant_of_invalid",
        "descendant_of",
    ),
    (
        r"ancestor_of must be a positive integer",
        "ancestor_of должен быть номером страницы (id).",
        "ancestor_of_invalid",
        "ancestor_of",
    ),
    (
        r"parent page doesn't exist",
        "Страница, указанная в child_of, не найдена или не опубликована.",
        "parent_page_not_found",
        "child_of",
    ),
    (
        r"ancestor page doesn't exist",
        "Страница, указанная в descendant_of, не найдена или не опубликована.",
        "ancestor_page_not_found",
        "descendant_of",
    ),
    (
        r"descendant page doesn't exist",
        "Страница, указанная в ancestor_of, не найдена или не опубликована.",
        "descendant_page_not_found",
        "ancestor_of",
    ),
    (
        r"field filter error\. '(.*)' is not a valid value for (\w+).*",
        "Недопустимое значение «{0}» для {1}.",
        "filter_value_invalid",
        None,
    ),
    (
        r"cannot order by '(.*)' \(unknown field\)",
        "Нельзя сортировать по «{0}»: такого поля нет.",
        "order_unknown_field",
        "order",
    ),
    (r"fields error: (.*)", "Ошибка в параметре fields: {0}.", "fields_invalid", "fields"),
    (r"unknown fields: (.*)", "Неизвестные поля: {0}.", "fields_unknown", "fields"),
    (
        r"filtering by (.*) is not supported",
        "Фильтр по {0} вместе с поиском не поддерживается.",
        "search_filter_unsupported",
        None,
    ),
    (r"search is disabled", "Поиск отключён.", "search_disabled", "search"),
    (r"not found", "Не найдено.", "not_found", None),
]


def translate_error(message, status=400):
    """Wagtail's English message → (Russian message, code, field); an unknown one keeps its text and
    gets the code of its status."""
    for pattern, russian, code, field in ERROR_TRANSLATIONS:
        if match := re.fullmatch(pattern, message):
            return russian.format(*match.groups()), code, field
    return message, "not_found" if status == 404 else "invalid", None


def content_error(message, code, field=None):
    """An error of the content API: Wagtail API's `message` (what its clients read) plus the
    platform's contract (`code`, `detail`, `field`; config.errors), so a client reads one shape."""
    return {"message": message, "code": code, "detail": message, "field": field}


class ContentQueryError(BadRequestError):
    """A query the content API refuses (400), with a Russian message and a stable code."""

    def __init__(self, message, code, field=None):
        super().__init__(message)
        self.code = code
        self.field = field


class ContentPagination(WagtailPagination):
    """Wagtail's offset/limit pages; an offset past the end is an empty page, found without asking
    the database for it (an offset past what its integers hold would be a server error)."""

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        if int(request.GET.get("offset", 0)) >= self.total_count:
            return []
        return page


class RussianErrorsMixin:
    pagination_class = ContentPagination

    def handle_exception(self, exc):
        if isinstance(exc, ContentQueryError):
            return Response(content_error(str(exc), exc.code, exc.field), status=400)
        if isinstance(exc, ServiceError):
            return Response(content_error(exc.message, exc.code, exc.field), status=exc.status)
        response = super().handle_exception(exc)
        if isinstance(getattr(response, "data", None), dict) and "message" in response.data:
            response.data = content_error(*translate_error(str(response.data["message"]), response.status_code))
        return response


class ContentFilter(BaseFilterBackend):
    """Filters that need more than a field lookup:

    - `direction`: a direction's slug or id (masterclasses under it, stories about it);
    - `season`: a season id or `current`;
    - `region_code`: a region's two-digit code (stories, events).
    """

    handled = ("direction", "season", "region_code")

    def filter_queryset(self, request, queryset, view):
        model = queryset.model
        if value := request.GET.get("direction"):
            lookup = Q(slug=value) | Q(pk=value) if value.isdigit() else Q(slug=value)
            direction = DirectionPage.objects.live().filter(lookup).first()
            if direction is None:
                raise ContentQueryError(
                    f"Направление {quoted(value)} не найдено. Укажите slug (например, vocal) или id.",
                    "direction_not_found",
                    "direction",
                )
            if issubclass(model, MasterclassPage):
                queryset = queryset.child_of(direction)
            elif has_field(model, "direction"):
                queryset = queryset.filter(direction=direction)
            else:
                raise ContentQueryError(
                    "Фильтр direction работает для type=cms.MasterclassPage и cms.WinnerStoryPage.",
                    "direction_filter_unsupported",
                    "direction",
                )
        if value := request.GET.get("season"):
            if not has_field(model, "season"):
                raise ContentQueryError(
                    "Фильтр season работает для мастер-классов и историй: укажите type.",
                    "season_filter_unsupported",
                    "season",
                )
            if value == "current":
                season = Season.current()
            elif value.isdigit():
                season = Season.objects.filter(pk=value).first()
            else:
                season = None
            if season is None:
                raise ContentQueryError(
                    f"Сезон {quoted(value)} не найден. Укажите id сезона или current.", "season_not_found", "season"
                )
            queryset = queryset.filter(season=season)
        if value := request.GET.get("region_code"):
            if not has_field(model, "region"):
                raise ContentQueryError(
                    "Фильтр region_code работает для историй и мероприятий: укажите type.",
                    "region_filter_unsupported",
                    "region_code",
                )
            queryset = queryset.filter(region__code=value)
        return queryset


def has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


class FieldLookupFilter(FieldsFilter):
    """Wagtail's `?field=value` filter (mentor=, age_band=, region=, kind=...) minus the parameters
    `ContentFilter` handles."""

    class Params:
        def __init__(self, query):
            self.GET = query

    def filter_queryset(self, request, queryset, view):
        query = request.GET.copy()
        for name in ContentFilter.handled:
            query.pop(name, None)
        return super().filter_queryset(self.Params(query), queryset, view)


class ContentPagesAPIViewSet(RussianErrorsMixin, PagesAPIViewSet):
    filter_backends = [ContentFilter, FieldLookupFilter, *PagesAPIViewSet.filter_backends[1:]]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["direction", "season", "region_code"])
    # The StreamField body is for a page's own view: a listing would resolve every block of every item.
    detail_only_fields = [*PagesAPIViewSet.detail_only_fields, "body"]

    def get_queryset(self):
        queryset = super().get_queryset()
        model = queryset.model
        queryset = queryset.select_related("locale", *getattr(model, "api_select_related", []))
        if prefetch := getattr(model, "api_prefetch_related", None):
            queryset = queryset.prefetch_related(*prefetch)
        # Tree order by default, so lessons come in the order editors arranged them.
        return queryset.order_by("path")

    def paginate_queryset(self, queryset):
        items = list(super().paginate_queryset(queryset))
        if prepare := getattr(queryset.model, "api_prepare_listing", None):
            prepare(items)
        return items


class SeasonsAPIViewSet(RussianErrorsMixin, BaseAPIViewSet):
    """Seasons, newest first; `is_current` marks the one running today."""

    model = Season
    filter_backends = [FieldsFilter, OrderingFilter, SearchFilter]
    body_fields = [*BaseAPIViewSet.body_fields, "name", "starts_on", "ends_on", "is_current"]
    listing_default_fields = [*BaseAPIViewSet.listing_default_fields, "name", "starts_on", "ends_on", "is_current"]
    name = "seasons"

    def get_queryset(self):
        current = Season.current()
        return Season.objects.annotate(
            current_flag=Case(
                When(pk=current.pk if current else None, then=Value(True)),
                default=Value(False),
                output_field=BooleanExpression(),
            )
        ).order_by("-starts_on")


class RegionsAPIViewSet(RussianErrorsMixin, BaseAPIViewSet):
    """All federal subjects, by name; filter by `code`."""

    model = Region
    filter_backends = [FieldsFilter, OrderingFilter, SearchFilter]
    body_fields = [*BaseAPIViewSet.body_fields, "name", "code"]
    listing_default_fields = [*BaseAPIViewSet.listing_default_fields, "name", "code"]
    name = "regions"

    def get_queryset(self):
        return Region.objects.order_by("name")


class ContentImagesAPIViewSet(RussianErrorsMixin, ImagesAPIViewSet):
    pass


class ContentDocumentsAPIViewSet(RussianErrorsMixin, DocumentsAPIViewSet):
    pass


class PagePreviewAPIViewSet(RussianErrorsMixin, PagesAPIViewSet):
    """A draft as the pages endpoint would show it once published, for a front end holding a
    preview token from the admin: `GET /api/v2/page_preview/?content_type=cms.lessonpage&token=…`.
    Forged or altered tokens get 403, expired ones 410, unknown ones 404."""

    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["token", "content_type"])
    meta_fields = [field for field in PagesAPIViewSet.meta_fields if field != "parent"]
    detail_only_fields = []
    name = "page_preview"

    def listing_view(self, request):
        try:
            page = page_from_token(request.GET.get("token", ""), content_type=request.GET.get("content_type"))
        except PreviewTokenError as error:
            return Response(
                content_error(error.message, error.code, "token"),
                status=error.status_code,
                headers={"Cache-Control": "no-store"},
            )
        self.action = "detail_view"
        self._cached_object = page
        serializer = self.get_serializer(page)
        return Response(serializer.data, headers={"Cache-Control": "no-store, private"})

    def detail_view(self, request, pk):
        raise Http404("not found")
