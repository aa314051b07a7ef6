"""Named actions for the board pack: narratives, publication, generated files, schedules.

Workflow of a narrative (enforced here, nowhere else): the service manager writes it
(draft), approves it (approved); publishing the pack publishes every approved narrative
with it and freezes them. Changing an approved narrative returns it to draft. Once a pack
is published its narratives can no longer change.

Who: service managers write and approve; service managers and performance officers
publish. Board members and commissioners only ever see published narratives.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from divert.accounts.models import Role
from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.kpis.periods import Period, parse_period, publication_day
from divert.reports.models import (
    NARRATIVE_MAX_LENGTH,
    Format,
    Narrative,
    PackFile,
    PackSchedule,
    Publication,
)
from divert.reports.sections import SECTION_TITLES
from divert.reports.tasks import generate_pack_files

WRITERS = (Role.SERVICE_MANAGER,)
PUBLISHERS = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
SCHEDULED_FORMATS = (Format.PDF, Format.XLSX)


def _check_role(by, organisation, roles, what: str) -> None:
    if getattr(by, "organisation_id", None) != organisation.pk or not by.has_any_role(roles):
        raise DomainError(f"Only the organisation's {what} can do this.")


def quarter(period: str | Period) -> Period:
    """The financial quarter a pack is for, or a refusal saying what to type."""
    if isinstance(period, str):
        try:
            period = parse_period(period)
        except ValueError as exc:
            raise DomainError(str(exc), field="period") from exc
    if period.kind != "financial_quarter":
        raise DomainError("A board pack is for a financial quarter, like 2025-26Q1.", field="period")
    return period


def _programme_of(organisation, programme):
    if programme is not None and programme.organisation_id != organisation.pk:
        raise DomainError("The programme belongs to another organisation.", field="programme")
    return programme


def publication_of(*, organisation, period: str | Period, programme=None) -> Publication | None:
    """The pack's publication, or None while it is unpublished."""
    return Publication.objects.of_pack(organisation=organisation, period=quarter(period).cli,
                                       programme=programme).first()


def _not_published(organisation, period: Period, programme) -> None:
    if publication_of(organisation=organisation, period=period, programme=programme):
        raise DomainError(f"The pack for {period.label} has been published: its narratives can no longer change.")


def clean_text(text: str) -> str:
    """The narrative as plain text: line endings made one kind, control characters removed, trimmed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or c.isprintable()).strip()


@transaction.atomic
def write_narrative(*, by, organisation, period, section: str, text: str, programme=None,
                    now: dt.datetime) -> Narrative:
    """Write (or rewrite) a section's narrative as a draft."""
    _check_role(by, organisation, WRITERS, "service managers")
    period = quarter(period)
    programme = _programme_of(organisation, programme)
    if section not in SECTION_TITLES:
        raise DomainError("Choose a section of the pack.", field="section")
    text = clean_text(text)
    if not text:
        raise DomainError("Enter what this section shows and what the service is doing about it.", field="text")
    if len(text) > NARRATIVE_MAX_LENGTH:
        raise DomainError(f"The narrative must be {NARRATIVE_MAX_LENGTH:,} characters or fewer "
                          f"(it is {len(text):,}).", field="text")
    _not_published(organisation, period, programme)
    narrative = Narrative.objects.of_pack(organisation=organisation, period=period.cli, programme=programme).filter(
        section=section).select_for_update().first()
    if narrative is None:
        narrative = Narrative(organisation=organisation, programme=programme, period=period.cli, section=section)
    narrative.text = text
    narrative.status = Narrative.Status.DRAFT
    narrative.written_by = by
    narrative.written_at = now
    narrative.approved_by = None
    narrative.approved_at = None
    narrative.save()
    record_event(by=by, verb="wrote_narrative", obj=narrative, organisation=organisation, details={
        "period": period.cli, "section": section, "programme": getattr(programme, "pk", None),
        "characters": len(text)})
    return narrative


@transaction.atomic
def approve_narrative(*, by, narrative: Narrative, now: dt.datetime) -> Narrative:
    """Approve a draft narrative, ready to be published with the pack."""
    _check_role(by, narrative.organisation, WRITERS, "service managers")
    narrative = Narrative.objects.select_for_update().get(pk=narrative.pk)
    if narrative.status != Narrative.Status.DRAFT:
        raise DomainError(f"This narrative is already {narrative.get_status_display().lower()}.")
    narrative.status = Narrative.Status.APPROVED
    narrative.approved_by = by
    narrative.approved_at = now
    narrative.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(by=by, verb="approved_narrative", obj=narrative, organisation=narrative.organisation_id,
                 details={"period": narrative.period, "section": narrative.section})
    return narrative


@transaction.atomic
def publish_pack(*, by, organisation, period, programme=None, now: dt.datetime,
                 formats=SCHEDULED_FORMATS) -> Publication:
    """Publish a pack: freeze its "as known on" moment (now) and its approved narratives, and
    queue its files (the published copies, whose SHA-256 is kept)."""
    _check_role(by, organisation, PUBLISHERS, "service managers and performance officers")
    period = quarter(period)
    programme = _programme_of(organisation, programme)
    day = publication_day(period)
    if day > timezone.localtime(now).date():
        # Boards see a quarter's figures as at and as known on its publication day, so a
        # pack published earlier would not be frozen yet.
        raise DomainError(f"The figures for {period.label} are published on {day:%-d %B %Y}: "
                          "publish the pack from then.")
    _not_published(organisation, period, programme)
    narratives = list(Narrative.objects.of_pack(organisation=organisation, period=period.cli, programme=programme)
                      .select_for_update())
    drafts = [SECTION_TITLES[n.section] for n in narratives if n.status == Narrative.Status.DRAFT]
    if drafts:
        raise DomainError("Approve the draft narrative for " + ", ".join(drafts) + " before publishing.")
    publication = Publication.objects.create(
        organisation=organisation, programme=programme, period=period.cli, as_at=day, known_on=now,
        narratives={n.section: n.text for n in narratives}, published_by=by, published_at=now,
    )
    Narrative.objects.filter(pk__in=[n.pk for n in narratives]).update(status=Narrative.Status.PUBLISHED)
    record_event(by=by, verb="published_pack", obj=publication, organisation=organisation, details={
        "period": period.cli, "programme": getattr(programme, "pk", None),
        "narratives": len(narratives)})
    if formats:
        request_pack_files(by=by, organisation=organisation, period=period, formats=formats,
                           publication=publication, now=now)
    return publication


@transaction.atomic
def request_pack_files(*, by, organisation, period, formats, now: dt.datetime, programme=None,
                       suppressed: bool = True, known_on: dt.datetime | None = None,
                       publication: Publication | None = None) -> list[PackFile]:
    """Queue a pack to be made as files by the task worker (`by` None: the schedule), one
    task for all the formats so the figures are computed once.

    A published pack's files take everything from its publication (suppressed, as known on
    its frozen moment, with its narratives); any other file is a working copy as known on
    `known_on` (None: as recorded when it is made)."""
    period = quarter(period)
    formats = list(dict.fromkeys(formats))
    if not formats or any(f not in Format.values for f in formats):
        raise DomainError("Choose PDF, spreadsheet or web page.", field="format")
    if publication is not None:
        programme, suppressed, known_on = publication.programme, True, publication.known_on
    programme = _programme_of(organisation, programme)
    files = [PackFile.objects.create(
        organisation=organisation, programme=programme, period=period.cli, format=fmt, suppressed=suppressed,
        known_on=known_on, publication=publication, requested_by=by if getattr(by, "pk", None) else None,
        requested_at=now, stage="Waiting to start",
    ) for fmt in formats]
    record_event(by=by, verb="requested_pack_files", obj=files[0], organisation=organisation, details={
        "period": period.cli, "formats": formats, "suppressed": suppressed, "files": [f.pk for f in files],
        "publication": getattr(publication, "pk", None), "programme": getattr(programme, "pk", None)})
    ids = [f.pk for f in files]
    transaction.on_commit(lambda: generate_pack_files.enqueue(ids))
    return files


@transaction.atomic
def set_pack_schedule(*, by, organisation, formats) -> PackSchedule | None:
    """Make (or stop making, with no formats) the pack's files each quarter once its figures are published."""
    _check_role(by, organisation, PUBLISHERS, "service managers and performance officers")
    formats = sorted(set(formats))
    if any(f not in SCHEDULED_FORMATS for f in formats):
        raise DomainError("Choose PDF, spreadsheet or both.", field="formats")
    record_event(by=by, verb="set_pack_schedule", organisation=organisation, details={"formats": formats})
    if not formats:
        PackSchedule.objects.filter(organisation=organisation).delete()
        return None
    schedule, _ = PackSchedule.objects.update_or_create(organisation=organisation,
                                                       defaults={"formats": formats, "set_by": by})
    return schedule
