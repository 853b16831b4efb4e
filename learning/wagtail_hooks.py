"""Admin registration: moderation queue, results screen, and snippets for assignments, jury and reasons."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from learning import admin_views, selectors
from learning.models import Assignment, JuryMember, RejectionReason
from learning.services import roles


@hooks.register("register_admin_urls")
def learning_admin_urls():
    return [
        path("learning/moderation/", admin_views.moderation_queue, name="learning_moderation"),
        path("learning/suspicious/", admin_views.suspicious_activity, name="learning_suspicious_activity"),
        path(
            "learning/suspicious/void/", admin_views.void_suspicious_cluster, name="learning_suspicious_activity_void"
        ),
        path("learning/moderation/log/", admin_views.decision_log, name="learning_moderation_log"),
        path("learning/moderation/<int:pk>/approve/", admin_views.approve, name="learning_moderation_approve"),
        path("learning/moderation/<int:pk>/reject/", admin_views.reject, name="learning_moderation_reject"),
        path("learning/moderation/<int:pk>/keep/", admin_views.keep, name="learning_moderation_keep"),
        path("learning/moderation/<int:pk>/shortlist/", admin_views.shortlist, name="learning_moderation_shortlist"),
        path("learning/shortlist/", admin_views.shortlist_candidates, name="learning_shortlist"),
        path("learning/jury/", admin_views.jury_index, name="learning_jury"),
        path("learning/jury/declare/<int:pk>/", admin_views.jury_declare, name="learning_jury_declare"),
        path("learning/jury/<str:code>/", admin_views.jury_work, name="learning_jury_work"),
        path("learning/appeals/", admin_views.appeal_queue, name="learning_appeals"),
        path("learning/appeals/<int:pk>/decide/", admin_views.decide_appeal, name="learning_appeal_decide"),
        path("learning/results/", admin_views.results_index, name="learning_results_index"),
        path("learning/results/<int:pk>/", admin_views.results, name="learning_results"),
    ]


class ModerationMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_moderator(request.user)


class ResultsMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_editor(request.user) or admin_views.mentor_assignments(request.user).exists()


class SuspiciousActivityMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("engagement.void_account")


@hooks.register("register_admin_menu_item")
def suspicious_activity_menu_item():
    return SuspiciousActivityMenuItem(
        "Подозрительная активность", reverse("learning_suspicious_activity"), icon_name="warning", order=451
    )


@hooks.register("register_admin_menu_item")
def moderation_menu_item():
    return ModerationMenuItem("Модерация работ", reverse("learning_moderation"), icon_name="tick-inverse", order=250)


class ShortlistMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.shortlist_assignments(request.user).exists()


@hooks.register("register_admin_menu_item")
def shortlist_menu_item():
    return ShortlistMenuItem("Шорт-лист", reverse("learning_shortlist"), icon_name="pick", order=252)


class JuryMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_juror(request.user)


@hooks.register("register_admin_menu_item")
def jury_menu_item():
    return JuryMenuItem("Оценка работ", reverse("learning_jury"), icon_name="pick", order=255)


class AppealsMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_editor(request.user)


@hooks.register("register_admin_menu_item")
def appeals_menu_item():
    return AppealsMenuItem("Апелляции", reverse("learning_appeals"), icon_name="help", order=262)


@hooks.register("register_admin_menu_item")
def results_menu_item():
    return ResultsMenuItem("Итоги конкурса", reverse("learning_results_index"), icon_name="success", order=260)


class AssignmentViewSet(SnippetViewSet):
    model = Assignment
    icon = "tasks"
    menu_label = "Задания"
    list_display = ["title", "direction", "season", "opens_at", "closes_at"]
    list_filter = ["season", "direction"]


class AdultSearchForm(BaseFilterForm):
    q = forms.CharField(
        label="Имя, фамилия или email",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Поиск взрослого аккаунта"}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching, self.search_query = True, query
            objects = objects & selectors.adults_for_jury(query)
        return objects


class AdultChooserMixin:
    """The jury-seat form's account chooser: adults only (students' accounts never appear), searched
    by name or email instead of one dropdown of every account."""

    filter_form_class = AdultSearchForm
    per_page = 20

    def get_object_list(self):
        return selectors.adults_for_jury()

    @property
    def columns(self):
        return [self.title_column, Column("email", label="Email", accessor="email")]


class AdultChooseView(AdultChooserMixin, chooser_views.ChooseView):
    pass


class AdultChooseResultsView(AdultChooserMixin, chooser_views.ChooseResultsView):
    pass


class AdultChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return selectors.adults_for_jury().get(pk=pk)


class AdultChooserViewSet(ChooserViewSet):
    model = get_user_model()
    icon = "user"
    choose_one_text = "Выбрать взрослого"
    choose_another_text = "Выбрать другого"
    edit_item_text = "Изменить"
    register_widget = False  # only the jury seat's form uses it
    choose_view_class = AdultChooseView
    choose_results_view_class = AdultChooseResultsView
    chosen_view_class = AdultChosenView


adult_chooser_viewset = AdultChooserViewSet("jury_adult_chooser", url_prefix="learning/jury-adults")


@hooks.register("register_admin_viewset")
def register_adult_chooser():
    return adult_chooser_viewset


class JuryMemberViewSet(SnippetViewSet):
    model = JuryMember
    icon = "group"
    menu_label = "Жюри"
    list_display = ["user", "role", "direction", "season"]
    list_filter = ["role", "season", "direction"]
    panels = [
        FieldPanel("user", widget=adult_chooser_viewset.widget_class),
        FieldPanel("direction"),
        FieldPanel("season"),
        FieldPanel("role"),
    ]


class RejectionReasonViewSet(SnippetViewSet):
    model = RejectionReason
    icon = "comment"
    menu_label = "Причины отклонения"
    list_display = ["title", "sort_order"]


class ContestViewSetGroup(SnippetViewSetGroup):
    menu_label = "Конкурс"
    menu_icon = "pick"
    menu_order = 240
    items = (AssignmentViewSet, JuryMemberViewSet, RejectionReasonViewSet)


register_snippet(ContestViewSetGroup)
