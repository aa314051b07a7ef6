"""Police data imports: saved column mappings, import runs, error files and the match review queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from divert.accounts.models import Role


class ColumnMapping(models.Model):
    """A saved map from a source's own column headings to Divert's (docs/data-format.md)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="column_mappings"
    )
    name = models.CharField(max_length=120)
    mapping = models.JSONField(default=dict, help_text="Their heading -> our column name.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="column_mapping_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class SourceOptions(models.Model):
    """Per data source choices: which programme a Community Resolution or a custody release
    opens a referral to (blank: none)."""

    source = models.OneToOneField(
        "offending.DataSource", on_delete=models.CASCADE, related_name="import_options"
    )
    community_resolution_programme = models.ForeignKey(
        "accounts.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Open a referral to this programme for each new Community Resolution.",
    )
    custody_release_programme = models.ForeignKey(
        "accounts.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Open a 'following arrest' referral to this programme for each new release.",
    )

    def __str__(self) -> str:
        return f"Options for source {self.source_id}"


class ImportRun(models.Model):
    """One police file import: what it was, who ran it, what it covered and what it did."""

    class Status(models.TextChoices):
        """Where an import has got to."""

        CHECKING = "checking", "Checking the file"
        PREVIEWED = "previewed", "Checked, waiting for confirmation"
        QUEUED = "queued", "Waiting to run"
        RUNNING = "running", "Running"
        REFUSED = "refused", "Refused: the file has problems"
        DRY_RUN = "dry_run", "Dry run (nothing kept)"
        COMPLETE = "complete", "Imported"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Not confirmed in time (file deleted)"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="import_runs"
    )
    source = models.ForeignKey(
        "offending.DataSource", on_delete=models.PROTECT, related_name="import_runs"
    )
    mapping = models.ForeignKey(
        ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(
        max_length=500, blank=True, help_text="Where an uploaded file waits for confirmation."
    )
    complete_to = models.DateField()
    valid_rows_only = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    stage = models.CharField(max_length=60, blank=True, help_text="Progress shown while running.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_queued = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    children_created = models.PositiveIntegerField(default=0)
    referrals_opened = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True,
        help_text="Problems as [row, column, message, level]; messages quote values, never log them.",
    )
    batch = models.ForeignKey(
        "audit.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "started_at"], name="import_run_org_idx")]

    def __str__(self) -> str:
        return f"Import {self.pk}"

    @property
    def error_count(self) -> int:
        """How many problems are errors (not notices)."""
        return sum(1 for p in self.problems if p[3] == "error")


class ImportErrorFile(models.Model):
    """The rejected rows of a valid-rows-only import, with their problems, kept for a while."""

    run = models.OneToOneField(ImportRun, on_delete=models.CASCADE, related_name="error_file")
    path = models.CharField(max_length=500)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Error file for import {self.run_id}"

    def may_download(self, user) -> bool:
        """Only the uploader and the organisation's performance officers may download it."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.deleted_at is not None or user.organisation_id != self.run.organisation_id:
            return False
        return user.pk == self.run.uploaded_by_id or user.has_any_role([Role.PERFORMANCE_OFFICER])


class MatchReviewQuerySet(models.QuerySet):
    """Reviews, scoped by the organisation of the user."""

    def visible_to(self, user):
        """Reviews of the user's organisation, for performance officers only."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.organisation_id or not user.has_any_role([Role.PERFORMANCE_OFFICER]):
            return self.none()
        return self.filter(organisation_id=user.organisation_id)

    def pending(self):
        """Reviews nobody has decided yet."""
        return self.filter(decision=MatchReview.Decision.PENDING)


class MatchReview(models.Model):
    """Rows whose child could not be identified with certainty, waiting for a person.

    `rows` holds the staged, validated rows (one person's rows from one file);
    `candidates` the possible children with their scores. Nothing is written for these
    rows until someone decides.
    """

    class Decision(models.TextChoices):
        """What the reviewer decided."""

        PENDING = "pending", "Waiting for review"
        MATCHED = "matched", "Matched to an existing child"
        NEW_CHILD = "new_child", "Recorded as a new child"
        DISCARDED = "discarded", "Discarded"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="reviews")
    source = models.ForeignKey("offending.DataSource", on_delete=models.CASCADE, related_name="+")
    source_references = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    candidates = models.JSONField(default=list, help_text="[{'child': id, 'score': 0-1, 'why': ...}]")
    best_score = models.FloatField(default=0)
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    child = models.ForeignKey(
        "people.Child", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    received_on = models.DateField(
        null=True, blank=True, help_text="The day the import that queued these rows ran."
    )

    objects = MatchReviewQuerySet.as_manager()
    # Not stored: what resolve_match_review tells the person deciding (e.g. why no referral opened).
    notices: list[str]

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="matched", child__isnull=False) | ~Q(decision="matched"),
                name="match_review_matched_has_child",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "decision"], name="match_review_org_idx")]

    def __str__(self) -> str:
        return f"Match review {self.pk}"
