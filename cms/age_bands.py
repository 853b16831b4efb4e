"""Age bands: the audience of a masterclass and the bucket a contest work is counted in. Defined
here, the lowest app that needs them; learning, reports and the site import them."""

from django.db import models
from django.utils.translation import ngettext


class AgeBand(models.TextChoices):
    YOUNGER = "6-9", "6–9 лет"
    MIDDLE = "10-13", "10–13 лет"
    OLDER = "14-18", "14–18 лет"

    @property
    def short_label(self):
        """The label without «лет», for chart legends: «6–9»."""
        return self.label.removesuffix(" лет")


def age_band_for(age):
    """The band of an age in years (None: no band, "")."""
    if age is None:
        return ""
    if age <= 9:
        return AgeBand.YOUNGER.value
    if age <= 13:
        return AgeBand.MIDDLE.value
    return AgeBand.OLDER.value


def years(age):
    """«7 лет», «21 год», «3 года» — the Russian plural of an age."""
    return f"{age} {ngettext('year', 'years', age)}"
