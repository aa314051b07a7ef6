"""Writing audit events. Called by every action, in the action's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from divert.audit.models import AuditEvent, Batch
from divert.core.errors import DomainError


def record_event(
    *,
    by,
    verb: str,
    obj: models.Model | None = None,
    child=None,
    organisation=None,
    details: dict[str, Any] | None = None,
    batch: Batch | None = None,
) -> AuditEvent:
    """Write one audit event. `details` must hold ids and codes, never personal data."""
    child_id = getattr(child, "pk", child)
    if organisation is None:
        organisation = getattr(child, "organisation_id", None) or getattr(by, "organisation_id", None)
    organisation_id = getattr(organisation, "pk", organisation)
    return AuditEvent.objects.create(
        organisation_id=organisation_id,
        actor=by if getattr(by, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        child_id=child_id,
        details=details or {},
        batch=batch,
    )


def start_batch(*, kind: str, organisation=None, by=None, description: str = "") -> Batch:
    """Open a batch for a bulk operation."""
    return Batch.objects.create(
        kind=kind, organisation=organisation, created_by=by, description=description
    )


def finish_batch(batch: Batch, *, counts: dict[str, int], verb: str) -> AuditEvent:
    """Close a batch and write its single audit event."""
    batch.finished_at = timezone.now()
    batch.counts = counts
    batch.save(update_fields=["finished_at", "counts"])
    return record_event(
        by=batch.created_by,
        verb=verb,
        obj=batch,
        organisation=batch.organisation_id,
        details={"counts": counts, "kind": batch.kind},
        batch=batch,
    )


def void_record(*, by, record, reason: str, now=None):
    """Mark a record made in error as void, keeping it (figures 'as known on' stay reproducible)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for voiding this record.", field="reason")
    if record.voided_at is not None:
        raise DomainError("This record has already been voided.")
    with transaction.atomic():
        record.voided_at = now or timezone.now()
        record.voided_by = by
        record.void_reason = reason
        record.save(update_fields=["voided_at", "voided_by", "void_reason"])
        record_event(by=by, verb="voided_record", obj=record, child=_child_of(record))
    return record


def _child_of(record):
    """The child a record is about: itself, its child, or its episode's or plan's child."""
    if record._meta.label_lower == "people.child":
        return record.pk
    for path in ("child_id", "episode.child_id", "plan.episode.child_id", "referral.child_id", "offence.child_id"):
        value = record
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        if value is not None:
            return value
    return None
