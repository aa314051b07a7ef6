"""Forms for the work with a child."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from divert.casework.codes import (
    NEED_LEVELS,
    Attendance,
    ClosureReason,
    ContactType,
    ContactWith,
    NeedDomain,
    OnwardService,
    OnwardStatus,
    Place,
    SessionType,
    Topic,
)
from divert.casework.models import Assessment
from divert.casework.status_forms import add_status_fields
from divert.core.forms import ActionChoiceField, ActionMultipleChoiceField, DateField, GovForm

NEED_DOMAINS = NeedDomain.choices
LEVELS = [(str(level), label) for level, label in NEED_LEVELS.items()]
SCALE = [("", "Not asked")] + [(str(i), str(i)) for i in range(1, 11)]
RATINGS = [
    ("confidence", "Confidence"),
    ("self_esteem", "How I feel about myself"),
    ("relationships", "Positive relationships"),
    ("managing_anger", "Managing anger"),
]


class AssessmentForm(GovForm):
    """Needs and strengths, the child's own view, and baseline self-ratings."""

    assessed_on = DateField(label="Date of assessment", label_lower="date of the assessment")
    child_view = forms.CharField(label="The child's view, in their own words", widget=forms.Textarea, required=False)
    strengths = forms.CharField(label="Strengths", widget=forms.Textarea, required=False)
    # No answer is chosen before the worker chooses (GOV.UK): an unanswered question is an error.
    exploitation_risk = forms.ChoiceField(label="Risk of exploitation", choices=Assessment.ExploitationRisk.choices,
                                          widget=forms.RadioSelect,
                                          error_messages={"required": "Select the risk of exploitation"})
    summary = forms.CharField(label="Summary", widget=forms.Textarea, required=False)

    def __init__(self, *args, current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in NEED_DOMAINS:
            self.fields[f"need_{code}"] = forms.ChoiceField(
                label=f"Need: {label}", choices=[("", "Select a level")] + LEVELS,
                error_messages={"required": f"Select the level of need for {label.lower()}"})
        for code, label in RATINGS:
            self.fields[f"rating_{code}"] = forms.ChoiceField(
                label=f"Self-rating: {label} (1 low to 10 high)", choices=SCALE, required=False)
        add_status_fields(self, current=current or {})


class PlanForm(GovForm):
    """The plan, with goals in the child's words."""

    agreed_on = DateField(label="Date agreed", label_lower="date the plan was agreed")
    goals = forms.CharField(label="Goals, in the child's own words", widget=forms.Textarea,
                            error_messages={"required": "Write the goals, in the child's own words where you can"})
    planned_sessions = forms.IntegerField(label="Planned sessions", min_value=1, max_value=60, required=False,
                                          help_text="Leave blank to use the level of support's usual number")
    target_end_date = DateField(label="Target end date (optional)", label_lower="target end date", required=False)


class SessionForm(GovForm):
    """A session or contact."""

    date = DateField(label="Date", label_lower="date of the session")
    type = ActionChoiceField(label="Type of session", choices=SessionType.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Select the type of session"})
    attendance = ActionChoiceField(label="Attendance", choices=Attendance.choices, widget=forms.RadioSelect,
                                   error_messages={"required": "Select whether the child attended"})
    duration_minutes = forms.IntegerField(label="Length in minutes (optional)", min_value=1, max_value=600, required=False)
    place = ActionChoiceField(label="Where", choices=[("", "Not recorded")] + Place.choices, required=False)
    topics = ActionMultipleChoiceField(label="Topics", choices=Topic.choices, widget=forms.CheckboxSelectMultiple,
                                       required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)


class OnwardReferralForm(GovForm):
    """A referral on to another service."""

    service = forms.ChoiceField(label="Service", choices=OnwardService.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Select the service"})
    referred_on = DateField(label="Date referred", label_lower="date of the referral")


class CloseForm(GovForm):
    """Closing support."""

    end_date = DateField(label="Date support ended", label_lower="date support ended")
    reason = ActionChoiceField(label="Reason", choices=ClosureReason.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Select the reason support ended"})
    successfully_completed = forms.TypedChoiceField(
        label="Did the child successfully complete the programme?", choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        error_messages={"required": "Say whether the child successfully completed the programme"})
    completion_reason = forms.CharField(
        label="If the child did not meet the programme's requirements (sessions attended, plan reviewed) "
              "but did complete it, why? (optional)",
        help_text="A team or service manager then confirms it. Until then the support counts as not "
                  "successfully completed.",
        widget=forms.Textarea, required=False)
    exit_plan = forms.CharField(label="Exit plan", widget=forms.Textarea, required=False)

    def __init__(self, *args, current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in RATINGS:
            self.fields[f"rating_{code}"] = forms.ChoiceField(
                label=f"End self-rating: {label} (1 low to 10 high)", choices=SCALE, required=False)
        add_status_fields(self, current=current or {})


class ConfirmCompletionForm(GovForm):
    """A manager's decision on a completion below the programme's requirements."""

    confirmed = forms.TypedChoiceField(
        label="Did the child successfully complete the programme?",
        choices=[("yes", "Yes, confirm it"), ("no", "No, record it as not successfully completed")],
        widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        error_messages={"required": "Say whether you confirm the completion"})


class ReasonForm(GovForm):
    """A reason (for reopening, voiding or merging)."""

    reason = forms.CharField(label="Reason", max_length=300, error_messages={"required": "Give a reason"})


class PlanReviewForm(GovForm):
    """A review of the plan with the child."""

    reviewed_on = DateField(label="Date of review", label_lower="date of the review")
    notes = forms.CharField(label="What the child said and what changes", widget=forms.Textarea, required=False)


class OnwardStatusForm(GovForm):
    """Where an onward referral has got to."""

    status = forms.ChoiceField(label="Status", choices=OnwardStatus.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Select the status"})
    status_on = DateField(label="Date", label_lower="date of the change")



class ContactForm(GovForm):
    """A contact with the child, their family or a partner agency."""

    contacted_at = DateField(label="Date of the contact", label_lower="date of the contact")
    time = forms.CharField(label="Time", help_text="For example, 14:30", max_length=5,
                           error_messages={"required": "Enter the time of the contact"},
                           widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5",
                                                         "inputmode": "numeric"}))
    type = ActionChoiceField(label="How", choices=ContactType.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Select how the contact took place"})
    with_whom = ActionChoiceField(label="With whom", choices=ContactWith.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "Select who the contact was with"})
    others_present = forms.CharField(label="Other people present (optional)", max_length=300, required=False)
    duration_minutes = forms.IntegerField(label="Length in minutes (optional)", min_value=1, max_value=600,
                                          required=False)
    summary = forms.CharField(label="Summary", widget=forms.Textarea,
                              error_messages={"required": "Write a summary of the contact"})

    def clean_time(self) -> dt.time:
        """A 24-hour time such as 9:05 or 14:30."""
        value = self.cleaned_data["time"].strip().replace(".", ":")
        try:
            hours, minutes = (int(part) for part in value.split(":"))
            return dt.time(hours, minutes)
        except ValueError as exc:
            raise ValidationError("Enter the time as hours and minutes, for example 14:30") from exc
