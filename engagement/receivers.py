"""Engagement's signal receivers, connected in EngagementConfig.ready()."""

from engagement.services.slots import distribute_cap


def share_cap_among_slots(sender, instance, raw=False, **kwargs):
    """A saved campaign (new, or its cap changed) gets its counter slots and their share of the cap.
    Fixtures loaded raw are left as they are, as before (Campaign.save never ran for them)."""
    if not raw:
        distribute_cap(instance)
