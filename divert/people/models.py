"""The child (the scoping root) and dated status records about them."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from divert.accounts.models import Role
from divert.core.dates import age_on
from divert.core.fields import EncryptedTextField
from divert.core.models import Dated, DatedQuerySet, Recorded, RecordedQuerySet
from divert.people.codes import EthnicGroup, Ethnicity, Sex, ethnic_group_expression


class ChildQuerySet(RecordedQuerySet):
    """Children, always reached through `visible_to(user)`."""

    def visible_to(self, user):
        """The children `user` may see. Deny by default.

        Case workers and team managers: their teams' children and those allocated to
        them. Service managers: the organisation's children known to the service.
        Performance officers: those plus children known only from police data.
        Board members, commissioners and administrators: none.
        A record a manager has restricted from the user is excluded for every role.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.organisation_id:
            return self.none()
        mine = self.filter(
            organisation_id=user.organisation_id, merged_into__isnull=True, voided_at__isnull=True
        ).exclude(
            # A record restricted from this user is out of scope for them, whatever their role.
            pk__in=RecordRestriction.objects.active().filter(user=user).values("child_id")
        )
        roles = user.roles
        if Role.PERFORMANCE_OFFICER in roles:
            return mine
        if Role.SERVICE_MANAGER in roles:
            return mine.filter(police_only=False)
        if Role.TEAM_MANAGER in roles or Role.CASE_WORKER in roles:
            scope = Q(team__in=user.teams.all()) | Q(worker=user)
            if Role.TEAM_MANAGER in roles:
                # Referrals waiting in a programme's queue (no team yet) are visible to the
                # managers of teams working on that programme, so they can allocate them.
                queue = Child.objects.filter(
                    team__isnull=True, referrals__programme__teams__members=user
                ).values("pk")
                scope |= Q(pk__in=queue)
            return mine.filter(police_only=False).filter(scope)
        return self.none()

    def search(self, text: str):
        """Match on name, local id or police id (case-insensitive)."""
        text = text.replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL bytes in text
        if not text:
            return self
        q = Q(local_id__iexact=text) | Q(police_id__iexact=text)
        for part in text.split()[:5]:
            q |= Q(first_name__istartswith=part) | Q(last_name__istartswith=part)
        return self.filter(q)

    def allocated_to(self, user):
        """Children on `user`'s own caseload."""
        return self.filter(worker=user)

    def processing_allowed(self):
        """Children without an active restriction of processing (UK GDPR art. 18).

        Research extracts and any other optional processing start here. Statutory
        returns (KPIs) still count restricted children: see docs/architecture.md.
        """
        return self.exclude(
            pk__in=ProcessingRestriction.objects.active().values("child_id")
        )

    def processing_restricted(self):
        """Children with an active restriction of processing."""
        return self.filter(pk__in=ProcessingRestriction.objects.active().values("child_id"))


class Child(Recorded):
    """A child known to one organisation. The same person known to two organisations
    is two records; duplicates within one are merged by an action that keeps both."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="children"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.NOT_KNOWN)
    gender = models.CharField(max_length=60, blank=True, help_text="As the child describes it.")
    ethnicity = models.CharField(
        max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOT_OBTAINED
    )
    ethnic_group = models.GeneratedField(
        expression=ethnic_group_expression("ethnicity"),
        output_field=models.CharField(max_length=12, choices=EthnicGroup.choices),
        db_persist=True,
    )
    area_code = models.CharField(max_length=12, blank=True, help_text="Ward or LSOA code.")
    postcode = models.CharField(max_length=10, blank=True)
    school = models.CharField(max_length=200, blank=True)
    local_id = models.CharField(max_length=40, blank=True)
    police_id = models.CharField(max_length=40, blank=True, help_text="PNC or force identifier.")
    police_only = models.BooleanField(
        default=False,
        help_text="Known only from police data (never referred): kept out of caseloads.",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "local_id"],
                condition=~Q(local_id=""),
                name="child_local_id_unique_per_org",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=Sex.values), name="child_sex_valid"
            ),
            models.CheckConstraint(
                condition=Q(ethnicity__in=Ethnicity.values), name="child_ethnicity_valid"
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="child_not_merged_into_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name"], name="child_name_idx"),
            models.Index(fields=["organisation", "date_of_birth"], name="child_dob_idx"),
            models.Index(fields=["organisation", "police_id"], name="child_police_id_idx"),
            models.Index(fields=["team", "worker"], name="child_allocation_idx"),
        ]

    def __str__(self) -> str:
        return f"Child {self.pk}"

    @property
    def full_name(self) -> str:
        """The name to show, using the preferred first name when there is one."""
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    def age_on(self, day) -> int:
        """Age in whole years on `day`."""
        return age_on(self.date_of_birth, day)

    def details_known_on(self, moment) -> dict[str, str]:
        """The correctable details as recorded at `moment`, rebuilt from the rectification
        history (values as text; corrections made before that history existed are not known)."""
        values = {f: detail_text(getattr(self, f)) for f in CORRECTABLE_FIELDS}
        # Walk back from the newest correction made after `moment`: each one's old value is
        # what was recorded before it.
        for field, old in self.detail_changes.filter(changed_at__gt=moment).order_by(
            "-changed_at", "-pk"
        ).values_list("field", "old_value"):
            values[field] = old
        return values


# The child's details a worker may correct in place (each correction is kept in DetailChange).
CORRECTABLE_FIELDS = (
    "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "gender",
    "ethnicity", "area_code", "postcode", "school", "local_id", "police_id",
)


def detail_text(value) -> str:
    """A detail's value as kept in the rectification history (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


# ---- Restrictions and corrections (data protection) -----------------------------------


class ChildScopedQuerySet(RecordedQuerySet):
    """Records about a child (offences, referrals, episodes...), reached through the children a
    user may see: every pathway app's records scope through `Child.objects.visible_to`."""

    def visible_to(self, user):
        """Records about children the user may see."""
        return self.filter(child__in=Child.objects.visible_to(user))


class RestrictionQuerySet(models.QuerySet):
    """Restrictions, active or lifted. Never deleted: lifting keeps the record."""

    def active(self):
        """Restrictions not yet lifted."""
        return self.filter(lifted_at__isnull=True)


class Restriction(models.Model):
    """A dated restriction set by a manager with a reason, lifted (never deleted) later."""

    reason = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField(blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        """True until the restriction is lifted."""
        return self.lifted_at is None


def _restriction_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(lifted_at__isnull=True, lifted_by__isnull=True)
            | Q(lifted_at__isnull=False, lifted_by__isnull=False),
            name=f"{prefix}_lifted_by_with_lifted_at",
        ),
        models.CheckConstraint(
            condition=Q(lifted_at__isnull=True) | Q(lifted_at__gte=F("created_at")),
            name=f"{prefix}_lifted_after_created",
        ),
    ]


class RecordRestriction(Restriction):
    """A child's record restricted from one named user (conflict of interest, a worker
    who knows the family). While active the record is out of scope for that user."""

    # CASCADE only so that a retention erasure of the whole record can run; no action
    # deletes a restriction.
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="record_restrictions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_restrictions"
    )

    class Meta:
        constraints = [
            *_restriction_constraints("record_restriction"),
            models.UniqueConstraint(
                fields=["child", "user"],
                condition=Q(lifted_at__isnull=True),
                name="record_restriction_one_active_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "lifted_at"], name="record_restriction_user_idx")]

    def __str__(self) -> str:
        return f"Record restriction {self.pk}"


class ProcessingRestriction(Restriction):
    """Restriction of processing (UK GDPR art. 18): the record is kept and can be viewed,
    but no pathway step is recorded and the child is left out of research extracts."""

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="processing_restrictions"
    )

    class Meta:
        constraints = [
            *_restriction_constraints("processing_restriction"),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(lifted_at__isnull=True),
                name="processing_restriction_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Processing restriction {self.pk}"


class DetailChange(models.Model):
    """One corrected detail (rectification history): the field, old and new values
    (encrypted: they are personal data), the reason, who and when."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="detail_changes")
    field = models.CharField(max_length=40)
    old_value = EncryptedTextField(blank=True)
    new_value = EncryptedTextField(blank=True)
    reason = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        "audit.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["child", "changed_at"], name="detail_change_child_idx")]

    def __str__(self) -> str:
        return f"Change to {self.field} ({self.pk})"

    def _field(self):
        try:
            return Child._meta.get_field(self.field)
        except FieldDoesNotExist:
            return None

    @property
    def label(self) -> str:
        """The detail's name as people say it."""
        field = self._field()
        return str(field.verbose_name).capitalize() if field else self.field

    def _shown(self, value: str) -> str:
        field = self._field()
        return str(dict(field.flatchoices).get(value, value)) if field is not None and field.choices else value

    @property
    def old_shown(self) -> str:
        """The old value, with a code shown as its label."""
        return self._shown(self.old_value)

    @property
    def new_shown(self) -> str:
        """The new value, with a code shown as its label."""
        return self._shown(self.new_value)


# ---- Duplicate checks outside a person's scope ---------------------------------------


class DuplicateAttemptQuerySet(models.QuerySet):
    """Attempts to record a child who matched a record outside the person's scope."""

    def open(self):
        """Attempts no manager has resolved yet."""
        return self.filter(resolved_at__isnull=True)

    def for_manager(self, user):
        """The attempts `user` resolves: their teams' whose matched record they can see (team
        managers), or the organisation's (service managers); never one whose matched record is
        restricted from them."""
        if not getattr(user, "is_authenticated", False) or not user.is_active or not user.organisation_id:
            return self.none()
        mine = self.filter(organisation_id=user.organisation_id).exclude(
            matched__in=RecordRestriction.objects.active().filter(user=user).values("child_id"))
        if Role.SERVICE_MANAGER in user.roles:
            # Including matches known only from police data (a local ID already on one), which
            # no manager's pages show: allocating the record brings the child into the service.
            return mine
        if Role.TEAM_MANAGER in user.roles:
            return mine.filter(for_service_manager=False, team__in=user.teams.all(),
                               matched__in=Child.objects.visible_to(user))
        return self.none()


class AttemptReason(models.TextChoices):
    """Why a new child was held for a manager."""

    SAME_DETAILS = "same_details", "Same name and date of birth"
    LOCAL_ID = "local_id", "Same local ID"


class AttemptResolution(models.TextChoices):
    """What the manager decided."""

    ALLOCATED = "allocated", "Same child: the record was allocated to the worker"
    LEFT = "left", "Same child: the record stays where it is"
    RECORDED_NEW = "recorded_new", "A different child: recorded as a new child"


class DuplicateAttempt(models.Model):
    """A new child someone tried to record who matched a record outside their scope
    (another team's, or restricted from them).

    They were told only to check with their manager; the attempt waits for a manager who can
    see the matched record: a manager of the team the child would have joined, or a service
    manager when that record is outside the team managers' scope too. The details entered
    are personal data, so they are encrypted; the audit trail holds ids only.
    """

    Reason = AttemptReason
    Resolution = AttemptResolution

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    attempted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempted_at = models.DateTimeField(default=timezone.now)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The team the child would have joined (its managers resolve the attempt).",
    )
    for_service_manager = models.BooleanField(
        default=False, help_text="The matched record is outside the team managers' scope too.")
    reason = models.CharField(max_length=20, choices=AttemptReason.choices)
    details = EncryptedTextField(help_text="The details entered, as JSON.")
    # CASCADE only so that a retention erasure of the whole record can run.
    matched = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="duplicate_attempts")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=20, choices=AttemptResolution.choices, blank=True)
    note = EncryptedTextField(blank=True)
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The record the worker was given, or the new child recorded.",
    )

    objects = DuplicateAttemptQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution__in=["", *AttemptResolution.values]), name="duplicate_attempt_resolution_valid"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False, resolved_by__isnull=False) & ~Q(resolution=""),
                name="duplicate_attempt_resolved_with_resolution",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "resolved_at"], name="duplicate_attempt_open_idx")]

    def __str__(self) -> str:
        return f"Duplicate attempt {self.pk}"

    @property
    def entered(self) -> dict:
        """The details entered, as a dictionary (dates as ISO text)."""
        return json.loads(self.details or "{}")


# ---- Dated status records -------------------------------------------------------------


class Suitability(models.TextChoices):
    """Whether accommodation or ETE is suitable for the child."""

    SUITABLE = "suitable", "Suitable"
    UNSUITABLE = "unsuitable", "Unsuitable"
    UNKNOWN = "unknown", "Not known"


class StatusQuerySet(DatedQuerySet):
    """Dated status records reached through the children a user may see."""

    def visible_to(self, user):
        """Records about children the user may see."""
        return self.filter(child__in=Child.objects.visible_to(user))


class StatusRecord(Dated):
    """Base for a dated status record about a child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")

    objects = StatusQuerySet.as_manager()

    class Meta:
        abstract = True


def _dated_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
            name=f"{prefix}_ends_after_start",
        )
    ]


class CareStatus(StatusRecord):
    """Looked after, child protection plan, child in need or Early Help plan."""

    class Kind(models.TextChoices):
        LOOKED_AFTER = "looked_after", "Looked after (CLA)"
        CP_PLAN = "cp_plan", "Child protection plan"
        CHILD_IN_NEED = "child_in_need", "Child in need"
        EARLY_HELP = "early_help", "Early Help plan"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="care_statuses")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name_plural = "care statuses"
        constraints = _dated_constraints("care_status")
        indexes = [models.Index(fields=["child", "start_date"], name="care_status_child_idx")]


class Accommodation(StatusRecord):
    """Where the child lives and whether it is suitable."""

    class Type(models.TextChoices):
        PARENTS = "parents", "With parent(s)"
        FAMILY = "family", "With other family or friends"
        FOSTER = "foster", "Foster care"
        CHILDRENS_HOME = "childrens_home", "Children's home"
        SUPPORTED = "supported", "Supported or semi-independent accommodation"
        INDEPENDENT = "independent", "Independent living"
        BED_AND_BREAKFAST = "bed_and_breakfast", "Bed and breakfast"
        NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"
        CUSTODY = "custody", "Custody"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="accommodations")
    type = models.CharField(max_length=20, choices=Type.choices)
    suitability = models.CharField(max_length=12, choices=Suitability.choices)

    class Meta:
        constraints = [
            *_dated_constraints("accommodation"),
            # The YJB counts these as unsuitable whatever anyone records.
            models.CheckConstraint(
                condition=~(
                    Q(type__in=["bed_and_breakfast", "no_fixed_abode"]) & Q(suitability="suitable")
                ),
                name="accommodation_bnb_nfa_never_suitable",
            ),
        ]
        indexes = [models.Index(fields=["child", "start_date"], name="accommodation_child_idx")]


class ETEStatus(StatusRecord):
    """Education, training or employment, with hours offered and attended."""

    class Provision(models.TextChoices):
        MAINSTREAM = "mainstream", "Mainstream school"
        SPECIAL = "special", "Special school"
        ALTERNATIVE = "alternative", "Alternative provision / pupil referral unit"
        HOME_EDUCATED = "home_educated", "Elective home education"
        COLLEGE = "college", "College / further education"
        TRAINING = "training", "Training or apprenticeship"
        EMPLOYMENT = "employment", "Employment"
        NONE = "none", "No education, training or employment"
        UNKNOWN = "unknown", "Not known"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="ete_statuses")
    provision = models.CharField(max_length=20, choices=Provision.choices)
    part_time_timetable = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False, help_text="Suspended or permanently excluded.")
    hours_offered = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    hours_attended = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    suitability = models.CharField(max_length=12, choices=Suitability.choices)

    class Meta:
        verbose_name = "ETE status"
        verbose_name_plural = "ETE statuses"
        constraints = [
            *_dated_constraints("ete_status"),
            models.CheckConstraint(
                condition=Q(hours_offered__isnull=True) | Q(hours_offered__gte=0) & Q(hours_offered__lte=60),
                name="ete_hours_offered_0_60",
            ),
            models.CheckConstraint(
                condition=Q(hours_attended__isnull=True)
                | Q(hours_offered__isnull=True)
                | Q(hours_attended__lte=F("hours_offered")),
                name="ete_attended_not_above_offered",
            ),
        ]
        indexes = [models.Index(fields=["child", "start_date"], name="ete_child_idx")]


class SENDStatus(StatusRecord):
    """An identified special educational need or disability, and any formal plan."""

    class Need(models.TextChoices):
        COGNITION = "cognition_learning", "Cognition and learning"
        COMMUNICATION = "communication_interaction", "Communication and interaction (incl. SLCN, autism)"
        SEMH = "semh", "Social, emotional and mental health (incl. ADHD)"
        SENSORY_PHYSICAL = "sensory_physical", "Sensory and/or physical"

    class Plan(models.TextChoices):
        NONE = "none", "No formal plan"
        SEN_SUPPORT = "sen_support", "SEN support"
        EHCP = "ehcp", "Education, health and care plan (EHCP)"
        IDP = "idp", "Individual development plan (Wales)"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="send_statuses")
    need = models.CharField(max_length=30, choices=Need.choices)
    plan = models.CharField(max_length=12, choices=Plan.choices, default=Plan.NONE)

    class Meta:
        verbose_name = "SEND status"
        verbose_name_plural = "SEND statuses"
        constraints = _dated_constraints("send_status")
        indexes = [models.Index(fields=["child", "start_date"], name="send_child_idx")]

    @property
    def has_formal_plan(self) -> bool:
        """True for an EHCP or IDP (the YJB's 'formal plan')."""
        return self.plan in {self.Plan.EHCP, self.Plan.IDP}


class NeedFunnel(StatusRecord):
    """A need and its funnel: identified (start date) -> intervention offered -> attending."""

    offered_on = models.DateField(null=True, blank=True)
    attending_from = models.DateField(null=True, blank=True)
    provider = models.CharField(max_length=120, blank=True)

    class Meta:
        abstract = True


def _funnel_constraints(prefix: str) -> list:
    return [
        *_dated_constraints(prefix),
        models.CheckConstraint(
            condition=Q(offered_on__isnull=True) | Q(offered_on__gte=F("start_date")),
            name=f"{prefix}_offered_after_identified",
        ),
        models.CheckConstraint(
            condition=Q(attending_from__isnull=True)
            | Q(offered_on__isnull=False) & Q(attending_from__gte=F("offered_on")),
            name=f"{prefix}_attending_after_offered",
        ),
    ]


class MentalHealthNeed(NeedFunnel):
    """A mental health or emotional wellbeing need (YJB KPI 4)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="mental_health_needs")
    screened = models.BooleanField(default=True, help_text="Need screened (not only suspected).")

    class Meta:
        constraints = _funnel_constraints("mental_health")
        indexes = [models.Index(fields=["child", "start_date"], name="mental_health_child_idx")]


class SubstanceMisuseNeed(NeedFunnel):
    """A substance misuse need (YJB KPI 5)."""

    class Level(models.TextChoices):
        TARGETED = "targeted", "Targeted intervention"
        SPECIALIST = "specialist", "Specialist treatment"
        COMPLEX = "complex", "Complex care"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="substance_needs")
    level = models.CharField(max_length=12, choices=Level.choices, blank=True)

    class Meta:
        constraints = _funnel_constraints("substance")
        indexes = [models.Index(fields=["child", "start_date"], name="substance_child_idx")]


# ---- Allocation history ---------------------------------------------------------------


class AllocationKind(models.TextChoices):
    """What an allocation did, from the team and worker before it."""

    ALLOCATED = "allocated", "Allocated"
    REALLOCATED = "reallocated", "Reallocated to another worker"
    TRANSFERRED = "transferred", "Transferred to another team"


class Allocation(models.Model):
    """One allocation of a child to a team and worker: who, why (for a reallocation or a
    transfer) and whether the receiving worker has opened the record since ("new to you")."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    kind = models.CharField(max_length=12, choices=AllocationKind.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The manager's reason, in their words: encrypted like other narratives.
    reason = EncryptedTextField(blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text="When the receiving worker first opened the record after it."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AllocationKind.values), name="allocation_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "opened_at"], name="allocation_unopened_idx"),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.pk}"
