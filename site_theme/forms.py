"""Forms of the bundled site. They only parse input; the rules live in learning.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cms.models import Region
from config.errors import ServiceError
from learning import services as learning


class LoginForm(AuthenticationForm):
    """Email and password, checked by learning.services.check_login — the same rule as the API's sign-in,
    so a child waiting for the guardian's consent hears that, not «wrong password»."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    pending_student = None

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email and password:
            try:
                self.user_cache = learning.check_login(email, password)
            except learning.ConsentPending as pending:
                self.pending_student = pending.student
                raise forms.ValidationError(pending.message, code="consent_pending") from None
            except ServiceError as error:
                raise forms.ValidationError(
                    f"{error.message} Проверьте раскладку и попробуйте ещё раз.", code="invalid_login"
                ) from None
        return self.cleaned_data


class RegionSelect(forms.Select):
    """Regions with their codes (data-code), so the town field can ask /api/settlements/ by region."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        region = getattr(value, "instance", None)
        if region is not None:
            option["attrs"]["data-code"] = region.code
        return option


class RegistrationForm(forms.Form):
    first_name = forms.CharField(
        label="Имя", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    surname = forms.CharField(
        label="Фамилия",
        max_length=100,
        help_text="Не публикуется: на сайте видны только имя и первая буква фамилии.",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_date = forms.DateField(
        label="Дата рождения", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    region = forms.ModelChoiceField(
        label="Регион", queryset=None, empty_label="— выберите регион —", widget=RegionSelect
    )
    town = forms.CharField(
        label="Город или посёлок",
        max_length=150,
        help_text="Начните вводить название — подскажем из списка населённых пунктов.",
        # town.js fills the datalist from the town autocomplete API; without scripts it is a plain field.
        widget=forms.TextInput(
            attrs={"list": "town-options", "autocomplete": "off", "data-settlements-url": "/api/settlements/"}
        ),
    )
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Пароль",
        help_text="Не короче 8 символов, не только цифры.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    guardian_email = forms.EmailField(
        label="Email родителя",
        required=False,
        help_text="Обязательно, если вам меньше 14 лет: мы пришлём родителю ссылку для согласия.",
    )
    consent = forms.BooleanField(
        label="Мне 14 или больше, и я даю согласие на обработку персональных данных",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("name")

    def clean(self):
        """Every mistake at once, so a child fixes the form in one go: the registration rules every
        way in shares and the password's validators (the service checks both again when it creates
        the account; until then the first refusal hid the others)."""
        cleaned = super().clean()
        rules = ("first_name", "surname", "birth_date")
        if "guardian_email" in self.fields and all(cleaned.get(name) for name in rules):
            try:
                learning.check_student_rules(
                    email=cleaned.get("email", ""),
                    guardian_email=cleaned.get("guardian_email", ""),
                    consent=cleaned.get("consent", False),
                    **{name: cleaned[name] for name in rules},
                )
            except ServiceError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        if cleaned.get("password"):
            email = cleaned.get("email", "")
            candidate = get_user_model()(username=email, email=email, first_name=cleaned.get("first_name", ""))
            try:
                validate_password(cleaned["password"], candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class EmailCodeForm(forms.Form):
    """Adults sign in or sign up with one field: the email gets a one-time code (django-allauth)."""

    email = forms.EmailField(
        label="Электронная почта",
        help_text="Пришлём код из 8 знаков. Пароль не нужен, дата рождения тоже.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "id": "id_code_email"}),
    )


class StudentProfileForm(RegistrationForm):
    """The child's profile after signing in with VK ID: the registration form without a password,
    pre-filled with what VK returned (learning.services.social.vk_prefill)."""

    password = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = "На него придут новости конкурса. Не публикуется."


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label="Напишите УДАЛИТЬ, чтобы подтвердить",
        help_text="Имя, фамилия, email, дата рождения и файлы работ будут стёрты. Это нельзя отменить.",
    )

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip().upper() != "УДАЛИТЬ":
            raise forms.ValidationError(
                "Напишите слово УДАЛИТЬ большими буквами — так мы поймём, что это не случайность."
            )
        return self.cleaned_data["confirm"]


class SearchForm(forms.Form):
    q = forms.CharField(label="Что ищем?", max_length=200, required=False)


class ChildForm(RegistrationForm):
    """A guardian adds a child from the cabinet: the child's registration form without the parent's
    email (the guardian is signed in) and with the guardian's own consent instead of the child's."""

    guardian_consent = forms.BooleanField(
        label="Я родитель или законный представитель ребёнка и даю согласие на обработку его персональных данных",
        error_messages={"required": "Без вашего согласия мы не можем создать аккаунт ребёнка."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["guardian_email"]
        del self.fields["consent"]
        self.fields["email"].label = "Email ребёнка"
        self.fields["email"].help_text = "С ним ребёнок входит на сайт. Нужен свой, не ваш."
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["password"].label = "Пароль для ребёнка"
        self.fields[
            "password"
        ].help_text = "Его задаёте вы и сообщаете ребёнку сами. Не короче 8 символов, не только цифры."
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["surname"].widget.attrs["autocomplete"] = "off"


class GiveConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="Я родитель или законный представитель и даю согласие на обработку персональных данных ребёнка",
        error_messages={"required": "Отметьте согласие, чтобы вернуть аккаунт ребёнку."},
    )
