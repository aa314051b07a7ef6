"""Forms for the web import: upload a police extract, decide a queued match."""

from __future__ import annotations

from typing import cast

from django import forms

from divert.core.forms import DateField, GovForm
from divert.imports.formats import IMPORTABLE_KINDS
from divert.imports.models import ColumnMapping
from divert.imports.parsing import max_bytes
from divert.offending.models import DataSource

ON_PROBLEMS = [
    ("refuse", "Import nothing until every row is valid"),
    ("valid_rows", "Import the valid rows and put the rejected rows in an error file"),
]


class UploadForm(GovForm):
    """A police extract with the source it comes from and the date its data is complete to."""

    file = forms.FileField(
        label="Police extract",
        help_text="A CSV or Excel (.xlsx) file in the documented format, or with a saved column mapping.",
        error_messages={"required": "Choose the file to import"},
    )
    source = forms.ModelChoiceField(
        queryset=DataSource.objects.none(), label="Data source", empty_label=None,
        error_messages={"required": "Choose the data source"},
    )
    complete_to = DateField(
        label="Data complete to", label_lower="date the data is complete to",
        help_text="Everything up to and including this date is in this file or earlier ones. For example, 31 5 2025",
    )
    mapping = forms.ModelChoiceField(
        queryset=ColumnMapping.objects.none(), required=False, label="Column mapping",
        empty_label="None: the file uses Divert's column headings",
    )
    on_problems = forms.ChoiceField(
        choices=ON_PROBLEMS, widget=forms.RadioSelect,  # nothing chosen until the officer chooses
        label="If some rows have problems",
        error_messages={"required": "Choose what to do if some rows have problems"},
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        source = cast(forms.ModelChoiceField, self.fields["source"])
        source.queryset = DataSource.objects.filter(
            organisation=organisation, kind__in=IMPORTABLE_KINDS
        ).order_by("name")
        mapping = cast(forms.ModelChoiceField, self.fields["mapping"])
        mapping.queryset = ColumnMapping.objects.filter(organisation=organisation)

    def clean_file(self):
        """Refuse files over the size limit before reading them."""
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                f"The file must be smaller than {max_bytes() / 1_048_576:.0f} MB: split it into smaller files"
            )
        return upload


class ReviewForm(GovForm):
    """Which child a queued person is, or that they are new, or that the rows are discarded."""

    decision = forms.ChoiceField(widget=forms.RadioSelect, label="Who is this?",
                                 error_messages={"required": "Choose who this is"})

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"child:{child.pk}", label) for child, label in candidates]
        choices += [("new_child", "A child not yet known to the service: record a new child"),
                    ("discarded", "Not for this service: discard these rows")]
        cast(forms.ChoiceField, self.fields["decision"]).choices = choices
