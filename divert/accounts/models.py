"""Tenancy and people who use Divert: organisations, programmes, teams, users, roles, tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property


class Role(models.TextChoices):
    """What a user does in the service; a user may hold several."""

    CASE_WORKER = "case_worker", "Case worker / prevention officer"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    PERFORMANCE_OFFICER = "performance_officer", "Performance officer"
    BOARD_MEMBER = "board_member", "Management board member"
    COMMISSIONER = "commissioner", "Commissioner (VRU)"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles that may see child-level records (each within its own scope).
CHILD_ROLES = (
    Role.CASE_WORKER,
    Role.TEAM_MANAGER,
    Role.SERVICE_MANAGER,
    Role.PERFORMANCE_OFFICER,
)
# Roles that record the pathway (within their scope).
PATHWAY_ROLES = (Role.CASE_WORKER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
# Roles that allocate, reopen and merge.
MANAGER_ROLES = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
# Roles whose scope is the whole organisation.
ORGANISATION_ROLES = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)


class Organisation(models.Model):
    """The tenant and isolation boundary: a council's youth justice service or a provider."""

    class Kind(models.TextChoices):
        YJS = "yjs", "Youth justice service"
        PROVIDER = "provider", "Commissioned provider"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.YJS)
    area_name = models.CharField(max_length=120, blank=True)
    area_code = models.CharField(
        max_length=12, blank=True, help_text="ONS local authority code, e.g. E06000016."
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts from 1 up to this are shown as '≤N' outside the service."
    )
    k_anonymity = models.PositiveSmallIntegerField(default=5)
    mfa_required = models.BooleanField(default=True)
    retention = models.JSONField(
        default=dict, blank=True, help_text="Retention rules per record type (years)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(suppression_threshold__gte=0) & Q(suppression_threshold__lte=20),
                name="organisation_suppression_threshold_0_20",
            ),
            models.CheckConstraint(
                condition=Q(k_anonymity__gte=2), name="organisation_k_anonymity_at_least_2"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Commissioner(models.Model):
    """A funder such as a Violence Reduction Unit: sees aggregates of what it funds."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Used when a programme has no lawful basis of its own recorded.
DEFAULT_LAWFUL_BASIS = (
    "Public task: Crime and Disorder Act 1998 s.37 and s.39, the duty to prevent offending by children"
)


class Programme(models.Model):
    """What an organisation delivers, with its eligibility rules and targets as data."""

    class Kind(models.TextChoices):
        DIVERSION = "diversion", "Diversion (after a Community Resolution or Outcome 22)"
        PREVENTION = "prevention", "Prevention / early intervention"
        VIOLENCE = "violence", "Violence intervention"
        GROUP = "group", "Group programme"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DIVERSION)
    min_age = models.PositiveSmallIntegerField(default=10)
    max_age = models.PositiveSmallIntegerField(default=17)
    area_codes = models.JSONField(
        default=list, blank=True, help_text="Areas the child must live in; empty means any."
    )
    referral_sources = models.JSONField(
        default=list, blank=True, help_text="Accepted referral sources; empty means all."
    )
    exclusions = models.JSONField(
        default=list, blank=True, help_text="Reasons a referral is not accepted, in plain words."
    )
    once_only = models.BooleanField(
        default=False, help_text="A child may take part only once."
    )
    parent_consent_under = models.PositiveSmallIntegerField(
        default=16, help_text="A parent or carer must also consent for children younger than this."
    )
    screening_days = models.PositiveSmallIntegerField(
        default=5, help_text="Working days from referral to a screening decision."
    )
    custody_contact_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Hours from release from custody to first contact."
    )
    first_contact_days = models.PositiveSmallIntegerField(default=10)
    # What "successfully completed" requires. Below it, a worker's "yes" waits for a manager.
    completion_min_attended_percent = models.PositiveSmallIntegerField(
        default=75,
        help_text="Share of the plan's sessions the child must attend (percent) to close as successfully "
                  "completed without a manager confirming.",
    )
    completion_needs_review = models.BooleanField(
        default=True,
        help_text="The plan must have been reviewed with the child at least once to close as successfully "
                  "completed without a manager confirming.",
    )
    allocation_days = models.PositiveSmallIntegerField(
        default=10, help_text="Working days from referral to allocation to a worker (the queue flags later ones)."
    )
    recorder_takes_child = models.BooleanField(
        default=False,
        help_text="The worker who records a referral for a child with no worker takes the child.",
    )
    funded_by = models.ManyToManyField(Commissioner, blank=True, related_name="programmes")
    comparison_lawful_basis = models.CharField(
        max_length=200, blank=True,
        default="Public task: Crime and Disorder Act 1998 s.37 and s.39, the duty to prevent "
                "offending by children",
        help_text="Lawful basis for keeping declined children's data for follow-up (comparison group).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="programme_slug_per_org"),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="programme_min_age_not_above_max"
            ),
            models.CheckConstraint(condition=Q(max_age__lte=25), name="programme_max_age_25"),
            models.CheckConstraint(
                condition=Q(completion_min_attended_percent__lte=100), name="programme_completion_share_a_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def follow_up_lawful_basis(self) -> str:
        """The lawful basis in force for keeping a declined or withdrawn child's data for follow-up."""
        return (self.comparison_lawful_basis or "").strip() or DEFAULT_LAWFUL_BASIS


class Tier(models.Model):
    """A defined level of support within a programme: planned sessions over planned weeks."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tiers")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    planned_sessions = models.PositiveSmallIntegerField()
    planned_weeks = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="tier_number_per_programme"),
            models.CheckConstraint(condition=Q(planned_weeks__gte=1), name="tier_weeks_positive"),
        ]

    def __str__(self) -> str:
        return f"Tier {self.number}: {self.name}"


class Team(models.Model):
    """A team of workers in an organisation, working on some of its programmes."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    programmes = models.ManyToManyField(Programme, blank=True, related_name="teams")

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation or one commissioner (or neither,
    for a platform administrator) and holds one or more roles."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    commissioner = models.ForeignKey(
        Commissioner, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members")

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | Q(commissioner__isnull=True),
                name="user_organisation_or_commissioner",
            ),
        ]

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles this user holds (one query, cached for the request)."""
        if not self.pk:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_any_role(self, roles) -> bool:
        """True if the user holds at least one of `roles`."""
        return bool(self.roles.intersection(str(r) for r in roles))

    @property
    def role_labels(self) -> list[str]:
        """The user's roles in plain words."""
        return [Role(r).label for r in sorted(self.roles)]

    @property
    def display_name(self) -> str:
        """Name to show on pages."""
        return self.get_full_name() or self.username


class RoleGrant(models.Model):
    """A role held by a user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_grant_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ApiTokenQuerySet(models.QuerySet):
    """Querysets for API tokens."""

    def usable(self, *, now=None):
        """Tokens neither revoked nor expired, held by active users."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """An API token. Only a keyed hash of the secret is stored; tokens expire."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
