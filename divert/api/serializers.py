"""API representations. Writes go through the same named actions as the pages."""

from __future__ import annotations

from rest_framework import serializers

from divert.casework.codes import (
    Attendance,
    ClosureReason,
    ContactType,
    ContactWith,
    Place,
    SessionType,
    Topic,
)
from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    FollowUpCheckpoint,
    OnwardReferral,
    Plan,
    Session,
)
from divert.people.codes import Ethnicity, Sex
from divert.people.models import Child
from divert.referrals.codes import Agency, Concern, Decision, ScreeningDecision, Source
from divert.referrals.models import Referral


class ActionChoiceField(serializers.ChoiceField):
    """A code from a list, shown in the schema; a value outside it is refused by the action.

    The action holds the rule, so the API answers with the same message and field as the
    web form (`core.forms.ActionChoiceField`).
    """

    def to_internal_value(self, data):
        """Pass the value on as text; the action checks it against the list."""
        if data == "" and self.allow_blank:
            return ""
        return data if isinstance(data, str) else str(data)


class ChildSerializer(serializers.ModelSerializer):
    """A child, as the API shows it."""

    class Meta:
        model = Child
        fields = [
            "id", "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "gender",
            "ethnicity", "ethnic_group", "area_code", "school", "local_id", "police_id", "team", "worker",
        ]
        read_only_fields = fields


class NewChildSerializer(serializers.Serializer):
    """Input for recording a new child (the same checks as the page, in `create_child`)."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    preferred_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField()
    sex = ActionChoiceField(choices=Sex.choices)
    gender = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    ethnicity = ActionChoiceField(choices=Ethnicity.choices, required=False, default=Ethnicity.NOT_OBTAINED)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    area_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    school = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    local_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    police_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    confirm_not_duplicate = serializers.BooleanField(
        required=False, default=False,
        help_text="True once you have checked the children with the same name and date of birth "
                  "(their ids come back with a first refusal) and this is a different child")


class ReferralSerializer(serializers.ModelSerializer):
    """A referral and where it is on the pathway."""

    class Meta:
        model = Referral
        fields = ["id", "child", "programme", "team", "source", "received_on", "eligibility",
                  "ineligible_reason", "undecided_reason", "stage", "recorded_at"]
        read_only_fields = fields


class NewReferralSerializer(serializers.Serializer):
    """Input for recording a referral."""

    child = serializers.IntegerField()
    programme = serializers.IntegerField()
    source = ActionChoiceField(choices=Source.choices)
    received_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    exclusion = serializers.CharField(required=False, allow_blank=True, default="",
                                      help_text="One of the programme's exclusions, if one applies")


class ScreeningInputSerializer(serializers.Serializer):
    """Input for a screening decision."""

    decision = ActionChoiceField(choices=ScreeningDecision.choices)
    decided_on = serializers.DateField()
    concerns = serializers.ListField(child=ActionChoiceField(choices=Concern.choices), required=False, default=list)
    agency = ActionChoiceField(choices=Agency.choices, required=False, allow_blank=True, default="")
    tier = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Tier number")


class OfferInputSerializer(serializers.Serializer):
    """Input for an offer of support."""

    offered_on = serializers.DateField()


class EligibilityDecisionInputSerializer(serializers.Serializer):
    """Input for a manager's eligibility decision (the reason is required by the action)."""

    eligible = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ConsentInputSerializer(serializers.Serializer):
    """Input for the child's (and parent's) answer."""

    child_decision = ActionChoiceField(choices=[Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE])
    parent_decision = ActionChoiceField(
        choices=[Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE], required=False, allow_null=True,
        default=None)
    decided_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EpisodeSerializer(serializers.ModelSerializer):
    """An episode of support."""

    # Blank while support is open: declared so the schema allows "" (read-only model fields lose allow_blank).
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Episode
        fields = ["id", "child", "programme", "referral", "team", "worker", "order_type", "tier", "start_date",
                  "end_date", "successfully_completed", "completion_pending", "closure_reason"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """A session (notes are not exposed in lists)."""

    place = serializers.ChoiceField(choices=Place.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Session
        fields = ["id", "episode", "date", "duration_minutes", "type", "place", "topics", "attendance", "worker"]
        read_only_fields = fields


class SessionInputSerializer(serializers.Serializer):
    """Input for recording a session."""

    date = serializers.DateField()
    type = ActionChoiceField(choices=SessionType.choices)
    attendance = ActionChoiceField(choices=Attendance.choices)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=600)
    place = ActionChoiceField(choices=Place.choices, required=False, allow_blank=True, default="")
    topics = serializers.ListField(child=ActionChoiceField(choices=Topic.choices), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ContactSerializer(serializers.ModelSerializer):
    """A contact with the child, their family or a partner agency."""

    class Meta:
        model = Contact
        fields = ["id", "child", "episode", "contacted_at", "type", "with_whom", "worker", "others_present",
                  "duration_minutes", "summary"]
        read_only_fields = fields


class ContactInputSerializer(serializers.Serializer):
    """Input for recording a contact (the same checks as the page, in `record_contact`)."""

    child = serializers.IntegerField()
    contacted_at = serializers.DateTimeField()
    type = ActionChoiceField(choices=ContactType.choices)
    with_whom = ActionChoiceField(choices=ContactWith.choices)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                                max_value=600)
    others_present = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class CloseInputSerializer(serializers.Serializer):
    """Input for closing an episode."""

    end_date = serializers.DateField()
    reason = ActionChoiceField(choices=ClosureReason.choices)
    successfully_completed = serializers.BooleanField()
    exit_plan = serializers.CharField(required=False, allow_blank=True, default="")
    completion_reason = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Why the child completed though the programme's requirements were not met (a manager confirms).")


# Every version of an assessment or plan is listed; `superseded_at` is empty on the one in force.
VERSION_FIELDS = ["version", "supersedes", "superseded_at", "recorded_at"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment (one version of it), with the child's own view."""

    class Meta:
        model = Assessment
        fields = ["id", "episode", "assessed_on", "needs", "strengths", "child_view", "exploitation_risk", "summary",
                  *VERSION_FIELDS]
        read_only_fields = fields


class AssessmentInputSerializer(serializers.Serializer):
    """Input for recording an assessment (its next version, if the episode has one)."""

    assessed_on = serializers.DateField()
    needs = serializers.DictField(child=serializers.IntegerField(), required=False, default=dict)
    strengths = serializers.CharField(required=False, allow_blank=True, default="")
    child_view = serializers.CharField(required=False, allow_blank=True, default="")
    exploitation_risk = ActionChoiceField(choices=Assessment.ExploitationRisk.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):
    """A plan (one version of it) agreed with the child."""

    class Meta:
        model = Plan
        fields = ["id", "episode", "agreed_on", "goals", "planned_sessions", "target_end_date", *VERSION_FIELDS]
        read_only_fields = fields


class PlanInputSerializer(serializers.Serializer):
    """Input for agreeing a plan (its next version, if the episode has one)."""

    agreed_on = serializers.DateField()
    goals = serializers.CharField(allow_blank=True)
    planned_sessions = serializers.IntegerField(required=False, allow_null=True, default=None)
    target_end_date = serializers.DateField(required=False, allow_null=True, default=None)


class OnwardReferralSerializer(serializers.ModelSerializer):
    """A referral on to another service."""

    class Meta:
        model = OnwardReferral
        fields = ["id", "episode", "service", "referred_on", "status", "status_on"]
        read_only_fields = fields


class CheckpointSerializer(serializers.ModelSerializer):
    """A follow-up checkpoint and, once complete, its results."""

    class Meta:
        model = FollowUpCheckpoint
        fields = ["id", "child", "referral", "anchor", "anchor_date", "months", "due_on", "group", "status",
                  "proven_reoffence", "further_outcome", "further_arrest", "completed_on"]
        read_only_fields = fields
