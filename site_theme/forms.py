"""Forms of the bundled site. They only parse input; the rules live in learning.services."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    error_messages = {
        "invalid_login": "Неверный email или пароль. Проверьте раскладку и попробуйте ещё раз.",
        "inactive": "Аккаунт ещё не активирован: родитель должен подтвердить согласие по ссылке из письма.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


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
    region = forms.ModelChoiceField(label="Регион", queryset=None, empty_label="— выберите регион —")
    town = forms.CharField(label="Город или посёлок", max_length=150)
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
        label="Мне 14 или больше, и я согласен(на) на обработку персональных данных",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        from cms.models import Region

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("name")


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
