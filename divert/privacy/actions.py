"""Named actions for data protection: retention rules, retention runs, subject access exports."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from divert.accounts.models import Organisation
from divert.audit.actions import finish_batch, record_event, start_batch
from divert.audit.models import Batch
from divert.core.errors import DomainError
from divert.offending.actions import fold_same_offences
from divert.oversight.actions import fold_same_quarter_audits
from divert.people.actions import merge_child_records
from divert.people.models import Child
from divert.privacy.models import Anchor, RecordType, RetentionAction, RetentionRule, RetentionRun
from divert.privacy.retention import apply_plan, plan_retention

MAX_YEARS = 100
# At least a year: one mistaken setting followed by a run cannot remove recent work at once.
MIN_YEARS = 1


@transaction.atomic
def set_retention_rule(
    *, by, organisation, record_type: str, anchor: str, years: int, action: str, now: dt.datetime | None = None
) -> RetentionRule:
    """Save how long the organisation keeps one type of record, and what happens then."""
    if record_type not in RecordType.values:
        raise DomainError("Choose a type of record.", field="record_type")
    if anchor not in Anchor.values:
        raise DomainError("Choose the date the period is counted from.", field="anchor")
    if record_type == RecordType.IMPORTS and anchor != Anchor.CLOSURE:
        raise DomainError("Import records are counted from when the import finished (closure).",
                          field="anchor")
    if action not in RetentionAction.values:
        raise DomainError("Choose whether to anonymise or delete.", field="action")
    if years is None or not MIN_YEARS <= int(years) <= MAX_YEARS:
        raise DomainError(f"The number of years must be between {MIN_YEARS} and {MAX_YEARS}.", field="years")
    rule, _ = RetentionRule.objects.update_or_create(
        organisation=organisation, record_type=record_type,
        defaults={"anchor": anchor, "years": int(years), "action": action,
                  "updated_by": by if getattr(by, "pk", None) else None,
                  "updated_at": now or timezone.now()},
    )
    record_event(by=by, verb="set_retention_rule", obj=rule, organisation=organisation,
                 details={"record_type": record_type, "anchor": anchor, "years": int(years),
                          "action": action})
    return rule


def run_retention(*, by, organisation, as_at: dt.date, via: str = "web",
                  now: dt.datetime | None = None) -> RetentionRun:
    """Carry out the retention rules on `as_at`: one transaction for the organisation.

    Deletes or anonymises exactly what `plan_retention` lists at that moment, records a
    RetentionRun with counts per rule (no personal data) and one audit event. Audit events
    themselves are never deleted or changed, so the hash chain still verifies.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # One run at a time per organisation: a second waits here, then finds nothing left.
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        batch = start_batch(kind=Batch.Kind.RETENTION, organisation=organisation, by=by,
                            description=f"Retention rules as at {as_at.isoformat()}")
        run = RetentionRun.objects.create(
            organisation=organisation, as_at=as_at, via=via, started_at=now, batch=batch,
            run_by=by if getattr(by, "pk", None) else None,
        )
        plan = plan_retention(organisation, as_at)
        rules = apply_plan(plan, run=run, now=now)
        run.counts = {"as_at": as_at.isoformat(), "rules": rules}
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
        flat = {f"{r['record_type']}_{r['action']}": r["children"] or r["import_runs"] for r in rules}
        finish_batch(batch, counts=flat, verb="ran_retention")
    return run


def record_subject_access_export(*, by, child, file_format: str, via: str = "web") -> None:
    """Audit a subject access export of one child's record (who, which format, how)."""
    record_event(by=by, verb="exported_subject_access", obj=child, child=child,
                 details={"format": file_format, "via": via})


@transaction.atomic
def merge_children(*, by, keep: Child, duplicate: Child, reason: str) -> Child:
    """Merge a duplicate record of a child into `keep`, keeping both histories.

    A merge reaches every app's records of the child, so it is called from here, above the
    pathway apps, and every app's own step is named below (no signals):
    - offending: an offence both records hold from the same police source and crime
      reference becomes one, so the merged record does not count it twice;
    - oversight: a child is chosen for case audit once a quarter, so of two choices for the
      same quarter one stays and the other is voided.
    Then people moves every record of the duplicate to `keep` (people.actions.merge_child_records).
    """
    return merge_child_records(by=by, keep=keep, duplicate=duplicate, reason=reason,
                               before_move=[fold_same_offences, fold_same_quarter_audits])
