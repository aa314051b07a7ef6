"""API views: scoped, permission-checked and audited exactly like the pages.

Reads start from the user (`visible_to`); writes call the same named actions as the pages;
a DomainError becomes a 400 with the same message a worker sees on a form.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from divert.accounts.models import CHILD_ROLES, MANAGER_ROLES, PATHWAY_ROLES
from divert.api import serializers as s
from divert.api.idempotency import idempotent
from divert.api.permissions import RoleRequired
from divert.audit.actions import record_event
from divert.casework import actions as cw
from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    FollowUpCheckpoint,
    OnwardReferral,
    Plan,
    Session,
)
from divert.core.access import SIGNED_IN, get_visible_or_404
from divert.core.errors import DomainError
from divert.people import actions as people
from divert.people.models import Child
from divert.referrals import actions as ref
from divert.referrals.models import Referral


def _child_id(obj) -> int | None:
    """The child a record is about."""
    if isinstance(obj, Child):
        return obj.pk
    if hasattr(obj, "episode"):
        return obj.episode.child_id
    return getattr(obj, "child_id", None)


class DomainErrorAsBadRequest:
    """Turn a DomainError raised by an action into a 400 with its message."""

    def handle_exception(self, exc):
        """Map domain errors to validation errors."""
        if isinstance(exc, people.PossibleDuplicates):
            # The ids of the children in scope to check, as numbers (a ValidationError makes text).
            return Response({exc.field: [exc.message], "duplicates": [child.pk for child in exc.children]},
                            status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, DomainError):
            exc = serializers.ValidationError({exc.field or "non_field_errors": [exc.message]})
        return super().handle_exception(exc)


class ScopedReadMixin:
    """List and retrieve within the user's scope, auditing each read."""

    noun = "record"

    def get_object(self):
        """One object in scope, or 404; the look is audited."""
        obj = get_visible_or_404(self.get_queryset(), self.request.user, pk=self.kwargs["pk"])
        record_event(by=self.request.user, verb=f"viewed_{self.noun}", obj=obj, child=_child_id(obj),
                     details={"via": "api"})
        return obj

    def list(self, request, *args, **kwargs):
        """List; the listing itself is audited once."""
        response = super().list(request, *args, **kwargs)
        record_event(by=request.user, verb=f"listed_{self.noun}s", details={"via": "api"})
        return response


class ChildViewSet(DomainErrorAsBadRequest, ScopedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Children the caller may see, and recording a new child."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.ChildSerializer
    noun = "child"

    def get_queryset(self):
        """Start every query from the user."""
        return Child.objects.visible_to(self.request.user).order_by("id")

    def list(self, request, *args, **kwargs):
        """List children (audited as a listing)."""
        response = viewsets.ReadOnlyModelViewSet.list(self, request, *args, **kwargs)
        record_event(by=request.user, verb="listed_children", details={"via": "api"})
        return response

    @extend_schema(request=s.NewChildSerializer, responses=s.ChildSerializer)
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a new child: the same checks as the page (`create_child`). A child with the same
        name and date of birth gives a 400 listing their ids under `duplicates` until
        `confirm_not_duplicate` is sent."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot record children.")
        data = s.NewChildSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        confirmed = details.pop("confirm_not_duplicate")
        child = people.create_child(by=request.user, organisation=request.user.organisation,
                                    today=timezone.localdate(), confirmed_not_duplicate=confirmed, **details)
        return Response(s.ChildSerializer(child).data, status=status.HTTP_201_CREATED)


class ReferralViewSet(DomainErrorAsBadRequest, ScopedReadMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Referrals, and the screening, offer and consent steps."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.ReferralSerializer
    noun = "referral"

    def get_queryset(self):
        """Referrals of children the user may see."""
        return Referral.objects.visible_to(self.request.user).current().order_by("id")

    def _write_allowed(self):
        if not self.request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot record the pathway.")

    @extend_schema(request=s.NewReferralSerializer, responses=s.ReferralSerializer)
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a referral for a child in scope."""
        self._write_allowed()
        data = s.NewReferralSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        child = get_visible_or_404(Child, request.user, pk=data.validated_data["child"])
        referral = ref.create_referral(
            by=request.user, child=child, programme=data.validated_data["programme"], source=data.validated_data["source"],
            received_on=data.validated_data["received_on"], today=timezone.localdate(),
            reason=data.validated_data["reason"], exclusion=data.validated_data["exclusion"],
        )
        return Response(s.ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ScreeningInputSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def screen(self, request, pk=None):
        """Record the screening decision."""
        self._write_allowed()
        referral = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.ScreeningInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ref.screen_referral(by=request.user, referral=referral, decision=v["decision"], decided_on=v["decided_on"],
                            today=timezone.localdate(), concerns=v["concerns"], agency=v["agency"], tier=v["tier"])
        referral.refresh_from_db()
        return Response(s.ReferralSerializer(referral).data)

    @extend_schema(request=s.OfferInputSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def offer(self, request, pk=None):
        """Record the offer of support."""
        self._write_allowed()
        referral = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.OfferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ref.offer_support(by=request.user, referral=referral, offered_on=data.validated_data["offered_on"],
                          today=timezone.localdate())
        referral.refresh_from_db()
        return Response(s.ReferralSerializer(referral).data)

    @extend_schema(request=s.ConsentInputSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def consent(self, request, pk=None):
        """Record the child's (and parent's) answer."""
        self._write_allowed()
        referral = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ref.record_consent(by=request.user, referral=referral, child_decision=v["child_decision"],
                           parent_decision=v["parent_decision"], decided_on=v["decided_on"],
                           today=timezone.localdate(), reason=v["reason"])
        referral.refresh_from_db()
        return Response(s.ReferralSerializer(referral).data)

    @extend_schema(request=s.EligibilityDecisionInputSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        """A team or service manager decides eligibility the rules could not, with a reason."""
        if not request.user.has_any_role(MANAGER_ROLES):
            raise PermissionDenied("Only a team or service manager can decide eligibility.")
        referral = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.EligibilityDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ref.decide_eligibility(by=request.user, referral=referral, eligible=data.validated_data["eligible"],
                               reason=data.validated_data["reason"], today=timezone.localdate())
        referral.refresh_from_db()
        return Response(s.ReferralSerializer(referral).data)


class EpisodeViewSet(DomainErrorAsBadRequest, ScopedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Episodes of support, with sessions and closure."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.EpisodeSerializer
    noun = "episode"

    def get_queryset(self):
        """Episodes of children the user may see."""
        return Episode.objects.visible_to(self.request.user).current().order_by("id")

    @extend_schema(request=s.SessionInputSerializer, responses=s.SessionSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def sessions(self, request, pk=None):
        """Record a session on this episode."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot record sessions.")
        episode = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = cw.record_session(by=request.user, episode=episode, today=timezone.localdate(),
                                    **data.validated_data)
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssessmentInputSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def assessment(self, request, pk=None):
        """Record the episode's assessment; if it has one, this is its next version."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot record assessments.")
        episode = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = cw.record_assessment(by=request.user, episode=episode, today=timezone.localdate(),
                                      **data.validated_data)
        return Response(s.AssessmentSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanInputSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def plan(self, request, pk=None):
        """Agree the episode's plan; if it has one, this is its next version."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot agree plans.")
        episode = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.PlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = cw.agree_plan(by=request.user, episode=episode, today=timezone.localdate(), **data.validated_data)
        return Response(s.PlanSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CloseInputSerializer, responses=s.EpisodeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        """Close this episode."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot close support.")
        episode = get_visible_or_404(self.get_queryset(), request.user, pk=pk)
        data = s.CloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cw.close_episode(by=request.user, episode=episode, end_date=v["end_date"], today=timezone.localdate(),
                         reason=v["reason"], successfully_completed=v["successfully_completed"],
                         exit_plan=v["exit_plan"], completion_reason=v["completion_reason"])
        episode.refresh_from_db()
        return Response(s.EpisodeSerializer(episode).data)


class SessionViewSet(ScopedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Sessions on episodes the user may see."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.SessionSerializer
    noun = "session"

    def get_queryset(self):
        """Sessions of children the user may see."""
        return Session.objects.current().filter(
            episode__in=Episode.objects.visible_to(self.request.user)).order_by("id")


class ContactViewSet(DomainErrorAsBadRequest, ScopedReadMixin, mixins.CreateModelMixin,
                     viewsets.ReadOnlyModelViewSet):
    """Contacts with children the user may see, and recording one."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.ContactSerializer
    noun = "contact"

    def get_queryset(self):
        """Current contacts of children the user may see."""
        return Contact.objects.visible_to(self.request.user).current().order_by("id")

    @extend_schema(request=s.ContactInputSerializer, responses=s.ContactSerializer)
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a contact with a child in scope: the same checks as the page (`record_contact`)."""
        if not request.user.has_any_role(PATHWAY_ROLES):
            raise PermissionDenied("Your role cannot record contacts.")
        data = s.ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        child = get_visible_or_404(Child.objects.visible_to(request.user), request.user, pk=details.pop("child"))
        contact = cw.record_contact(by=request.user, child=child, now=timezone.now(), **details)
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class _EpisodeChildViewSet(ScopedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Records that belong to an episode, reached through episodes the user may see."""

    allowed_roles = tuple(CHILD_ROLES)
    model = None

    def get_queryset(self):
        """Current records on episodes of children the user may see."""
        return self.model.objects.current().filter(
            episode__in=Episode.objects.visible_to(self.request.user)).select_related("episode").order_by("id")


class AssessmentViewSet(_EpisodeChildViewSet):
    """Assessments."""

    model = Assessment
    serializer_class = s.AssessmentSerializer
    noun = "assessment"


class PlanViewSet(_EpisodeChildViewSet):
    """Plans."""

    model = Plan
    serializer_class = s.PlanSerializer
    noun = "plan"


class OnwardReferralViewSet(_EpisodeChildViewSet):
    """Onward referrals."""

    model = OnwardReferral
    serializer_class = s.OnwardReferralSerializer
    noun = "onward_referral"


class CheckpointViewSet(ScopedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Follow-up checkpoints."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = s.CheckpointSerializer
    noun = "checkpoint"

    def get_queryset(self):
        """Current checkpoints of children the user may see."""
        return FollowUpCheckpoint.objects.visible_to(self.request.user).current().order_by("id")


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (for signed-in users and token holders)."""

    allowed_roles = (SIGNED_IN,)
    # drf-spectacular's own default (SERVE_PERMISSIONS, AllowAny) would ignore allowed_roles.
    permission_classes = [RoleRequired]
