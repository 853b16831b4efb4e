"""Every field a template of the bundled site shows is in the page type's api_fields, so any other
front end can show the same page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.models import get_page_models

# What the API gives every page without api_fields (title, slug, id, meta.parent...).
PAGE_BUILTINS = {"title", "slug", "pk", "id", "url", "full_url", "get_parent", "specific", "get_url", "seo_title"}
TEMPLATES = Path(settings.BASE_DIR) / "site_theme" / "templates"


def shown_fields(template):
    names = set()
    for name in re.findall(r"\bpage\.([a-z_]+)", template.read_text()):
        display = re.fullmatch(r"get_(\w+)_display", name)
        names.add(display.group(1) if display else name)
    return names - PAGE_BUILTINS


@pytest.mark.parametrize(
    "model", [m for m in get_page_models() if m._meta.app_label == "cms"], ids=lambda model: model.__name__
)
def test_template_fields_are_in_api_fields(model):
    template = TEMPLATES / model.template
    if not template.exists():
        pytest.fail(f"{model.__name__} has no template at {template}")
    api_names = {field.name for field in getattr(model, "api_fields", [])}
    assert shown_fields(template) <= api_names, model.__name__
