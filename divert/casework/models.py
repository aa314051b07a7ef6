"""An episode of work with a child and everything that belongs to it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest, TruncDate

from divert.casework.codes import (
    Anchor,
    Attendance,
    CheckpointStatus,
    ClosureReason,
    ContactType,
    ContactWith,
    FollowUpGroup,
    OnwardService,
    OnwardStatus,
    Place,
    SessionType,
    Timepoint,
    Topic,
    need_rows,
)
from divert.core.fields import EncryptedTextField
from divert.core.labels import labels_of
from divert.core.models import Recorded, RecordedQuerySet
from divert.offending.codes import Disposal
from divert.offending.models import Offence
from divert.people.models import ChildScopedQuerySet


class EpisodeQuerySet(ChildScopedQuerySet):
    """Episodes of work."""

    def open(self):
        """Episodes not yet closed."""
        return self.current().filter(end_date__isnull=True)

    def ended_between(self, start, end):
        """Episodes whose end date falls in the period (the KPI scope)."""
        return self.current().filter(end_date__gte=start, end_date__lte=end)

    def overlapping(self, start, end):
        """Episodes whose support was open at some point between `start` and `end` inclusive."""
        return self.current().filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))

    def offended_during_support(self, *, committed_from=None, committed_to=None):
        """Episodes whose child committed an offence while the support was open: on or after
        its start date and on or before its end date (any day since, while it is open).
        Voided offences do not count. `committed_from` / `committed_to` narrow the offence
        date further (a quarter, say). The one definition of "offending during support":
        case audits choose these children by it."""
        offences = Offence.objects.current().filter(
            child=OuterRef("child_id"), committed_on__gte=OuterRef("start_date"),
            committed_on__lte=OuterRef("support_end"),
        )
        if committed_from is not None:
            offences = offences.filter(committed_on__gte=committed_from)
        if committed_to is not None:
            offences = offences.filter(committed_on__lte=committed_to)
        return (self.current()
                .alias(support_end=Coalesce("end_date", Value(dt.date.max), output_field=models.DateField()))
                .filter(Exists(offences)))


class Episode(Recorded):
    """The unit the KPIs count (the YJB's 'intervention programme')."""

    child = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="episodes")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="episodes")
    referral = models.OneToOneField(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="episode"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_type = models.CharField(max_length=30, choices=Disposal.choices)
    tier = models.ForeignKey("accounts.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    successfully_completed = models.BooleanField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    exit_plan = EncryptedTextField(blank=True)
    offences = models.ManyToManyField("offending.Offence", blank=True, related_name="episodes")
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # "Successfully completed" below the programme's requirements: the worker's reason, then a
    # manager's decision. Until a manager confirms, the flag stays False (pending).
    # Database defaults too: the demo generator's bulk path writes episodes with a fixed list of columns.
    completion_reason = EncryptedTextField(blank=True, default="", db_default="")
    completion_pending = models.BooleanField(default=False, db_default=False)
    completion_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_decided_on = models.DateField(null=True, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="episode_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | ~Q(closure_reason="") & Q(successfully_completed__isnull=False),
                name="episode_closed_with_reason_and_flag",
            ),
            models.CheckConstraint(
                condition=Q(completion_pending=False) | Q(successfully_completed=False),
                name="episode_pending_completion_not_yet_completed",
            ),
            models.CheckConstraint(
                condition=Q(order_type__in=Disposal.values), name="episode_order_type_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "end_date"], name="episode_end_idx"),
            models.Index(fields=["child", "start_date"], name="episode_child_idx"),
            models.Index(fields=["worker", "end_date"], name="episode_worker_idx"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"


class VersionQuerySet(RecordedQuerySet):
    """Assessments or plans, every version of them."""

    def in_force(self, known_on: dt.datetime | None = None):
        """The version in force of each (now, or as known at `known_on`): not yet superseded.

        Earlier versions are kept, so a figure counts each assessment or plan once."""
        if known_on is None:
            return self.filter(superseded_at__isnull=True)
        return self.filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=known_on))


class Versioned(Recorded):
    """A record edited by adding a version: the row it supersedes is kept, marked superseded.

    An episode has at most one version in force of each (a named constraint per model);
    `recorded_at`/`recorded_by` of a version say when and by whom it was changed."""

    version = models.PositiveSmallIntegerField(default=1, db_default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    objects = VersionQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a subclass's manager is an instance variable

    class Meta:
        abstract = True

    @property
    def is_superseded(self) -> bool:
        """True when a later version replaced this one."""
        return self.superseded_at is not None


def _one_in_force(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["episode"], condition=Q(superseded_at__isnull=True, voided_at__isnull=True), name=name
    )


# An assessment is due within this many days of the start of support (My work shows it as due
# then; the data-quality page counts support without one by then).
ASSESSMENT_DUE_DAYS = 14


class Assessment(Versioned):
    """Needs and strengths, with the child's own view in their words."""

    class ExploitationRisk(models.TextChoices):
        NONE = "none", "No concerns"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    needs = models.JSONField(default=dict, blank=True, help_text="Domain code -> level (0-3).")
    strengths = EncryptedTextField(blank=True)
    child_view = EncryptedTextField(blank=True, help_text="The child's own view, in their words.")
    exploitation_risk = models.CharField(
        max_length=10, choices=ExploitationRisk.choices, default=ExploitationRisk.NONE
    )
    summary = EncryptedTextField(blank=True)

    class Meta:
        constraints = [_one_in_force("assessment_one_in_force_per_episode")]

    def __str__(self) -> str:
        return f"Assessment {self.pk}"

    @property
    def need_rows(self) -> list[tuple[str, str]]:
        """Each domain's level of need, in words."""
        return need_rows(self.needs)


class Plan(Versioned):
    """The plan agreed with the child: goals in their words, sessions, target end."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="plans")
    agreed_on = models.DateField()
    goals = EncryptedTextField(help_text="Goals in the child's own words.")
    planned_sessions = models.PositiveSmallIntegerField()
    target_end_date = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(target_end_date__gte=F("agreed_on")), name="plan_target_after_agreed"
            ),
            _one_in_force("plan_one_in_force_per_episode"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk}"


class PlanReview(Recorded):
    """A review of the plan with the child."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    notes = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"Plan review {self.pk}"


class Session(Recorded):
    """A session or contact with the child or family."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    type = models.CharField(max_length=20, choices=SessionType.choices)
    place = models.CharField(max_length=20, choices=Place.choices, blank=True)
    topics = models.JSONField(default=list, blank=True)
    attendance = models.CharField(max_length=20, choices=Attendance.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=600),
                name="session_duration_at_most_10_hours",
            ),
        ]
        indexes = [models.Index(fields=["episode", "date"], name="session_episode_idx")]

    def __str__(self) -> str:
        return f"Session {self.pk}"

    @property
    def topic_labels(self) -> list[str]:
        """The topics covered, in words."""
        return labels_of(Topic, self.topics)


class Contact(Recorded):
    """A contact with the child, their family or a partner agency: a call, a visit, a message.

    Recorded on the child (and on their open episode when there is one), so contacts before
    support starts (the first contact after a referral) are kept too. The summary and the
    names of others present are encrypted like every narrative.
    """

    child = models.ForeignKey("people.Child", on_delete=models.CASCADE, related_name="contacts")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    contacted_at = models.DateTimeField()
    type = models.CharField(max_length=20, choices=ContactType.choices)
    with_whom = models.CharField(max_length=20, choices=ContactWith.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    others_present = EncryptedTextField(blank=True, help_text="Other people present, as the worker wrote them.")
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = EncryptedTextField()

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(type__in=ContactType.values), name="contact_type_valid"),
            models.CheckConstraint(condition=Q(with_whom__in=ContactWith.values), name="contact_with_whom_valid"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gte=1, duration_minutes__lte=600),
                name="contact_duration_1_minute_to_10_hours",
            ),
        ]
        indexes = [models.Index(fields=["child", "contacted_at"], name="contact_child_idx")]

    def __str__(self) -> str:
        return f"Contact {self.pk}"


def last_contact_on(child: Combinable | None = None):
    """The day of a child's last contact: the latest current session or contact (None if
    neither). `child` is the child's id as an expression (default `OuterRef("pk")`, for
    annotating children); every "last contact" rule and list uses this one definition."""
    child = child if child is not None else OuterRef("pk")
    session = Subquery(
        Session.objects.current().filter(episode__child=child).order_by("-date").values("date")[:1],
        output_field=models.DateField(),
    )
    contact = Subquery(
        Contact.objects.current().filter(child=child).order_by("-contacted_at")
        .annotate(day=TruncDate("contacted_at")).values("day")[:1],
        output_field=models.DateField(),
    )
    # GREATEST is NULL on SQLite when either side is: compare each with the other as fallback.
    return Greatest(Coalesce(session, contact), Coalesce(contact, session), output_field=models.DateField())


class OnwardReferral(Recorded):
    """A referral on to another service."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="onward_referrals")
    service = models.CharField(max_length=20, choices=OnwardService.choices)
    referred_on = models.DateField()
    status = models.CharField(max_length=12, choices=OnwardStatus.choices, default=OnwardStatus.MADE)
    status_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Onward referral {self.pk}"


class Instrument(models.Model):
    """A measure (self-ratings, Rosenberg, SWEMWBS...) with its items and scale as data."""

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    items = models.JSONField(help_text="List of {code, label} in order.")
    min_score = models.SmallIntegerField(default=1)
    max_score = models.SmallIntegerField(default=10)
    higher_is_better = models.BooleanField(default=True)
    licence_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="instrument_code_per_org"),
            models.CheckConstraint(
                condition=Q(min_score__lt=F("max_score")), name="instrument_scale_increasing"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def item_label(self, code: str) -> str:
        """An item's label (its code if the instrument does not list it)."""
        return next((item["label"] for item in self.items if item.get("code") == code), code)


class MeasureScore(Recorded):
    """One item's score on an instrument at a timepoint."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="scores")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=40)
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    taken_on = models.DateField()
    value = models.SmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["episode", "timepoint"], name="score_episode_idx")]

    def __str__(self) -> str:
        return f"Score {self.pk}"

    @property
    def item_label(self) -> str:
        """The item scored, in words (from the instrument)."""
        return self.instrument.item_label(self.item)


class FollowUpCheckpoint(Recorded):
    """A 3/6/9/12-month check of police outcomes after the offer (or closure)."""

    child = models.ForeignKey("people.Child", on_delete=models.CASCADE, related_name="checkpoints")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="checkpoints")
    anchor = models.CharField(max_length=10, choices=Anchor.choices)
    anchor_date = models.DateField()
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    group = models.CharField(max_length=12, choices=FollowUpGroup.choices)
    status = models.CharField(max_length=16, choices=CheckpointStatus.choices, default=CheckpointStatus.DUE)
    proven_reoffence = models.BooleanField(null=True, blank=True)
    further_outcome = models.BooleanField(null=True, blank=True)
    further_arrest = models.BooleanField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "anchor", "months"],
                condition=Q(voided_at__isnull=True),
                name="checkpoint_once_per_window",
            ),
            models.CheckConstraint(
                condition=Q(months__in=[3, 6, 9, 12]), name="checkpoint_months_3_6_9_12"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gt=F("anchor_date")), name="checkpoint_due_after_anchor"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="checkpoint_due_idx")]

    def __str__(self) -> str:
        return f"Checkpoint {self.pk}"
