"""Forms for the data protection pages: a retention rule, and confirming a retention run."""

from __future__ import annotations

from django import forms

from divert.core.forms import GovForm
from divert.privacy.models import Anchor, RetentionAction


class RetentionRuleForm(GovForm):
    """How long one type of record is kept, from which date, and what happens then."""

    anchor = forms.ChoiceField(label="Count the period from", choices=Anchor.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose the date the period is counted from"})
    years = forms.IntegerField(label="Number of years", min_value=1, max_value=100,
                               error_messages={"required": "Enter the number of years",
                                               "invalid": "The number of years must be a whole number",
                                               "min_value": "The number of years must be 1 or more",
                                               "max_value": "The number of years must be 100 or fewer"})
    action = forms.ChoiceField(label="When the period has passed", choices=RetentionAction.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose whether to anonymise or delete"})


class ConfirmRunForm(GovForm):
    """Confirm a retention run: it cannot be undone."""

    confirm = forms.MultipleChoiceField(
        label="Confirm",
        choices=[("yes", "I understand that the records listed will be deleted or anonymised now, "
                         "and that this cannot be undone")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Confirm that you understand the records will be deleted or anonymised"},
    )


class MergeForm(GovForm):
    """Which record is the duplicate, and why."""

    duplicate_id = forms.IntegerField(label="Record number of the duplicate", min_value=1,
                                      help_text="Shown on the duplicate's record, after 'Record number'")
    reason = forms.CharField(label="Why are these the same child?", max_length=300,
                             error_messages={"required": "Give the reason these are the same child"})
