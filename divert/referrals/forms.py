"""Forms for the front of the pathway."""

from __future__ import annotations

from django import forms

from divert.core.forms import ActionChoiceField, ActionMultipleChoiceField, DateField, GovForm
from divert.offending.models import OffenceType
from divert.referrals.codes import Agency, Concern, Decision, ScreeningDecision, Source


class ReferralForm(GovForm):
    """A new referral, with an optional linked offence."""

    programme = ActionChoiceField(label="Programme")
    source = ActionChoiceField(label="Where did the referral come from?", choices=Source.choices,
                               widget=forms.RadioSelect, error_messages={"required": "Select where the referral came from"})
    received_on = DateField(label="Date received", label_lower="date the referral was received")
    reason = forms.CharField(label="Reason for referral", widget=forms.Textarea, required=False,
                             help_text="What happened and what the referrer is worried about")
    offence_type = forms.ModelChoiceField(label="Offence (optional)", queryset=OffenceType.objects.none(), required=False,
                                          empty_label="No offence")
    offence_date = DateField(label="Date of the offence (optional)", label_lower="date of the offence", required=False)
    gravity_score = forms.TypedChoiceField(label="Police gravity score (optional)", required=False, coerce=int,
                                           empty_value=None, choices=[("", "Not known")] + [(i, str(i)) for i in range(1, 6)])

    def __init__(self, *args, programmes, offence_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(p.pk, p.name) for p in programmes]
        self.fields["offence_type"].queryset = offence_types
        exclusions = sorted({e for p in programmes for e in (p.exclusions or [])})
        if exclusions:
            self.fields["exclusion"] = ActionChoiceField(
                label="Does an exclusion apply?", required=False,
                choices=[("", "No exclusion applies")] + [(e, e) for e in exclusions])

    def clean(self):
        """An offence needs its date."""
        data = super().clean()
        if data.get("offence_type") and not data.get("offence_date"):
            self.add_error("offence_date", "Enter the date of the offence")
        return data


class ScreeningForm(GovForm):
    """The screening decision with the concerns checklist."""

    concerns = ActionMultipleChoiceField(label="Concerns", choices=Concern.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple, help_text="Select all that apply")
    decision = ActionChoiceField(label="Screening decision", choices=ScreeningDecision.choices, widget=forms.RadioSelect,
                                 error_messages={"required": "Select the screening decision"})
    agency = ActionChoiceField(label="If screened out, which agency?", choices=[("", "Not screened out")] + Agency.choices,
                               required=False)
    tier = ActionChoiceField(label="If support, what level?", required=False)
    decided_on = DateField(label="Date of decision", label_lower="date of the decision")
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea, required=False)

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Not applicable")] + [(t.number, str(t)) for t in tiers]


class OfferForm(GovForm):
    """The date support was offered."""

    offered_on = DateField(label="Date support was offered", label_lower="date support was offered")


ANSWERS = [(Decision.ACCEPTED, "Accepted"), (Decision.DECLINED, "Declined"), (Decision.NO_RESPONSE, "No response")]


class ConsentForm(GovForm):
    """The child's (and, where needed, the parent's) answer."""

    child_decision = ActionChoiceField(label="The child's answer", choices=ANSWERS, widget=forms.RadioSelect,
                                       error_messages={"required": "Select the child's answer"})
    parent_decision = ActionChoiceField(label="The parent or carer's answer", choices=ANSWERS, widget=forms.RadioSelect,
                                        required=False)
    decided_on = DateField(label="Date of the answer", label_lower="date of the answer")
    reason = forms.CharField(label="If declined, the reason given", max_length=300, required=False)

    def __init__(self, *args, parent_needed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not parent_needed:
            del self.fields["parent_decision"]
        else:
            self.fields["parent_decision"].required = True
            self.fields["parent_decision"].error_messages["required"] = "Select the parent or carer's answer"


class AllocateForm(GovForm):
    """Allocate (or reallocate, or transfer) a child to a team and one of its workers."""

    team = forms.ModelChoiceField(label="Team", queryset=None, empty_label=None)
    worker = forms.ModelChoiceField(label="Worker", queryset=None, required=False, empty_label="Leave in the team's queue")
    reason = forms.CharField(
        label="Reason for the change (needed to reallocate or transfer)", widget=forms.Textarea(attrs={"rows": 3}),
        required=False, help_text="Needed when the child moves away from their worker or team")

    def __init__(self, *args, teams, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["worker"].queryset = workers
        self.fields["worker"].label_from_instance = lambda u: u.display_name


class EligibilityDecisionForm(GovForm):
    """A manager decides eligibility the rules could not."""

    eligible = ActionChoiceField(
        label="Is the child eligible for this programme?", widget=forms.RadioSelect,
        choices=[("yes", "Eligible"), ("no", "Not eligible")],
        error_messages={"required": "Select eligible or not eligible"})
    reason = forms.CharField(label="Reason for the decision", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Give the reason for the decision"})


class WithdrawForm(GovForm):
    """The child withdraws from support."""

    withdrawn_on = DateField(label="Date the child withdrew", label_lower="date the child withdrew")
    reason = forms.CharField(label="Reason the child gave", max_length=300,
                             error_messages={"required": "Record the reason the child gave"})
