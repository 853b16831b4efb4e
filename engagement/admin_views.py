"""The moderator's screen: void every action of a fraudulent account in one step."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from engagement import services


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
                self.add_error("username", f"Аккаунта с логином «{username}» нет.")
            data["actor"] = user
        else:
            data["actor"] = services.VkActor(vk_id)
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
        written = services.void_account(actor, form.cleaned_data["reason"])
        messages.success(self.request, f"Записано компенсаций: {written}. Деньги аккаунта больше не считаются.")
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("engagement_void_account")
