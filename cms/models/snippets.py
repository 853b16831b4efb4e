"""Snippets: reference data that pages point at (seasons, regions)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.search import index

from config.text import quoted


class Season(index.Indexed, models.Model):
    """A school year of the project (September–May). Which one is current follows from the dates."""

    name = models.CharField("название", max_length=100, unique=True, help_text="Например, «Сезон 2026/27».")
    starts_on = models.DateField("начало")
    ends_on = models.DateField("окончание")

    panels = [FieldPanel("name"), FieldPanel("starts_on"), FieldPanel("ends_on")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    api_fields = [
        APIField("name"),
        APIField("starts_on"),
        APIField("ends_on"),
        APIField("is_current", serializer=serializers.BooleanField(read_only=True)),
    ]

    class Meta:
        verbose_name = "сезон"
        verbose_name_plural = "сезоны"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="season_ends_after_it_starts"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on:
            if self.ends_on <= self.starts_on:
                raise ValidationError({"ends_on": "Сезон должен заканчиваться позже, чем начинается."})
            overlapping = Season.objects.filter(starts_on__lte=self.ends_on, ends_on__gte=self.starts_on)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            if other := overlapping.first():
                raise ValidationError(f"Даты пересекаются с сезоном {quoted(other)}. Сезоны не должны накладываться.")

    @classmethod
    def current(cls, today=None):
        """The season running today; between seasons (summer), the one that ended last. None if there is none."""
        today = today or timezone.localdate()
        running = cls.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
        return running or cls.objects.filter(starts_on__lte=today).order_by("-starts_on").first()

    @property
    def is_current(self):
        if hasattr(self, "current_flag"):  # annotated by listings, to spare a query per row
            return self.current_flag
        current = Season.current()
        return current is not None and current.pk == self.pk


class Region(index.Indexed, models.Model):
    """A federal subject of Russia. `code` is the two-digit subject code (as on car plates: 77 is Moscow)
    and never changes, so other systems and the demo can refer to a region by it."""

    name = models.CharField("название", max_length=100, unique=True)
    code = models.CharField("код субъекта", max_length=2, unique=True)

    panels = [FieldPanel("name"), FieldPanel("code")]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("code"),
        index.AutocompleteField("code"),
        index.FilterField("code"),
    ]
    api_fields = [APIField("name"), APIField("code")]

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self):
        return self.name
