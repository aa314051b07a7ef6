"""The audit hash chain: sealing each organisation's events and verifying the seals.

Events are appended with no chain state, so a page view never waits on the chain. A
sealer takes one organisation's unsealed events in id order, hashes each event's
canonical form, hashes those digests together with the previous seal's hash into a new
seal, and stamps `seal_id` on the events, all in one transaction. Only the
organisation's latest seal row is locked, so two sealers of one organisation take turns
and organisations never block each other. See docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from divert.audit.models import AuditEvent, AuditSeal

# Keeps one seal's digest list (about 80 bytes an event) and its id__in queries modest;
# a backlog larger than this is sealed over several seals.
MAX_EVENTS_PER_SEAL = 5000

EVENT_FIELDS = (
    "id",
    "organisation_id",
    "actor_id",
    "verb",
    "object_type",
    "object_id",
    "child_id",
    "batch_id",
    "at",
    "details",
    "seal_id",
)


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_digest(row: dict) -> str:
    """SHA-256 hex of one event's canonical form (a row of EVENT_FIELDS values)."""
    canonical = _canonical_json(
        {
            "id": row["id"],
            "organisation": row["organisation_id"],
            "actor": row["actor_id"],
            "verb": row["verb"],
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "child_id": row["child_id"],
            "batch": row["batch_id"],
            "at": _utc_iso(row["at"]),
            "details": row["details"],
        }
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal_hash(
    *, organisation_id, sequence: int, previous_hash: str, sealed_at: dt.datetime, digests: list
) -> str:
    """SHA-256 hex of a seal: its place in the chain, the previous hash and its events' digests."""
    canonical = _canonical_json(
        {
            "organisation": organisation_id,
            "sequence": sequence,
            "previous_hash": previous_hash,
            "sealed_at": _utc_iso(sealed_at),
            "events": digests,
        }
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _chain(model, organisation_id):
    if organisation_id is None:
        return model.objects.filter(organisation__isnull=True)
    return model.objects.filter(organisation_id=organisation_id)


def _lock_latest_seal(organisation_id) -> AuditSeal | None:
    """Lock this organisation's latest seal row, re-checking in case a new seal landed while we waited."""
    seals = _chain(AuditSeal, organisation_id).order_by("-sequence")
    locked = seals.select_for_update().first()
    while locked is not None:
        latest = seals.first()
        if latest is None or latest.pk == locked.pk:
            return locked
        locked = seals.select_for_update().filter(pk=latest.pk).first()
    return None


def seal_events(
    *, organisation, now: dt.datetime, limit: int = MAX_EVENTS_PER_SEAL
) -> AuditSeal | None:
    """Seal the organisation's unsealed events (None: events of no organisation) into the next seal.

    Returns the new seal, or None when there was nothing to seal or another sealer of the
    same organisation sealed the same events first.
    """
    organisation_id = getattr(organisation, "pk", organisation)
    try:
        with transaction.atomic():
            previous = _lock_latest_seal(organisation_id)
            rows = list(
                _chain(AuditEvent, organisation_id)
                .filter(seal_id__isnull=True)
                .order_by("id")
                .values(*EVENT_FIELDS)[:limit]
            )
            if not rows:
                return None
            digests = [[row["id"], event_digest(row)] for row in rows]
            sequence = previous.sequence + 1 if previous else 1
            previous_hash = previous.hash if previous else ""
            seal = AuditSeal.objects.create(
                organisation_id=organisation_id,
                sequence=sequence,
                first_event_id=rows[0]["id"],
                last_event_id=rows[-1]["id"],
                event_count=len(rows),
                event_digests=digests,
                previous_hash=previous_hash,
                hash=seal_hash(
                    organisation_id=organisation_id,
                    sequence=sequence,
                    previous_hash=previous_hash,
                    sealed_at=now,
                    digests=digests,
                ),
                sealed_at=now,
            )
            stamped = AuditEvent.objects.filter(
                id__in=[row["id"] for row in rows], seal_id__isnull=True
            ).update(seal_id=seal.pk)
            if stamped != len(rows):
                # Someone stamped these events under us: give up rather than seal twice.
                raise IntegrityError("audit events were stamped by another sealer")
            return seal
    except IntegrityError:
        # The unique sequence per organisation is the backstop when two first seals race.
        return None


def seal_all(*, organisation, now: dt.datetime) -> list[AuditSeal]:
    """Seal every unsealed event of the organisation, as as many seals as the backlog needs."""
    seals = []
    while (seal := seal_events(organisation=organisation, now=now)) is not None:
        seals.append(seal)
    return seals


def seal_every_chain(*, now: dt.datetime) -> list[AuditSeal]:
    """Seal the unsealed events of every organisation (and of none): what a schedule runs."""
    organisation_ids = set(
        AuditEvent.objects.filter(seal_id__isnull=True).order_by().values_list("organisation_id", flat=True)
    )
    seals = []
    for organisation_id in sorted(organisation_ids, key=lambda i: (i is None, i or 0)):
        seals += seal_all(organisation=organisation_id, now=now)
    return seals


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a chain, naming the event and seal concerned (ids only)."""

    kind: str
    message: str
    seal_sequence: int | None = None
    event_id: int | None = None


@dataclass
class ChainReport:
    """The result of verifying one organisation's chain."""

    organisation_id: int | None
    seals: int = 0
    events: int = 0
    unsealed: int = 0
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def verify_chain(*, organisation) -> ChainReport:
    """Recompute every seal of the organisation's chain and name each problem found."""
    organisation_id = getattr(organisation, "pk", organisation)
    report = ChainReport(organisation_id=organisation_id)
    problems = report.problems
    seal_ids = set()
    previous: AuditSeal | None = None
    for seal in _chain(AuditSeal, organisation_id).order_by("sequence").iterator(chunk_size=50):
        report.seals += 1
        seal_ids.add(seal.pk)
        _check_link(seal, previous, problems)
        _check_seal(seal, problems)
        report.events += len(seal.event_digests)
        previous = seal
    report.head_hash = previous.hash if previous else ""
    stray = (
        _chain(AuditEvent, organisation_id)
        .filter(seal_id__isnull=False)
        .exclude(seal_id__in=seal_ids)
        .order_by("id")
        .values_list("id", "seal_id")
    )
    for event_id, seal_id in stray:
        problems.append(
            Problem(
                "stamped_with_unknown_seal",
                f"Event {event_id} is stamped with seal id {seal_id}, which is not in this chain.",
                event_id=event_id,
            )
        )
    report.unsealed = _chain(AuditEvent, organisation_id).filter(seal_id__isnull=True).count()
    return report


def _check_link(seal: AuditSeal, previous: AuditSeal | None, problems: list[Problem]) -> None:
    expected_sequence = previous.sequence + 1 if previous else 1
    expected_hash = previous.hash if previous else ""
    if seal.sequence != expected_sequence:
        problems.append(
            Problem(
                "missing_seal",
                f"Seal {seal.sequence} follows seal {expected_sequence - 1}: a seal is missing.",
                seal_sequence=seal.sequence,
            )
        )
    if seal.previous_hash != expected_hash:
        problems.append(
            Problem(
                "broken_link",
                f"Seal {seal.sequence} does not link to the seal before it (previous hash differs).",
                seal_sequence=seal.sequence,
            )
        )


def _check_seal(seal: AuditSeal, problems: list[Problem]) -> None:
    sequence = seal.sequence
    digests = seal.event_digests
    recomputed = seal_hash(
        organisation_id=seal.organisation_id,
        sequence=sequence,
        previous_hash=seal.previous_hash,
        sealed_at=seal.sealed_at,
        digests=digests,
    )
    if recomputed != seal.hash:
        problems.append(
            Problem(
                "seal_altered",
                f"Seal {sequence} has been altered (its hash does not match).",
                seal_sequence=sequence,
            )
        )
    ids = [event_id for event_id, _ in digests]
    if len(ids) != seal.event_count or (
        ids and (ids[0], ids[-1]) != (seal.first_event_id, seal.last_event_id)
    ):
        problems.append(
            Problem(
                "count_mismatch",
                f"Seal {sequence} records {seal.event_count} events from {seal.first_event_id} to "
                f"{seal.last_event_id} but lists {len(ids)}.",
                seal_sequence=sequence,
            )
        )
    rows = {row["id"]: row for row in AuditEvent.objects.filter(id__in=ids).values(*EVENT_FIELDS)}
    for event_id, digest in digests:
        row = rows.get(event_id)
        if row is None:
            problems.append(
                Problem(
                    "deleted_event",
                    f"Event {event_id} in seal {sequence} has been deleted.",
                    seal_sequence=sequence,
                    event_id=event_id,
                )
            )
            continue
        if event_digest(row) != digest:
            problems.append(
                Problem(
                    "edited_event",
                    f"Event {event_id} in seal {sequence} has been edited.",
                    seal_sequence=sequence,
                    event_id=event_id,
                )
            )
        if row["seal_id"] != seal.pk:
            problems.append(
                Problem(
                    "wrong_stamp",
                    f"Event {event_id} is in seal {sequence} but stamped with seal id {row['seal_id']}.",
                    seal_sequence=sequence,
                    event_id=event_id,
                )
            )
    listed = set(ids)
    stamped = (
        _chain(AuditEvent, seal.organisation_id)
        .filter(seal_id=seal.pk)
        .values_list("id", flat=True)
        .order_by("id")
    )
    for event_id in stamped:
        if event_id not in listed:
            problems.append(
                Problem(
                    "stamped_not_in_seal",
                    f"Event {event_id} is stamped with seal {sequence} but is not in it.",
                    seal_sequence=sequence,
                    event_id=event_id,
                )
            )
