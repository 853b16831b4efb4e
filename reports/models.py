"""The list of Russian settlements with population that registration and the season report read."""

from django.db import models


class Settlement(models.Model):
    """A Russian town or village of 1,000+ people from GeoNames (CC BY 4.0), see reports.settlements.

    Also carries the permission to read the season report (editors get it), as the report has no
    model of its own.
    """

    geonames_id = models.PositiveIntegerField("идентификатор GeoNames", unique=True)
    name = models.CharField("название", max_length=150)
    name_key = models.CharField("название для поиска", max_length=150, db_index=True, editable=False)
    region = models.ForeignKey(
        "cms.Region", verbose_name="регион", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    population = models.PositiveIntegerField("население")

    class Meta:
        verbose_name = "населённый пункт"
        verbose_name_plural = "населённые пункты"
        ordering = ["-population", "name"]
        permissions = [("view_season_report", "Может смотреть отчёт сезона")]

    def __str__(self):
        return f"{self.name} ({self.population:,} чел.)".replace(",", " ")
