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


def make_contest(*, jurors_per_work=1):
    """A direction with a masterclass of two lessons, an open assignment and a winner-story index:
    what moderation, the jury and results need."""
    import datetime

    from django.utils import timezone

    from cms.models import (
        DirectionIndexPage,
        DirectionPage,
        HomePage,
        LessonPage,
        MasterclassPage,
        MentorIndexPage,
        MentorPage,
        WinnerStoryIndexPage,
    )
    from learning.models import Assignment, RubricCriterion
    from tests.factories import add_child, make_season

    home = HomePage.objects.get()
    season = make_season()
    directions = add_child(home, DirectionIndexPage(title="Направления", slug="directions"))
    add_child(home, WinnerStoryIndexPage(title="Истории победителей", slug="stories"))
    mentors = add_child(home, MentorIndexPage(title="Наставники", slug="mentors"))
    mentor = add_child(mentors, MentorPage(title="Мария Голосова", role="певица", bio="<p>Поёт.</p>"))
    direction = add_child(directions, DirectionPage(title="Вокал", slug="vocal", description="<p>Пение.</p>"))
    masterclass = add_child(
        direction,
        MasterclassPage(
            title="Голос с нуля", mentor=mentor, season=season, age_band="14-18", description="<p>Курс.</p>"
        ),
    )
    lessons = [
        add_child(masterclass, LessonPage(title=title, summary="Кратко", text="<p>Урок.</p>"))
        for title in ("Дыхание", "Опора")
    ]
    now = timezone.now()
    assignment = Assignment.objects.create(
        title="Спой любимую песню",
        direction=direction,
        season=season,
        masterclass=masterclass,
        task="Запишите песню.",
        opens_at=now - datetime.timedelta(days=7),
        closes_at=now + datetime.timedelta(days=30),
        age_bands=["6-9", "10-13", "14-18"],
        allowed_kinds=["text", "image"],
        jurors_per_work=jurors_per_work,
        winner_opportunity="Выступление на сцене",
    )
    RubricCriterion.objects.create(assignment=assignment, name="Исполнение", max_points=10, sort_order=0)
    return {
        "season": season,
        "direction": direction,
        "masterclass": masterclass,
        "lessons": lessons,
        "assignment": assignment,
    }
