"""Data protection: retention rules per record type, retention runs, and anonymised children.

Rules are per organisation. A rule not yet saved takes its documented default
(`divert/privacy/retention.py` DEFAULTS; docs/operations.md "Retention"). Runs hold counts
only, never personal data: they are the record of what the retention rules removed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RecordType(models.TextChoices):
    """What a retention rule covers. Each child falls under exactly one child-level type."""

    CLOSED_SUPPORT = "closed_support", "Children whose support has closed (episodes and everything under them)"
    COMPARISON = "comparison", "Children who declined the offer or did not respond (comparison group)"
    SCREENED_OUT = "screened_out", "Children screened out or not eligible (referrals only)"
    POLICE_ONLY = "police_only", "Children known only from police data"
    IMPORTS = "imports", "Police data imports: match review rows, problem lists and error files"


class Anchor(models.TextChoices):
    """The date a retention period is counted from."""

    CLOSURE = "closure", "Closure"
    LAST_CONTACT = "last_contact", "Last contact"
    EIGHTEENTH_BIRTHDAY = "birthday_18", "The child's 18th birthday"
    CLOSURE_OR_18 = "closure_or_18", "Closure or the 18th birthday, whichever is later"
    FOLLOW_UP_ENDED = "follow_up_ended", "The end of follow-up"


class RetentionAction(models.TextChoices):
    """What happens to a record whose retention period has passed."""

    ANONYMISE = "anonymise", "Anonymise (keep the facts the measures need)"
    DELETE = "delete", "Delete"


class RetentionRule(models.Model):
    """How long an organisation keeps one type of record, counted from an anchor date."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="retention_rules"
    )
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    anchor = models.CharField(max_length=20, choices=Anchor.choices)
    years = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=12, choices=RetentionAction.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "record_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "record_type"], name="retention_rule_once_per_type"
            ),
            models.CheckConstraint(
                condition=Q(record_type__in=RecordType.values), name="retention_rule_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(anchor__in=Anchor.values), name="retention_rule_anchor_valid"
            ),
            models.CheckConstraint(
                condition=Q(action__in=RetentionAction.values), name="retention_rule_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(years__lte=100), name="retention_rule_years_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Retention rule {self.record_type} ({self.organisation_id})"


class RetentionRun(models.Model):
    """An executed retention run: as-at date, who, when, and counts per rule. No personal data."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="retention_runs"
    )
    as_at = models.DateField()
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via = models.CharField(max_length=20, default="web", help_text="web or command line.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(
        default=dict, blank=True,
        help_text="Per rule: record type, action, anchor, years, cutoff, children, records per model.",
    )
    batch = models.ForeignKey(
        "audit.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organisation", "started_at"], name="retention_run_org_idx")]

    def __str__(self) -> str:
        return f"Retention run {self.pk}"

    @property
    def children_total(self) -> int:
        """Children deleted or anonymised by this run, over every rule."""
        return sum(int(rule.get("children", 0)) for rule in self.counts.get("rules", []))

    @property
    def summary_lines(self) -> list[str]:
        """One plain line per rule: 'Children screened out ...: deleted 3 records'."""
        lines = []
        for rule in self.counts.get("rules", []):
            imports = rule["record_type"] == RecordType.IMPORTS
            number = rule.get("import_runs" if imports else "children", 0)
            noun = "import run" if imports else "child record"
            verb = "deleted" if rule["action"] == RetentionAction.DELETE else "anonymised"
            lines.append(f"{RecordType(rule['record_type']).label}: {verb} {number} {noun}"
                         f"{'' if number == 1 else 's'}")
        return lines


class Anonymisation(models.Model):
    """Marks a child anonymised under the retention rules, so a later run leaves it alone."""

    child = models.OneToOneField(
        "people.Child", on_delete=models.CASCADE, related_name="anonymisation"
    )
    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="anonymisations")
    anonymised_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Anonymisation of child {self.child_id}"
