"""Receivers of the cms app, connected in `CmsConfig.ready()`."""

from wagtail.search.backends import get_search_backend

from cms.models import Region


def index_regions(sender, using="default", **kwargs):
    """post_migrate: regions arrive by a data migration, which the search index never sees; index
    them so editors find a region by name in the admin's region chooser."""
    get_search_backend().add_bulk(Region, list(Region.objects.using(using)))
