from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms"
    verbose_name = "Контент"

    def ready(self):
        post_migrate.connect(index_regions, sender=self)


def index_regions(sender, using="default", **kwargs):
    """Regions arrive by a data migration, which the search index never sees; index them so
    editors find a region by name in the admin's region chooser."""
    from wagtail.search.backends import get_search_backend

    from cms.models import Region

    get_search_backend().add_bulk(Region, list(Region.objects.using(using)))
