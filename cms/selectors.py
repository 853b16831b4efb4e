"""Reads other apps make of the content tree and its snippets (the season report, settlements)."""

from django.db.models import Count, Q

from cms.models import DirectionPage, LessonPage, MasterclassPage, PartnerPage, Region


def season_lessons(season, direction=None):
    """Lessons of the season's masterclasses (under one direction, if given): lessons sit under them."""
    masterclasses = MasterclassPage.objects.filter(season=season)
    if direction is not None:
        masterclasses = masterclasses.descendant_of(direction)
    paths = list(masterclasses.values_list("path", flat=True))
    if not paths:
        return LessonPage.objects.none()
    under_any = Q()
    for path in paths:
        under_any |= Q(path__startswith=path)
    return LessonPage.objects.filter(under_any)


def live_directions():
    """(id, title) of every published direction, in the tree's order."""
    return list(DirectionPage.objects.live().order_by("path").values_list("pk", "title"))


def regions_by_name():
    """(id, code, name) of every federal subject, by name."""
    return list(Region.objects.order_by("name").values_list("pk", "code", "name"))


def region_ids_by_code():
    """{subject code: region id}."""
    return dict(Region.objects.values_list("code", "pk"))


def partners_by_kind():
    """(kind label, published partners of that kind) for every kind, none left out. Pages come
    ordered by tree path, which would split the GROUP BY: hence the empty order_by()."""
    counts = dict(PartnerPage.objects.live().order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return [(label, counts.get(kind, 0)) for kind, label in PartnerPage.Kind.choices]
