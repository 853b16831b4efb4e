"""`{% notifications_badge %}`: the bell with the unread count in the site's header."""

from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/badge.html", takes_context=True)
def notifications_badge(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {"signed_in": signed_in, "unread": selectors.unread_count(user) if signed_in else 0}
