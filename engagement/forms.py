"""Admin form fields of the engagement app."""

from decimal import Decimal, InvalidOperation

from django import forms

KOPECKS_PER_ROUBLE = 100
MAX_ROUBLES = 10**9  # a sanity bound for one typed amount, far above any real transfer


def roubles_label(kopecks):
    """150000 -> "1 500 ₽", 150050 -> "1 500,50 ₽" (non-breaking spaces, as Russians write)."""
    whole, kopecks = divmod(int(kopecks or 0), KOPECKS_PER_ROUBLE)
    text = f"{whole:,}".replace(",", "\u00a0") + (f",{kopecks:02d}" if kopecks else "")
    return text + "\u00a0₽"


def roubles_text(kopecks):
    """150000 -> "1500", 150050 -> "1500,50": how a coordinator would type the amount back."""
    whole, kopecks = divmod(int(kopecks), KOPECKS_PER_ROUBLE)
    return f"{whole},{kopecks:02d}" if kopecks else str(whole)


class RoublesField(forms.Field):
    """An amount typed in roubles («1500», «1 500», «1500,50», «1500 ₽»), cleaned to integer kopecks,
    the unit the ledger and transfers are stored in."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": "Введите сумму в рублях числом, например 1500 или 1500,50.",
        "kopecks": "После запятой — не больше двух знаков (копейки), например 1500,50.",
        "positive": "Сумма должна быть больше нуля.",
        "too_large": "Проверьте сумму: она больше миллиарда рублей.",
    }

    def __init__(self, *, help_text="В рублях, например 1500 (копейки — через запятую: 1500,50).", **kwargs):
        super().__init__(help_text=help_text, **kwargs)

    def prepare_value(self, value):
        # The instance holds kopecks (an int); typed input comes back as the text it was.
        return roubles_text(value) if isinstance(value, int) else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.removesuffix("₽").removesuffix("руб.").removesuffix("руб").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if amount <= 0:
            raise forms.ValidationError(self.error_messages["positive"], code="positive")
        if amount > MAX_ROUBLES:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(self.error_messages["kopecks"], code="kopecks")
        return int(amount * KOPECKS_PER_ROUBLE)

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial) != self.to_python(data)
        except forms.ValidationError:
            return True
