"""Forms for entering reference data and measure settings (GOV.UK components)."""

from __future__ import annotations

from django import forms

from divert.core.forms import DateField, GovForm
from divert.imports.parsing import max_bytes
from divert.offending.codes import YJBOffenceCategory
from divert.people.codes import EthnicGroup, Sex
from divert.reference.models import BoardMeeting

SECTOR_LABELS = {
    "social_care": "Children's social care",
    "education": "Education",
    "police": "Police",
    "probation": "Probation",
    "health": "Health",
}
SECTOR_CHOICES = [(s, SECTOR_LABELS[s]) for s in BoardMeeting.SECTORS]


class PopulationCellForm(GovForm):
    """One population figure: year, area, age, sex, ethnic group, count and source."""

    year = forms.IntegerField(label="Year", min_value=1990, max_value=2100, help_text="For example, 2024",
                              error_messages={"required": "Enter the year", "invalid": "The year must be a number",
                                              "min_value": "The year must be 1990 or later",
                                              "max_value": "The year must be 2100 or earlier"})
    area_code = forms.CharField(label="Area code", max_length=12, help_text="ONS area code, for example E06000016",
                                error_messages={"required": "Enter the area code"})
    age = forms.IntegerField(label="Age", min_value=10, max_value=17, help_text="From 10 to 17",
                             error_messages={"required": "Enter the age", "invalid": "The age must be a number",
                                             "min_value": "The age must be from 10 to 17",
                                             "max_value": "The age must be from 10 to 17"})
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect,
                            error_messages={"required": "Choose the sex"})
    ethnic_group = forms.ChoiceField(label="Ethnic group", choices=EthnicGroup.choices,
                                     error_messages={"required": "Choose the ethnic group"})
    count = forms.IntegerField(label="Number of children", min_value=0,
                               error_messages={"required": "Enter the number of children",
                                               "invalid": "The number of children must be a whole number",
                                               "min_value": "The number of children cannot be negative"})
    source = forms.CharField(label="Source", max_length=200,
                             help_text="For example, ONS mid-year estimate 2024; Census 2021 ethnic split",
                             error_messages={"required": "Say where the figure comes from"})


class PopulationImportForm(GovForm):
    """A CSV or Excel file of population figures in the documented format."""

    file = forms.FileField(label="Population file", help_text=(
        "A CSV or Excel (.xlsx) file with the columns year, area_code, age, sex, ethnic_group, count and source."),
        error_messages={"required": "Choose the file to import"})

    def clean_file(self):
        """Refuse files over the size limit before reading them."""
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(f"The file must be smaller than {max_bytes() / 1_048_576:.0f} MB")
        return upload


class BoardMeetingForm(GovForm):
    """A management board meeting and the sectors represented by a senior partner (KPI 8)."""

    date = DateField(label="Date of the meeting", label_lower="date of the meeting",
                     help_text="For example, 14 5 2025")
    sectors = forms.MultipleChoiceField(
        label="Sectors represented by a senior partner", choices=SECTOR_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Select all that sent a senior partner",
    )


class OffenceTypeForm(GovForm):
    """One row of the organisation's offence reference."""

    code = forms.CharField(label="Offence code", max_length=20, help_text="For example, the Home Office code 104/39",
                           error_messages={"required": "Enter the offence code"})
    description = forms.CharField(label="Description", max_length=200,
                                  error_messages={"required": "Enter the description of the offence"})
    yjb_category = forms.ChoiceField(label="YJB offence category", choices=YJBOffenceCategory.choices,
                                     error_messages={"required": "Choose the YJB offence category"})
    seriousness = forms.IntegerField(
        label="Seriousness score (optional)", required=False, min_value=1, max_value=8,
        help_text="From 1 to 8, as in the YJB's seriousness scoring. Leave blank if not scored: KPI 9 shows it as not scored",
        error_messages={"invalid": "The seriousness score must be a whole number",
                        "min_value": "The seriousness score must be from 1 to 8",
                        "max_value": "The seriousness score must be from 1 to 8"})


class OffenceTypeImportForm(PopulationImportForm):
    """A CSV or Excel file of offence reference rows in the documented format."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Offence reference file"
        self.fields["file"].help_text = ("A CSV or Excel (.xlsx) file with the columns code, description, "
                                         "yjb_category and seriousness (optional).")
