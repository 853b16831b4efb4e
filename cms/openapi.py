"""OpenAPI description of the content API (/api/v2/), built from the page models' `api_fields`, so
it cannot drift from what the endpoints return. drf-spectacular does not understand Wagtail's API
views; config/api_schema.py merges this into the schema that /api/docs/ shows."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.fields import RichTextField
from wagtail.fields import StreamField as StreamModelField
from wagtail.models import get_page_models

from cms import api_fields
from cms.age_bands import AgeBand
from cms.models import Region, Season

TAG = "Контент (Wagtail API v2)"

REF = "#/components/schemas/"


def ref(name):
    return {"$ref": REF + name}


COMMON_SCHEMAS = {
    "ContentImage": {
        "type": "object",
        "description": "Изображение как рендишн: url, размеры, alt и уменьшенная копия.",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "full_url": {"type": "string"},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "alt": {"type": "string"},
        },
        "additionalProperties": {
            "type": "object",
            "properties": {"url": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"}},
        },
    },
    "ContentPageLink": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "slug": {"type": "string"},
            "html_url": {"type": "string", "nullable": True},
        },
    },
    "ContentMentorLink": {
        "allOf": [
            ref("ContentPageLink"),
            {
                "type": "object",
                "properties": {"role": {"type": "string"}, "photo": {**ref("ContentImage"), "nullable": True}},
            },
        ]
    },
    "ContentSeason": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "starts_on": {"type": "string", "format": "date"},
            "ends_on": {"type": "string", "format": "date"},
        },
    },
    "ContentRegion": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "code": {"type": "string"}},
    },
    "ContentVideo": {
        "type": "object",
        "description": "Видео урока: HLS-плейлист и постер (null, пока видео не готово).",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": ["uploaded", "probing", "transcoding", "ready", "failed"]},
            "duration": {"type": "number", "nullable": True},
            "playlist_url": {"type": "string", "nullable": True},
            "poster_url": {"type": "string", "nullable": True},
            "thumbnails_url": {"type": "string", "nullable": True},
        },
    },
    "ContentDocument": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string"},
            "file_extension": {"type": "string"},
        },
    },
    "ContentPageMeta": {
        "type": "object",
        "properties": {
            "type": {"type": "string", "example": "cms.MasterclassPage"},
            "detail_url": {"type": "string"},
            "html_url": {"type": "string", "nullable": True},
            "slug": {"type": "string"},
            "show_in_menus": {"type": "boolean"},
            "seo_title": {"type": "string"},
            "search_description": {"type": "string"},
            "first_published_at": {"type": "string", "format": "date-time", "nullable": True},
            "alias_of": {"type": "object", "nullable": True},
            "locale": {"type": "string", "example": "ru"},
            "parent": {"type": "object", "nullable": True, "description": "Только в детальном ответе."},
        },
    },
    "ContentListingMeta": {"type": "object", "properties": {"total_count": {"type": "integer"}}},
    "ContentError": {
        "type": "object",
        "description": "Wagtail API's message plus the platform's error contract (code, detail, field).",
        "properties": {
            "message": {"type": "string", "example": "Неизвестный параметр запроса: colour."},
            "code": {"type": "string", "example": "unknown_query_parameter"},
            "detail": {"type": "string", "example": "Неизвестный параметр запроса: colour."},
            "field": {"type": "string", "nullable": True, "example": None},
        },
        "required": ["message", "code", "detail", "field"],
    },
    "ContentStreamBlock": {
        "type": "object",
        "description": "Блок тела страницы: paragraph (HTML), image, quote, video, gallery, call_to_action.",
        "properties": {"type": {"type": "string"}, "value": {}, "id": {"type": "string"}},
    },
}

SERIALIZER_SCHEMAS = {
    api_fields.ImageField: ref("ContentImage"),
    api_fields.MentorsField: {"type": "array", "items": ref("ContentMentorLink")},
    api_fields.MentorField: ref("ContentMentorLink"),
    api_fields.SeasonField: ref("ContentSeason"),
    api_fields.RegionField: ref("ContentRegion"),
    api_fields.VideoField: ref("ContentVideo"),
    api_fields.DocumentField: ref("ContentDocument"),
}


def field_schema(model, api_field):
    """The schema of one api_field of `model`."""
    serializer = api_field.serializer
    if isinstance(serializer, api_fields.DirectionField):
        return {"type": "array", "items": ref("ContentPageLink")} if serializer.many else ref("ContentPageLink")
    for serializer_class, schema in SERIALIZER_SCHEMAS.items():
        if isinstance(serializer, serializer_class):
            return schema
    try:
        field = model._meta.get_field(api_field.name)
    except FieldDoesNotExist:
        return property_schema(model, api_field.name)
    if isinstance(field, RichTextField):
        return {"type": "string", "format": "html"}
    if isinstance(field, StreamModelField):
        return {"type": "array", "items": ref("ContentStreamBlock")}
    if field.one_to_many and isinstance(getattr(field, "field", None), ParentalKey):
        return {"type": "array", "items": child_schema(field.related_model)}
    if isinstance(field, models.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, models.IntegerField | models.AutoField):
        return {"type": "integer", "nullable": field.null}
    if isinstance(field, models.FloatField):
        return {"type": "number", "nullable": field.null}
    if isinstance(field, models.DateTimeField):
        return {"type": "string", "format": "date-time", "nullable": field.null}
    if isinstance(field, models.DateField):
        return {"type": "string", "format": "date", "nullable": field.null}
    if isinstance(field, models.ForeignKey):
        return {"type": "object", "nullable": field.null}
    schema = {"type": "string"}
    if field.choices:
        schema["enum"] = [value for value, _ in field.flatchoices]
    return schema


def property_schema(model, name):
    documented = {
        "duration": {"type": "number", "nullable": True},
        "display_name": {"type": "string"},
        "is_current": {"type": "boolean"},
    }
    return documented.get(name, {"type": "string"})


def child_schema(model):
    properties = {"id": {"type": "integer"}}
    for api_field in model.api_fields:
        properties[api_field.name] = field_schema(model, api_field)
    return {"type": "object", "properties": properties}


def page_schema(model):
    properties = {"id": {"type": "integer"}, "meta": ref("ContentPageMeta"), "title": {"type": "string"}}
    for api_field in getattr(model, "api_fields", []):
        properties[api_field.name] = field_schema(model, api_field)
    return {"type": "object", "description": str(model._meta.verbose_name).capitalize(), "properties": properties}


def content_page_models():
    return [model for model in get_page_models() if model._meta.app_label == "cms"]


def parameter(name, description, schema=None, location="query"):
    return {
        "name": name,
        "in": location,
        "required": location == "path",
        "description": description,
        "schema": schema or {"type": "string"},
    }


def listing_response(item_schema):
    return {
        "200": {
            "description": "Список",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "meta": ref("ContentListingMeta"),
                            "items": {"type": "array", "items": item_schema},
                        },
                    }
                }
            },
        },
        "400": {"description": "Ошибка в параметрах", "content": {"application/json": {"schema": ref("ContentError")}}},
    }


def detail_response(schema):
    return {
        "200": {"description": "Объект", "content": {"application/json": {"schema": schema}}},
        "404": {"description": "Не найдено", "content": {"application/json": {"schema": ref("ContentError")}}},
    }


COMMON_PARAMETERS = [
    parameter("fields", "Поля через запятую; * — все поля, -поле — убрать поле."),
    parameter("limit", "Сколько элементов (не больше 100, по умолчанию 20).", {"type": "integer"}),
    parameter("offset", "Сколько элементов пропустить.", {"type": "integer"}),
    parameter("order", "Сортировка по полю; -поле — по убыванию; random — случайно."),
    parameter("search", "Полнотекстовый поиск (русская морфология на PostgreSQL)."),
]

PAGE_PARAMETERS = [
    parameter("type", "Тип страниц, например cms.MasterclassPage; открывает поля и фильтры этого типа."),
    parameter("child_of", "Дети страницы (id или root): уроки мастер-класса — child_of=<id мастер-класса>."),
    parameter("descendant_of", "Все потомки страницы (id)."),
    parameter("direction", "Направление (slug, например vocal, или id): мастер-классы и истории."),
    parameter("season", "Сезон (id или current): мастер-классы и истории."),
    parameter("mentor", "Наставник (id страницы наставника): мастер-классы.", {"type": "integer"}),
    parameter("age_band", "Возраст: мастер-классы.", {"type": "string", "enum": AgeBand.values}),
    parameter("region", "Регион (id): истории и мероприятия.", {"type": "integer"}),
    parameter("region_code", "Регион по коду субъекта (77 — Москва): истории и мероприятия."),
    parameter("kind", "Вид партнёра.", {"type": "string", "enum": ["creative", "foundation", "authority", "business"]}),
]


def content_api_schema(prefix="/api/v2"):
    """Paths and component schemas of the content API, as an OpenAPI 3 fragment."""
    page_models = content_page_models()
    schemas = dict(COMMON_SCHEMAS)
    for model in page_models:
        schemas[model.__name__] = page_schema(model)
    schemas["Season"] = child_schema(Season)
    schemas["Region"] = child_schema(Region)
    any_page = {"oneOf": [ref(model.__name__) for model in page_models]}
    id_parameter = parameter("id", "Идентификатор", {"type": "integer"}, location="path")

    def operation(summary, description, parameters, responses):
        return {
            "get": {
                "operationId": "",  # filled in below from the path
                "tags": [TAG],
                "summary": summary,
                "description": description,
                "parameters": parameters,
                "responses": responses,
            }
        }

    paths = {
        f"{prefix}/pages/": operation(
            "Опубликованные страницы",
            "Список опубликованных страниц. Без type — только общие поля; с type — поля этого типа и его фильтры. "
            "Тело страницы (body) отдаётся только в детальном ответе.",
            PAGE_PARAMETERS + COMMON_PARAMETERS,
            listing_response(any_page),
        ),
        f"{prefix}/pages/{{id}}/": operation(
            "Страница",
            "Опубликованная страница со всеми полями её типа.",
            [id_parameter, parameter("fields", "Поля через запятую.")],
            detail_response(any_page),
        ),
        f"{prefix}/pages/find/": operation(
            "Страница по адресу",
            "Перенаправляет на детальный ответ страницы с этим адресом на сайте.",
            [parameter("html_path", "Адрес страницы на сайте, например /directions/vocal/.")],
            {"302": {"description": "Перенаправление на /pages/{id}/"}, "404": {"description": "Не найдено"}},
        ),
        f"{prefix}/page_preview/": operation(
            "Черновик для предпросмотра",
            "Черновик страницы по токену предпросмотра из админки (параметры content_type и token из адреса "
            "предпросмотра). Токен действует PREVIEW_TOKEN_MAX_AGE секунд (по умолчанию час). "
            "Поддельный или изменённый токен — 403, устаревший — 410, неизвестный — 404.",
            [
                parameter("content_type", "Тип страницы, например cms.lessonpage."),
                parameter("token", "Подписанный токен предпросмотра."),
            ],
            {
                **detail_response(any_page),
                "400": {"description": "Нет токена", "content": {"application/json": {"schema": ref("ContentError")}}},
                "403": {"description": "Токен подделан или изменён"},
                "410": {"description": "Токен устарел"},
            },
        ),
        f"{prefix}/seasons/": operation(
            "Сезоны",
            "Сезоны, новые первыми; is_current отмечает текущий.",
            COMMON_PARAMETERS,
            listing_response(ref("Season")),
        ),
        f"{prefix}/seasons/{{id}}/": operation("Сезон", "", [id_parameter], detail_response(ref("Season"))),
        f"{prefix}/regions/": operation(
            "Регионы",
            "Все субъекты Российской Федерации; фильтр code (код субъекта).",
            [parameter("code", "Код субъекта, например 77."), *COMMON_PARAMETERS],
            listing_response(ref("Region")),
        ),
        f"{prefix}/regions/{{id}}/": operation("Регион", "", [id_parameter], detail_response(ref("Region"))),
        f"{prefix}/images/": operation(
            "Изображения", "Изображения медиатеки.", COMMON_PARAMETERS, listing_response({"type": "object"})
        ),
        f"{prefix}/images/{{id}}/": operation("Изображение", "", [id_parameter], detail_response({"type": "object"})),
        f"{prefix}/documents/": operation(
            "Документы", "Документы (материалы к урокам).", COMMON_PARAMETERS, listing_response({"type": "object"})
        ),
        f"{prefix}/documents/{{id}}/": operation("Документ", "", [id_parameter], detail_response({"type": "object"})),
    }
    for path, item in paths.items():
        words = [word for word in path.removeprefix(prefix).split("/") if word and not word.startswith("{")]
        item["get"]["operationId"] = "content_" + "_".join(words) + ("_retrieve" if path.endswith("}/") else "_list")
    return {"paths": paths, "components": {"schemas": schemas}, "tags": [{"name": TAG}]}
