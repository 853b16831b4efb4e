"""The gallery's and the moderation queue's filters: the query parameters and their schema; the
filtering itself is learning.selectors' (shared with the admin's queue and the site's gallery)."""

import django_filters

from learning import selectors
from learning.models import AGE_BANDS, Submission


class GalleryFilter(django_filters.FilterSet):
    direction = django_filters.CharFilter(method="by_direction", label="направление (slug)")
    season = django_filters.NumberFilter(field_name="assignment__season_id", label="сезон (id)")
    region = django_filters.CharFilter(method="by_author", label="регион (код)")
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_author", label="возрастная группа")
    ordering = django_filters.ChoiceFilter(
        choices=[("newest", "сначала новые"), ("popular", "больше лайков")], method="order", label="порядок"
    )
    AUTHOR_LOOKUPS = {"region": "student__region__code", "age_band": "age_band"}

    class Meta:
        model = Submission
        fields = ["direction", "season", "region", "age_band", "ordering"]

    def by_author(self, queryset, name, value):
        return selectors.by_author(queryset, **{self.AUTHOR_LOOKUPS[name]: value})

    def by_direction(self, queryset, name, value):
        return selectors.by_direction(queryset, value)

    def order(self, queryset, name, value):
        return selectors.order_works(queryset, value)


class ModerationFilter(django_filters.FilterSet):
    direction = django_filters.CharFilter(method="by_direction", label="направление (slug)")
    kind = django_filters.ChoiceFilter(choices=selectors.WORK_KINDS, method="by_kind", label="вид работы")

    class Meta:
        model = Submission
        fields = ["direction", "kind"]

    def by_direction(self, queryset, name, value):
        return selectors.by_direction(queryset, value)

    def by_kind(self, queryset, name, value):
        return selectors.filter_by_kind(queryset, value)
