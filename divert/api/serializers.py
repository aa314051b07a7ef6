"""API representations. Writes go through the same named actions as the pages."""

from __future__ import annotations

from rest_framework import serializers

from divert.casework.codes import Attendance, ClosureReason, Place, SessionType, Topic
from divert.casework.models import (
    Assessment,
    Episode,
    FollowUpCheckpoint,
    OnwardReferral,
    Plan,
    Session,
)
from divert.people.models import Child
from divert.referrals.codes import Agency, Concern, Decision, ScreeningDecision, Source
from divert.referrals.models import Referral


class ChildSerializer(serializers.ModelSerializer):
    """A child, as the API shows it."""

    class Meta:
        model = Child
        fields = [
            "id", "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "gender",
            "ethnicity", "ethnic_group", "area_code", "school", "local_id", "police_id", "team", "worker",
        ]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    """A referral and where it is on the pathway."""

    class Meta:
        model = Referral
        fields = ["id", "child", "programme", "team", "source", "received_on", "eligibility",
                  "ineligible_reason", "stage", "recorded_at"]
        read_only_fields = fields


class NewReferralSerializer(serializers.Serializer):
    """Input for recording a referral."""

    child = serializers.IntegerField()
    programme = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Source.choices)
    received_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ScreeningInputSerializer(serializers.Serializer):
    """Input for a screening decision."""

    decision = serializers.ChoiceField(choices=ScreeningDecision.choices)
    decided_on = serializers.DateField()
    concerns = serializers.ListField(child=serializers.ChoiceField(choices=Concern.choices), required=False, default=list)
    agency = serializers.ChoiceField(choices=Agency.choices, required=False, allow_blank=True, default="")
    tier = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Tier number")


class OfferInputSerializer(serializers.Serializer):
    """Input for an offer of support."""

    offered_on = serializers.DateField()


class ConsentInputSerializer(serializers.Serializer):
    """Input for the child's (and parent's) answer."""

    child_decision = serializers.ChoiceField(choices=[Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE])
    parent_decision = serializers.ChoiceField(
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
                  "end_date", "successfully_completed", "closure_reason"]
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
    type = serializers.ChoiceField(choices=SessionType.choices)
    attendance = serializers.ChoiceField(choices=Attendance.choices)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=600)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    topics = serializers.ListField(child=serializers.ChoiceField(choices=Topic.choices), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class CloseInputSerializer(serializers.Serializer):
    """Input for closing an episode."""

    end_date = serializers.DateField()
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    successfully_completed = serializers.BooleanField()
    exit_plan = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment, with the child's own view."""

    class Meta:
        model = Assessment
        fields = ["id", "episode", "assessed_on", "needs", "strengths", "child_view", "exploitation_risk", "summary"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    """A plan agreed with the child."""

    class Meta:
        model = Plan
        fields = ["id", "episode", "agreed_on", "goals", "planned_sessions", "target_end_date"]
        read_only_fields = fields


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
