"""Audit events and batches (imports and other bulk operations).

Events are append-only rows written by actions in the same transaction as the change.
They are designed for a hash chain without a global lock: events are written unsealed,
and a sealing job later groups each organisation's unsealed events, in id order, into a
seal whose hash covers the events and the previous seal (see docs/architecture.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Batch(models.Model):
    """An import or other bulk operation: one audit event covers the whole batch."""

    class Kind(models.TextChoices):
        GENERATOR = "generator", "Synthetic data generator"
        POLICE_IMPORT = "police_import", "Police data import"
        BUNDLE_IMPORT = "bundle_import", "Case-level bundle import"
        RETENTION = "retention", "Retention run"
        OTHER = "other", "Other bulk operation"

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AuditEvent(models.Model):
    """Who did what to which record (and which child), when."""

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # A plain id, not a foreign key: the trail outlives records deleted under retention.
    child_id = models.BigIntegerField(null=True, blank=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)
    # Filled when the event is sealed into its organisation's chain (security issue).
    seal_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "child_id", "at"], name="audit_child_idx"),
            models.Index(fields=["organisation", "seal_id", "id"], name="audit_seal_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def verb_label(self) -> str:
        """The verb as a reader would say it: 'viewed_child' becomes 'Viewed child'."""
        return self.verb.replace("_", " ").capitalize()


class AuditSeal(models.Model):
    """One link in an organisation's hash chain: a sealed run of that organisation's events.

    `event_digests` lists [event id, SHA-256 of the event's canonical form] for every event
    in the seal, so verification can name an edited or deleted event. Ids are stored, not
    only a range, because ids have gaps (rolled-back transactions) and events can commit
    out of id order, landing in a later seal than a higher id. `organisation` is empty for
    the chain of events that belong to no organisation (system events).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveIntegerField()
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    event_digests = models.JSONField(default=list)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sequence"], name="audit_seal_sequence_per_org"),
            models.UniqueConstraint(
                fields=["sequence"],
                condition=models.Q(organisation__isnull=True),
                name="audit_seal_sequence_system",
            ),
        ]

    def __str__(self) -> str:
        return f"Seal {self.sequence} (organisation {self.organisation_id})"
