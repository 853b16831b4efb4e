"""Admin screens: the moderator's voiding of a fraudulent account, and the one door to
foundations' private documents."""

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports.audit_logging import LogEntriesView

from config.text import quoted
from engagement.actors import VkActor
from engagement.models import Beneficiary, Transfer
from engagement.selectors import own_foundation
from engagement.services.ledger import void_account

FOUNDATION_DOCUMENTS = {
    "beneficiary": (Beneficiary, "verification_document"),
    "transfer": (Transfer, "report_document"),
}


class VoidAccountForm(forms.Form):
    username = forms.CharField(label="Логин аккаунта на платформе", required=False)
    vk_id = forms.IntegerField(label="или id пользователя ВКонтакте", required=False, min_value=1)
    reason = forms.CharField(label="Причина (попадёт в журнал)", max_length=150)

    def clean(self):
        data = super().clean()
        username, vk_id = data.get("username"), data.get("vk_id")
        # Errors go on the username field: the admin's generic form template shows field errors.
        if bool(username) == bool(vk_id):
            self.add_error("username", "Укажите либо логин аккаунта, либо id ВКонтакте — что-то одно.")
        elif username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                self.add_error("username", f"Аккаунта с логином {quoted(username)} нет.")
            data["actor"] = user
        else:
            data["actor"] = VkActor(vk_id)
        return data


class VoidAccountView(WagtailAdminTemplateMixin, FormView):
    form_class = VoidAccountForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = "Аннулировать действия аккаунта"
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("engagement.void_account"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse("engagement_void_account"),
            submit_button_label="Аннулировать все действия",
            submit_button_active_label="Аннулирую…",
            **kwargs,
        )

    def form_valid(self, form):
        actor = form.cleaned_data["actor"]
        written = void_account(actor, form.cleaned_data["reason"])
        messages.success(self.request, f"Записано компенсаций: {written}. Деньги аккаунта больше не считаются.")
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("engagement_void_account")


def foundation_document(request, model_name, pk):
    """A beneficiary's verification document or a transfer's report, as a download, to those who
    may see the record in the admin (its foundation's coordinators, editors); 404 to anyone else."""
    if model_name not in FOUNDATION_DOCUMENTS or not request.user.has_perm(f"engagement.view_{model_name}"):
        raise Http404
    model, field = FOUNDATION_DOCUMENTS[model_name]
    record = own_foundation(model.objects.all(), request.user).filter(pk=pk).first()
    stored = getattr(record, field, None)
    if not stored:
        raise Http404("Документа нет или он относится к другому фонду.")
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=PurePath(stored.name).name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history over its two log models and the foundations' own (FoundationLogEntry).

    Wagtail unions the log models one by one, so a third one nests a union inside the union, and
    Django gives the inner one its first model's default ordering: SQLite (the `make run` database)
    refuses an ORDER BY inside a compound statement, and the report answered 500. The inner unions
    are left unordered; the report orders the whole, as Wagtail's does."""

    def get_filtered_queryset(self):
        queryset = super().get_filtered_queryset()
        nested = list(queryset.query.combined_queries)
        while nested:
            query = nested.pop()
            if query.combinator:
                query.clear_ordering(force=True, clear_default=True)
                nested.extend(query.combined_queries)
        return queryset
