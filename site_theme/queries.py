"""The gallery's query. Which works are public is the learning app's rule
(`learning.services.public_works`); this only adds what a card shows and the gallery's filters.
The cabinet's reads are learning's selectors (`learning/selectors.py`)."""

from django.db.models import Prefetch

from learning import services as learning
from learning.models import SubmissionFile

GALLERY_ORDERINGS = {
    "newest": ("-approved_at", "-pk"),
    "popular": ("-like_count", "-approved_at", "-pk"),  # the same choice as /api/gallery/?ordering=
}


def public_works(direction="", age_band="", region="", kind="", ordering="newest"):
    """Works a visitor may see (learning's rule), newest approval (or most likes) first, with what a
    card shows loaded up front, narrowed by the gallery's filters."""
    works = (
        learning.public_works()
        .select_related("student__region", "assignment__direction", "assignment__masterclass")
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.select_related("video")))
        .order_by(*GALLERY_ORDERINGS.get(ordering, GALLERY_ORDERINGS["newest"]))
    )
    if direction:
        works = works.filter(assignment__direction__slug=direction)
    if age_band:
        works = learning.by_author(works, age_band=age_band)
    if region:
        works = learning.by_author(works, student__region__code=region)
    if kind:
        works = learning.filter_by_kind(works, kind)
    return works
