"""Site search over the content people look for: directions, masterclasses, lessons, mentors and
winner stories. Wagtail's database backend; on PostgreSQL with the Russian text search
configuration (settings: WAGTAILSEARCH_BACKENDS), so «вокала» finds «вокал»."""

from wagtail.models import Page

SEARCHABLE_TYPES = ("DirectionPage", "MasterclassPage", "LessonPage", "MentorPage", "WinnerStoryPage")


def search_content(query, limit=20):
    """Live, public pages of the searchable types that match `query`, best first."""
    from cms import models

    page_types = [getattr(models, name) for name in SEARCHABLE_TYPES]
    pages = Page.objects.live().public().type(*page_types).specific()
    return list(pages.search(query)[:limit])
