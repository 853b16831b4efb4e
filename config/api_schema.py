"""OpenAPI schema hooks (drf-spectacular)."""

EXCLUDED_PREFIXES = ("/api/v2/", "/admin/")


def platform_endpoints_only(endpoints):
    """Describe the platform's own API under /api/; Wagtail's admin API is internal, and the content
    API (/api/v2/) is described by the cms app."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/api/") and not endpoint[0].startswith(EXCLUDED_PREFIXES)
    ]
