"""Admin for engagement: campaigns (editors), coordinators, beneficiaries and transfers (each
foundation coordinator sees and edits only their own foundation's), and the moderators' screen to
void a fraudulent account."""

import functools
from pathlib import PurePath

from django import forms
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import URLPattern, path, reverse
from django.utils.text import capfirst
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, SnippetViewSet, SnippetViewSetGroup

from cms.models import PartnerPage
from config.errors import ServiceError
from engagement.admin_views import FOUNDATION_DOCUMENTS, VoidAccountView, foundation_document
from engagement.forms import RoublesField, roubles_label
from engagement.models import Beneficiary, Campaign, FoundationCoordinator, FoundationLogEntry, Transfer
from engagement.selectors import coordinated_foundation_id, own_foundation
from engagement.services.foundations import save_transfer

FOUNDATION_DOCUMENT_FIELDS = {field for _, field in FOUNDATION_DOCUMENTS.values()}


class CurrentDocument:
    def __init__(self, name, url):
        self.name, self.url = name, url

    def __str__(self):
        return self.name


class PrivateDocumentInput(forms.ClearableFileInput):
    """A foundation document's file input: the current file links to the admin's permission-checked
    download, never to a storage address."""

    download_url = ""

    def is_initial(self, value):
        return bool(value)

    def format_value(self, value):
        if self.is_initial(value):
            return CurrentDocument(PurePath(value.name).name, self.download_url)
        return None


class FoundationScopedForm(WagtailAdminModelForm):
    """Offers a coordinator only their own foundation (and its beneficiaries); the foundation's
    private document links to its permission-checked download."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        foundations = PartnerPage.objects.filter(kind="foundation").order_by("title")
        foundation_id = coordinated_foundation_id(for_user)
        if foundation_id is not None:
            foundations = foundations.filter(pk=foundation_id)
        self.fields["foundation"].widget = forms.Select()
        self.fields["foundation"].queryset = foundations
        if foundations.count() == 1:
            self.fields["foundation"].initial = foundations.first().pk
        if "beneficiary" in self.fields:
            self.fields["beneficiary"].queryset = own_foundation(
                Beneficiary.objects.select_related("foundation"), for_user
            )
        for name in FOUNDATION_DOCUMENT_FIELDS & set(self.fields):
            widget = PrivateDocumentInput()
            if self.instance.pk:
                widget.download_url = reverse(
                    "engagement_foundation_document", args=[self.instance._meta.model_name, self.instance.pk]
                )
            self.fields[name].widget = widget


class BeneficiaryForm(FoundationScopedForm):
    amount_needed = RoublesField(label="Нужно собрать, ₽")


class TransferForm(FoundationScopedForm):
    amount = RoublesField(label="Сумма перевода, ₽")

    def save(self, commit=True):
        transfer = super().save(commit=False)
        if commit:
            save_transfer(transfer)
        return transfer


class RefusalShownOnForm:
    """A create or edit view whose save a service may refuse (ServiceError): the refusal shows on
    the form, as a validation error would, and nothing is saved."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ServiceError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
            # What Wagtail's is_valid() sets when a form does not validate.
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


def yes_no(value):
    return "да" if value else "нет"


# Wagtail's Russian messages are feminine («… создана», «… обновлена») and quote in '…': a transfer
# («перевод») is masculine, so its views say it in their own words; a beneficiary's record is named
# «запись о подопечном» (feminine), which Wagtail's «Добавить …» and «N …» read right too.
class InOwnWords:
    """Says `success_message` as written (Wagtail's snippet views would pick their own)."""

    def get_success_message(self, instance=None):
        model_name = capfirst(self.model._meta.verbose_name)
        return self.success_message % {"model_name": model_name, "object": instance or self.object}


class TransferCreateView(InOwnWords, RefusalShownOnForm, CreateView):
    success_message = "%(model_name)s «%(object)s» создан."


class TransferEditView(InOwnWords, RefusalShownOnForm, EditView):
    success_message = "%(model_name)s «%(object)s» сохранён."


class TransferDeleteView(InOwnWords, DeleteView):
    success_message = "%(model_name)s «%(object)s» удалён."


class BeneficiaryCreateView(InOwnWords, CreateView):
    success_message = "%(model_name)s «%(object)s» создана."


class BeneficiaryEditView(InOwnWords, EditView):
    success_message = "%(model_name)s «%(object)s» сохранена."


class BeneficiaryDeleteView(InOwnWords, DeleteView):
    success_message = "%(model_name)s «%(object)s» удалена."


def own_records(model, request):
    return own_foundation(model._default_manager.all(), request.user)


class ScopedChooseView(chooser_views.ChooseView):
    def get_object_list(self):
        return own_records(self.model_class, self.request)


class ScopedChooseResultsView(chooser_views.ChooseResultsView):
    def get_object_list(self):
        return own_records(self.model_class, self.request)


class ScopedChosenView(chooser_views.SnippetChosenView):
    def get_object(self, pk):
        if not str(pk).isdigit():
            raise self.model_class.DoesNotExist
        return own_records(self.model_class, self.request).get(pk=pk)


class ScopedChosenMultipleView(chooser_views.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return own_records(self.model_class, self.request).filter(pk__in=[pk for pk in pks if pk.isdigit()])


class FoundationScopedChooserViewSet(chooser_views.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class FoundationScopedViewSet(SnippetViewSet):
    """A snippet that belongs to one foundation. Lists and the chooser offer a coordinator only
    their own foundation's records, and every view that names a record by its id (edit, copy,
    delete, history, usage, inspect, the chooser's chosen…) answers 404 for another foundation's:
    the check wraps the viewset's URLs, so views Wagtail adds later are covered too."""

    chooser_viewset_class = FoundationScopedChooserViewSet
    listing_select_related = []

    def get_queryset(self, request):
        return own_records(self.model, request).select_related(*self.listing_select_related)

    def get_urlpatterns(self):
        return [self.scoped(pattern) for pattern in super().get_urlpatterns()]

    def scoped(self, pattern):
        view, model = pattern.callback, self.model

        @functools.wraps(view)
        def view_of_own_record(request, *args, **kwargs):
            pk = unquote(str(kwargs.get("pk", "")))
            if "pk" in kwargs and not (
                pk.isdigit() and own_foundation(model._default_manager.filter(pk=pk), request.user).exists()
            ):
                raise Http404("Запись не найдена или относится к другому фонду.")
            return view(request, *args, **kwargs)

        return URLPattern(pattern.pattern, view_of_own_record, pattern.default_args, pattern.name)


class BeneficiaryViewSet(FoundationScopedViewSet):
    model = Beneficiary
    icon = "group"
    menu_label = "Подопечные"
    add_view_class = BeneficiaryCreateView
    edit_view_class = BeneficiaryEditView
    delete_view_class = BeneficiaryDeleteView
    list_display = [
        "first_name",
        "age",
        "region",
        "foundation",
        "verified_on",
        Column(
            "consent_to_publish", label="Есть согласие на публикацию", accessor=lambda b: yes_no(b.consent_to_publish)
        ),
    ]
    list_filter = ["consent_to_publish"]
    listing_select_related = ["region", "foundation"]
    edit_handler = ObjectList(
        [
            FieldPanel("foundation"),
            FieldPanel("first_name"),
            FieldPanel("age"),
            FieldPanel("region"),
            FieldPanel("diagnosis"),
            FieldPanel("amount_needed"),
            FieldPanel("verified_on"),
            FieldPanel("verification_document"),
            FieldPanel("consent_to_publish"),
            InlinePanel("updates", heading="Что было дальше", label="Новость"),
        ],
        base_form_class=BeneficiaryForm,
    )


class TransferViewSet(FoundationScopedViewSet):
    model = Transfer
    add_view_class = TransferCreateView
    edit_view_class = TransferEditView
    delete_view_class = TransferDeleteView
    icon = "doc-full"
    menu_label = "Переводы"
    list_display = [
        "transferred_on",
        "beneficiary",
        Column("amount", label="Сумма", accessor=lambda transfer: roubles_label(transfer.amount)),
        "campaign",
        "foundation",
        "payment_reference",
    ]
    listing_select_related = ["campaign", "foundation", "beneficiary"]
    edit_handler = ObjectList(
        [
            FieldPanel("campaign"),
            FieldPanel("foundation"),
            FieldPanel("beneficiary"),
            FieldPanel("amount"),
            FieldPanel("transferred_on"),
            FieldPanel("payment_reference"),
            FieldPanel("report_document"),
        ],
        base_form_class=TransferForm,
    )


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "pick"
    menu_label = "Кампании"
    list_display = [
        "name",
        "season",
        "starts_at",
        "ends_at",
        Column("cap", label="Бюджет спонсора (предел)", accessor=lambda campaign: roubles_label(campaign.cap)),
    ]


class FoundationCoordinatorViewSet(SnippetViewSet):
    model = FoundationCoordinator
    icon = "user"
    menu_label = "Координаторы фондов"
    list_display = ["user", "foundation"]


class EngagementViewSetGroup(SnippetViewSetGroup):
    menu_label = "Благотворительность"
    menu_icon = "pick"
    menu_order = 400
    items = [CampaignViewSet, BeneficiaryViewSet, TransferViewSet, FoundationCoordinatorViewSet]


register_snippet(EngagementViewSetGroup)


@hooks.register("register_log_actions")
def log_foundation_records_apart(actions):
    actions.register_model(Beneficiary, FoundationLogEntry)
    actions.register_model(Transfer, FoundationLogEntry)


@hooks.register("register_admin_urls")
def register_void_account_url():
    return [
        path("engagement/void-account/", VoidAccountView.as_view(), name="engagement_void_account"),
        path(
            "engagement/documents/<str:model_name>/<int:pk>/",
            foundation_document,
            name="engagement_foundation_document",
        ),
    ]


class VoidAccountMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("engagement.void_account")


@hooks.register("register_admin_menu_item")
def register_void_account_menu_item():
    return VoidAccountMenuItem(
        "Аннулировать аккаунт", reverse("engagement_void_account"), icon_name="warning", order=450
    )
