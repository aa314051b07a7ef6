"""Referrals, screening and the offer of support with the child's consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from divert.casework.models import Episode
from divert.core.fields import EncryptedTextField
from divert.core.labels import labels_of
from divert.core.models import Recorded
from divert.people.models import ChildScopedQuerySet
from divert.referrals.codes import (
    Agency,
    Concern,
    Decision,
    Eligibility,
    ScreeningDecision,
    Source,
    Stage,
)


class ReferralQuerySet(ChildScopedQuerySet):
    """Referrals reached through the children a user may see."""

    def awaiting_screening(self):
        """Eligible referrals with no screening decision yet."""
        return self.current().filter(stage=Stage.RECEIVED, eligibility=Eligibility.ELIGIBLE,
                                     screening__isnull=True)

    def needing_decision(self):
        """Referrals whose eligibility the rules could not decide: a manager decides."""
        return self.current().filter(NEEDS_DECISION)

    def awaiting_allocation(self):
        """Referrals still waiting for a worker: the child has none, and the referral is live.

        Live means received and eligible or offered, with no support on the same programme
        started since (the work went ahead through another referral or a transfer in), or
        accepted with the support it opened still open. Closed, declined, screened-out and
        not-eligible referrals, and those whose child has a worker, are not waiting.
        """
        return self.current().filter(_awaiting_allocation())

    def on_queue(self):
        """The allocation queue: referrals awaiting a worker or a manager's eligibility decision."""
        return self.current().filter(_awaiting_allocation() | NEEDS_DECISION)


NEEDS_DECISION = Q(stage=Stage.RECEIVED, eligibility=Eligibility.UNDECIDED)


def _awaiting_allocation() -> Q:
    later_support = Episode.objects.current().filter(
        child=OuterRef("child"), programme=OuterRef("programme"), start_date__gte=OuterRef("received_on"),
    )
    live = (
        Q(stage__in=[Stage.RECEIVED, Stage.OFFERED], eligibility=Eligibility.ELIGIBLE) & ~Exists(later_support)
    ) | Q(stage=Stage.ACCEPTED, episode__isnull=False, episode__end_date__isnull=True,
          episode__voided_at__isnull=True)
    return live & Q(child__worker__isnull=True)


class Referral(Recorded):
    """A request for the service to work with a child. Leads to at most one episode."""

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="referrals")
    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="referrals"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals",
        help_text="The team whose queue holds the referral until it is allocated.",
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    received_on = models.DateField()
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="Release from custody (starts the contact clock)."
    )
    reason = EncryptedTextField(blank=True)
    offences = models.ManyToManyField("offending.Offence", blank=True, related_name="referrals")
    eligibility = models.CharField(
        max_length=12, choices=Eligibility.choices, default=Eligibility.PENDING
    )
    ineligible_reason = models.CharField(max_length=300, blank=True)
    undecided_reason = models.CharField(
        max_length=300, blank=True,
        help_text="Why the rules could not decide eligibility (a detail not recorded).",
    )
    eligibility_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The manager who decided eligibility the rules could not.",
    )
    eligibility_decided_on = models.DateField(null=True, blank=True)
    # The manager's reasons, in their words: encrypted like other narratives.
    eligibility_decision_reason = EncryptedTextField(blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.RECEIVED)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="referral_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(eligibility="ineligible") | ~Q(ineligible_reason=""),
                name="referral_ineligible_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(eligibility="undecided") | ~Q(undecided_reason=""),
                name="referral_undecided_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "received_on"], name="referral_programme_idx"),
            models.Index(fields=["child", "received_on"], name="referral_child_idx"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"


class Screening(Recorded):
    """The triage decision: the most appropriate agency and level of support."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="screening")
    concerns = models.JSONField(default=list, blank=True, help_text="Concern codes.")
    decision = models.CharField(max_length=20, choices=ScreeningDecision.choices)
    agency = models.CharField(max_length=20, choices=Agency.choices, blank=True)
    tier = models.ForeignKey("accounts.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField()
    notes = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="screened_out") | ~Q(agency=""),
                name="screening_out_names_agency",
            ),
            models.CheckConstraint(
                condition=~Q(decision="support") | Q(tier__isnull=False),
                name="screening_support_has_tier",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening {self.pk}"

    @property
    def concern_labels(self) -> list[str]:
        """The concerns ticked at screening, in words."""
        return labels_of(Concern, self.concerns)


class Offer(Recorded):
    """The offer of voluntary support and the child's (and parent's) decision.

    The offer date anchors follow-up for everyone offered, accepted or not.
    """

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="offer")
    offered_on = models.DateField()
    child_decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    child_decided_on = models.DateField(null=True, blank=True)
    parent_decision = models.CharField(
        max_length=12, choices=Decision.choices, default=Decision.NOT_REQUIRED
    )
    parent_decided_on = models.DateField(null=True, blank=True)
    # The child's or family's reasons, in the worker's words: encrypted like other narratives.
    decline_reason = EncryptedTextField(blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = EncryptedTextField(blank=True)
    lawful_basis = models.CharField(
        max_length=200, blank=True,
        help_text="Lawful basis for keeping a declined child in the comparison group.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(child_decided_on__isnull=True) | Q(child_decided_on__gte=F("offered_on")),
                name="offer_decided_after_offered",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(child_decision="accepted"),
                name="offer_only_accepted_can_be_withdrawn",
            ),
        ]
        indexes = [models.Index(fields=["offered_on"], name="offer_date_idx")]

    def __str__(self) -> str:
        return f"Offer {self.pk}"

    @property
    def is_participant(self) -> bool:
        """Intention to treat: a child who accepted stays a participant after withdrawing."""
        return self.child_decision == Decision.ACCEPTED
