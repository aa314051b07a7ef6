"""Forms for finding and recording a child."""

from __future__ import annotations

from django import forms

from divert.core.forms import ActionChoiceField, DateField, GovForm
from divert.people.codes import Ethnicity, Sex
from divert.people.models import AttemptResolution


class FindChildForm(GovForm):
    """Search before creating a child, so the same child is not recorded twice."""

    name = forms.CharField(label="Name", required=False, max_length=100)
    date_of_birth = DateField(label="Date of birth", label_lower="date of birth", required=False)
    identifier = forms.CharField(label="Local ID or police ID", required=False, max_length=40)

    def clean(self):
        """At least one thing to search on."""
        data = super().clean()
        if not (data.get("name") or data.get("date_of_birth") or data.get("identifier")):
            raise forms.ValidationError("Enter a name, a date of birth or an ID to search for")
        return data


class ChildForm(GovForm):
    """A new child's details."""

    first_name = forms.CharField(label="First name", max_length=100, error_messages={"required": "Enter the child's first name"})
    last_name = forms.CharField(label="Last name", max_length=100, error_messages={"required": "Enter the child's last name"})
    preferred_name = forms.CharField(label="Name they like to be called (optional)", max_length=100, required=False)
    date_of_birth = DateField(label="Date of birth", label_lower="date of birth", help_text="For example, 27 3 2010")
    sex = ActionChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect, error_messages={"required": "Select the child's sex"})
    gender = forms.CharField(label="Gender, in the child's words (optional)", max_length=60, required=False)
    ethnicity = ActionChoiceField(label="Ethnicity", choices=Ethnicity.choices, initial=Ethnicity.NOT_OBTAINED)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    area_code = forms.CharField(label="Area code (optional)", max_length=12, required=False, help_text="Ward or LSOA code")
    school = forms.CharField(label="School or college (optional)", max_length=200, required=False)
    local_id = forms.CharField(label="Local ID (optional)", max_length=40, required=False)
    police_id = forms.CharField(label="Police ID (optional)", max_length=40, required=False)
    confirm_not_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CorrectDetailsForm(ChildForm):
    """Correct a child's details; the reason is kept with the old and new values."""

    reason = forms.CharField(
        label="Why are you correcting these details?", max_length=300, widget=forms.Textarea,
        help_text="For example: the school gave the correct date of birth, or the child asked",
        error_messages={"required": "Give the reason for the correction"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["confirm_not_duplicate"]


class RestrictRecordForm(GovForm):
    """Restrict the record from a named person."""

    user = forms.ModelChoiceField(label="Who should not see this record?", queryset=None,
                                  empty_label="Choose a person", error_messages={"required": "Choose the person"})
    reason = forms.CharField(
        label="Why?", max_length=300, widget=forms.Textarea,
        help_text="For example: a conflict of interest, or they know the family",
        error_messages={"required": "Give the reason for restricting this record"},
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: u.display_name


class LiftRestrictionForm(GovForm):
    """Lift a restriction; a reason is optional."""

    reason = forms.CharField(label="Why is the restriction being lifted? (optional)", max_length=300,
                             widget=forms.Textarea, required=False)


class ProcessingRestrictionForm(GovForm):
    """Restrict processing of the child's data, or lift the restriction, with a reason."""

    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea,
                             error_messages={"required": "Give the reason"})


class ResolveAttemptForm(GovForm):
    """A manager's decision on a new child held because it matched a record."""

    resolution = ActionChoiceField(label="Is this the same child?", choices=AttemptResolution.choices,
                                   widget=forms.RadioSelect, error_messages={"required": "Choose what to do"})
    note = forms.CharField(label="Note (optional)", max_length=300, widget=forms.Textarea, required=False,
                           help_text="For example, what you told the worker")
