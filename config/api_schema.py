"""OpenAPI schema hooks (drf-spectacular)."""

from cms.openapi import content_api_schema

EXCLUDED_PREFIXES = ("/api/v2/", "/admin/")


def platform_endpoints_only(endpoints):
    """Describe the platform's own API under /api/; Wagtail's admin API is internal, and the content
    API (/api/v2/) is described by the cms app."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/api/") and not endpoint[0].startswith(EXCLUDED_PREFIXES)
    ]


def add_content_api(result, generator, request, public):
    """Merge the content API's description (built by cms.openapi from the page models) into the
    schema, so /api/docs/ shows /api/v2/ next to the platform's own endpoints."""
    content = content_api_schema()
    result.setdefault("paths", {}).update(content["paths"])
    result.setdefault("components", {}).setdefault("schemas", {}).update(content["components"]["schemas"])
    result["tags"] = [*result.get("tags", []), *content["tags"]]
    return result
