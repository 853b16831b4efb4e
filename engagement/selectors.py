"""Reads of the engagement app that more than one screen needs."""

from engagement.models import Campaign


def coordinated_foundation_id(user):
    """The foundation a coordinator keeps; None for everyone else (editors, superusers see all)."""
    link = getattr(user, "coordinator", None) if user and user.is_authenticated else None
    return link.foundation_id if link else None


def own_foundation(queryset, user):
    """Beneficiaries or transfers `user` may see: a coordinator's own foundation's, all of them for
    editors (who may see the coordinators) and superusers, none for anyone else."""
    foundation_id = coordinated_foundation_id(user)
    if foundation_id is not None:
        return queryset.filter(foundation_id=foundation_id)
    if user.is_superuser or user.has_perm("engagement.view_foundationcoordinator"):
        return queryset
    return queryset.none()


def campaign_of_season(season):
    """The season's campaign (None when the season collects nothing)."""
    return Campaign.objects.filter(season=season).first()
