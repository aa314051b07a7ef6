"""GOV.UK Design System form helpers: a day/month/year date field and field rendering hints."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from divert.core.dates import check_date_in_range


class DateInputWidget(forms.MultiWidget):
    """The GOV.UK date input: separate day, month and year boxes."""

    template_name = "web/widgets/date_input.html"

    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}),
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}),
            forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-4"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        """Split a date into day, month and year."""
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        """Label each box."""
        context = super().get_context(name, value, attrs)
        for sub, label in zip(context["widget"]["subwidgets"], ["Day", "Month", "Year"], strict=True):
            sub["label"] = label
        return context


class DateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages."""

    widget = DateInputWidget

    def __init__(self, *, label_lower: str = "date", **kwargs):
        self.label_lower = label_lower
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        """Turn day, month and year into a date, or explain what is wrong."""
        if not data_list or not any(data_list):
            if self.required:
                raise ValidationError(f"Enter the {self.label_lower}")
            return None
        day, month, year = (str(x or "").strip() for x in data_list)
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(f"The {self.label_lower} must include a {' and '.join(missing)}")
        try:
            value = dt.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"The {self.label_lower} must be a real date") from exc
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        try:
            return check_date_in_range(value, label=self.label_lower)
        except ValueError as exc:
            raise ValidationError(str(exc).rstrip(".")) from exc

    def clean(self, value):
        """MultiValueField's own required checks give unhelpful messages; use ours."""
        if isinstance(value, list | tuple):
            return self.compress(list(value))
        return super().clean(value)


class ActionChoiceField(forms.ChoiceField):
    """Offers a list of codes; a value outside it is refused by the action, not the form.

    So a tampered form and the API get the same refusal from the one rule in the action.
    """

    def valid_value(self, value) -> bool:
        """Any value goes through to the action, which checks it against the list."""
        return True


class ActionMultipleChoiceField(forms.MultipleChoiceField):
    """Offers a list of codes (several may be chosen); the action refuses values outside it."""

    def valid_value(self, value) -> bool:
        """Any value goes through to the action, which checks it against the list."""
        return True


class GovForm(forms.Form):
    """A form whose fields render as GOV.UK components (see web/includes/field.html)."""

    def add_domain_error(self, error) -> None:
        """Attach a DomainError from an action to its field, or to the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
