"""Admin: each event's registration settings (snippets, with a link to its screen of registrations,
waiting list, attendance, volunteers and exports) and the volunteer shifts."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from events import admin_views, selectors
from events.models import Event, VolunteerShift


@hooks.register("register_admin_urls")
def events_admin_urls():
    return [
        path("events/mine/", admin_views.my_events, name="events_admin_mine"),
        path("events/<int:pk>/", admin_views.event_detail, name="events_admin_detail"),
        path("events/<int:pk>/export/<slug:what>.csv", admin_views.export, name="events_admin_export"),
    ]


class EventIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            ListingMenuItem(
                "Участники и посещаемость",
                reverse("events_admin_detail", args=[instance.pk]),
                icon_name="group",
                priority=5,
            )
        )
        return buttons


class EventViewSet(SnippetViewSet):
    model = Event
    icon = "date"
    menu_label = "Регистрация"
    index_view_class = EventIndexView
    list_display = ["page", "capacity", "age_limits", "registration_open"]
    list_filter = ["registration_open"]
    search_fields = ["page__title"]
    search_backend_name = None


class VolunteerShiftViewSet(SnippetViewSet):
    model = VolunteerShift
    icon = "user"
    menu_label = "Смены волонтёров"
    list_display = ["role", "event", "starts_at", "places"]
    list_filter = ["event"]


class EventsViewSetGroup(SnippetViewSetGroup):
    menu_label = "Офлайн-мероприятия"
    menu_icon = "date"
    menu_order = 270
    items = (EventViewSet, VolunteerShiftViewSet)


register_snippet(EventsViewSetGroup)


class CoordinatedEventsMenuItem(MenuItem):
    """«Мои мероприятия» for an event's coordinator, who has no other way to their events' screens
    (editors reach them through «Офлайн-мероприятия»)."""

    def is_shown(self, request):
        return bool(selectors.coordinated_events(request.user))


@hooks.register("register_admin_menu_item")
def coordinated_events_menu_item():
    return CoordinatedEventsMenuItem("Мои мероприятия", reverse("events_admin_mine"), icon_name="date", order=265)
