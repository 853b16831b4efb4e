"""Builders for the notifications tests and bench: messenger links as the real flows make them."""


def link_messengers(user, *, vk_id=None, chat_id=None):
    """Connect VK (as VK's message_allow with our key does) and Telegram (as /start <token> does)."""
    from notifications.models import Channel
    from notifications.services import preferences

    if vk_id is not None:
        preferences.vk_messages_allowed(vk_id, preferences.link_for(user, Channel.VK).token)
    if chat_id is not None:
        preferences.connect_telegram(preferences.link_for(user, Channel.TELEGRAM).token, chat_id)
    return user


def switch_on_everything(user):
    """Every kind on every channel (some kinds' email is off by default)."""
    from notifications.models import Channel, Kind
    from notifications.services import preferences

    preferences.set_preferences(user, {(k, c) for k in Kind.values for c in Channel.values}, weekly_digest=False)
