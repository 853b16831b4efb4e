"""Admin registration: the snippets' listings, and the mentors' limits in the page editor; the
stylesheet of the project's own admin screens."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Region, Season


class SeasonViewSet(SnippetViewSet):
    model = Season
    icon = "date"
    menu_label = "Сезоны"
    list_display = ["name", "starts_on", "ends_on", "is_current"]
    list_filter = ["starts_on"]
    ordering = ["-starts_on"]
    add_to_admin_menu = True
    menu_order = 300


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "site"
    menu_label = "Регионы"
    list_display = ["name", "code"]
    # Regions come from a data migration, which the search index never sees: search the table itself.
    search_backend_name = None
    search_fields = ["name", "code"]
    ordering = ["name"]
    add_to_admin_menu = True
    menu_order = 310


register_snippet(SeasonViewSet)
register_snippet(RegionViewSet)


@hooks.register("insert_global_admin_css")
def admin_screens_css():
    """Narrow-screen and wide-table rules of the project's admin screens (moderation, jury, appeals,
    season report, certificates, videos): their controls wrap and their tables scroll in place."""
    return format_html('<link rel="stylesheet" href="{}">', static("cms/admin-screens.css"))
