"""Named actions for offences recorded by hand (imports write in bulk under a batch)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.offending.codes import YJBOffenceCategory
from divert.offending.models import DataSource, Offence, OffenceType, SourceCompleteness
from divert.people.actions import check_processing_allowed


@transaction.atomic
def record_offence(
    *, by, child, committed_on: dt.date, today: dt.date, offence_type: OffenceType | None = None,
    description: str = "", gravity_score: int | None = None, police_reference: str = "",
) -> Offence:
    """Record an offence linked to a referral, with its type from the offence reference."""
    check_processing_allowed(child)
    if committed_on > today:
        raise DomainError("The date of the offence cannot be in the future.", field="offence_date")
    if committed_on < child.date_of_birth:
        raise DomainError("The date of the offence is before the child's date of birth.", field="offence_date")
    if gravity_score is not None and not 1 <= gravity_score <= 5:
        raise DomainError("The gravity score must be between 1 and 5.", field="gravity_score")
    if offence_type is not None and offence_type.organisation_id not in (None, child.organisation_id):
        raise DomainError("That offence type belongs to another organisation.", field="offence_type")
    offence = Offence.objects.create(
        child=child, committed_on=committed_on, offence_type=offence_type,
        offence_code=offence_type.code if offence_type else "",
        description=offence_type.description if offence_type else description,
        yjb_category=offence_type.yjb_category if offence_type else "",
        seriousness=offence_type.seriousness if offence_type else None,
        gravity_score=gravity_score, police_reference=police_reference,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    record_event(by=by, verb="recorded_offence", obj=offence, child=child)
    return offence


@transaction.atomic
def record_complete_to(*, by, source: DataSource, complete_to: dt.date, batch=None) -> bool:
    """Move a data source's "complete to" date forward, keeping the dated history.

    The date never moves backwards (returns False and changes nothing). Inside a batch
    (an import) the batch's own audit event carries it; otherwise an event is written.
    """
    if source.complete_to is not None and complete_to <= source.complete_to:
        return False
    source.complete_to = complete_to
    source.save(update_fields=["complete_to"])
    SourceCompleteness.objects.create(source=source, complete_to=complete_to, batch=batch,
                                      recorded_by=by if getattr(by, "pk", None) else None)
    if batch is None:
        record_event(by=by, verb="set_complete_to", obj=source, organisation=source.organisation_id,
                     details={"complete_to": complete_to.isoformat()})
    return True


def _check_offence_type(code: str, description: str, yjb_category: str, seriousness: int | None) -> None:
    if not code or len(code) > 20:
        raise DomainError("Enter the offence code (up to 20 characters).", field="code")
    if not description:
        raise DomainError("Enter the description of the offence.", field="description")
    if yjb_category not in YJBOffenceCategory.values:
        raise DomainError("Choose the YJB offence category.", field="yjb_category")
    if seriousness is not None and not 1 <= seriousness <= 8:
        raise DomainError("The seriousness score must be from 1 to 8, or left blank.", field="seriousness")


@transaction.atomic
def set_offence_type(*, by, organisation, code: str, description: str, yjb_category: str,
                     seriousness: int | None) -> OffenceType:
    """Add or change the organisation's own row of the offence reference for `code` (its own
    rows take precedence over the shipped defaults; the defaults are never changed)."""
    code = code.strip().upper()
    _check_offence_type(code, description, yjb_category, seriousness)
    row, created = OffenceType.objects.update_or_create(
        organisation=organisation, code=code,
        defaults={"description": description, "yjb_category": yjb_category, "seriousness": seriousness},
    )
    record_event(by=by, verb="added_offence_type" if created else "changed_offence_type", obj=row,
                 organisation=organisation, details={"code": code, "seriousness": seriousness})
    return row


@transaction.atomic
def load_offence_types(*, by, organisation, rows: list[dict]) -> int:
    """Load (or replace) the organisation's own offence reference rows from a checked file."""
    for row in rows:  # a reference table (hundreds of rows), not children
        _check_offence_type(row["code"], row["description"], row["yjb_category"], row.get("seriousness"))
        OffenceType.objects.update_or_create(
            organisation=organisation, code=row["code"],
            defaults={"description": row["description"], "yjb_category": row["yjb_category"],
                      "seriousness": row.get("seriousness")},
        )
    record_event(by=by, verb="imported_offence_types", organisation=organisation, details={"rows": len(rows)})
    return len(rows)


def fold_same_offences(*, keep, duplicate, by) -> None:
    """Before two records of one child are merged: an offence both records hold from the
    same police source and crime reference becomes one. Everything that pointed at the
    duplicate's copy (outcomes, referral and episode links, victims) moves to the kept
    offence, and the copy is voided with the reason (its reference freed, and kept in the
    reason), so the merged record does not count the offence twice.
    """
    now = timezone.now()
    for copy in Offence.objects.filter(child=duplicate, source__isnull=False).exclude(source_reference=""):
        kept = Offence.objects.filter(child=keep, source_id=copy.source_id,
                                      source_reference=copy.source_reference).first()
        if kept is None:
            continue
        for relation in Offence._meta.get_fields(include_hidden=True):
            if relation.auto_created and relation.one_to_many:
                relation.related_model._base_manager.filter(**{relation.field.name: copy}).update(
                    **{relation.field.name: kept})
            elif relation.auto_created and relation.many_to_many:
                through = relation.through._base_manager
                own, other = relation.field.m2m_reverse_field_name(), relation.field.m2m_field_name()
                already = through.filter(**{own: kept}).values(other)
                through.filter(**{own: copy, f"{other}__in": already}).delete()
                through.filter(**{own: copy}).update(**{own: kept})
        Offence.objects.filter(pk=copy.pk).update(
            voided_at=now, voided_by=by if getattr(by, "pk", None) else None, source_reference="",
            void_reason=f"The same offence as {kept.pk} (records of one child merged; "
                        f"crime reference {copy.source_reference}).",
        )
