"""Forms for the measure settings: comparator figures and RAG thresholds (GOV.UK components)."""

from __future__ import annotations

from typing import cast

from django import forms

from divert.core.forms import GovForm
from divert.kpis.catalogue import measure_catalogue, measure_choices
from divert.reference.models import ComparatorFigure


def _number(label: str, required: bool = True, **kwargs) -> forms.FloatField:
    return forms.FloatField(label=label, required=required, error_messages={
        "required": f"Enter the {label.lower()}", "invalid": f"The {label.lower()} must be a number"}, **kwargs)


class ComparatorFigureForm(GovForm):
    """A published figure for a comparator, for one measure and period."""

    measure_key = forms.ChoiceField(label="Measure", error_messages={"required": "Choose the measure"})
    period_label = forms.CharField(label="Period", max_length=40, help_text=(
        "As the measures page shows it for this measure, for example 2025-26 Q1, 2024, "
        "12 months to June 2025 or Oct-Dec 2023"), error_messages={"required": "Enter the period"})
    comparator = forms.ChoiceField(label="Comparator", choices=ComparatorFigure.Comparator.choices,
                                   widget=forms.RadioSelect, error_messages={"required": "Choose the comparator"})
    value = _number("Value", help_text="In the measure's unit: percentages for rates shown as %, for example 32.5")
    source = forms.CharField(label="Source", max_length=200, required=False,
                             help_text="For example, YJB youth justice statistics 2024")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["measure_key"]).choices = [("", "Choose a measure"), *measure_choices()]


class RagThresholdForm(GovForm):
    """One measure's green and red bounds and its direction (the rules about the bounds are
    `set_rag_threshold`'s, so one place refuses them)."""

    measure_key = forms.ChoiceField(label="Measure", error_messages={"required": "Choose the measure"})
    higher_is_better = forms.ChoiceField(
        label="Which is better?", choices=[("higher", "Higher is better"), ("lower", "Lower is better")],
        widget=forms.RadioSelect, error_messages={"required": "Say whether higher or lower is better"})
    green = _number("Green bound", required=False, help_text=(
        "Green at or beyond this value. In the measure's unit: percentages for rates shown as %, for example 80"))
    red = _number("Red bound", required=False, help_text=(
        "Red beyond this value; amber between the two bounds"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["measure_key"]).choices = [("", "Choose a measure"), *measure_choices()]


def is_percentage(measure_key: str) -> bool:
    """True for measures shown as percentages (entered as percentages, stored as 0-1)."""
    return any(m.key == measure_key and m.unit == "proportion" for m in measure_catalogue())
