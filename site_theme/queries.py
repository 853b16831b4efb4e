"""The gallery's query. Which works are public is the learning app's rule
(`learning.selectors.public_works`, with its filters); this only adds what a card shows.
The cabinet's reads are learning's selectors too (`learning/selectors.py`)."""

from django.db.models import Prefetch

from learning import selectors as learning
from learning.models import SubmissionFile


def public_works(direction="", age_band="", region="", kind="", ordering="newest"):
    """Works a visitor may see (learning's rule), newest approval (or most likes) first, with what a
    card shows loaded up front, narrowed by the gallery's filters."""
    works = learning.order_works(
        learning.public_works()
        .select_related("student__region", "assignment__direction", "assignment__masterclass")
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.select_related("video"))),
        ordering,
    )
    works = learning.filter_works(works, direction=direction, kind=kind)
    if age_band:
        works = learning.by_author(works, age_band=age_band)
    if region:
        works = learning.by_author(works, student__region__code=region)
    return works
