"""Reports computed ahead of need and served from what was stored.

    report = report_for(organisations=[org], period=parse_period("2025-26Q1"),
                        as_at=date(2025, 7, 31))

`report_for` (and `served_report`, which also says when the figures were computed and
whether they are being updated) is how other code gets a report: the measures page, its
exports and the board pack. A report is stored per request (organisations, programmes,
period, "as at", "as known on", suppressed, cohort) with the data versions of its
organisations read before computing.

A stored report never outlives a change to the data it depends on. Every write in Divert
is a named action that writes an audit event in the same transaction (imports and the
generator: one event per batch), so one receiver on `AuditEvent` bumps the organisation's
`DataVersion` once that transaction has committed; a stored report whose versions differ
from the current ones is stale. Reading events (viewed, listed, searched, exported...) bump
nothing. A stale report is served marked "being updated" while the task worker recomputes
it; one that was never computed is computed there and then. Computing runs under a
statement timeout on PostgreSQL, and one computation per report at a time (an advisory
lock): ten people opening the same report at once wait for one computation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import zlib
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from divert.accounts.models import Commissioner, Organisation, Programme
from divert.kpis.engine import compute_report, end_of_day
from divert.kpis.models import DataVersion, StoredReport
from divert.kpis.periods import (
    Period,
    financial_quarter_containing,
    latest_published_quarter,
    publication_day,
)
from divert.kpis.results import Report, report_from_dict

log = logging.getLogger(__name__)

# Audit verbs that record reading, not a change to any figure.
READING = ("viewed_", "listed_", "searched_", "exported_", "downloaded_", "checked_")
READING_VERBS = {"opened_allocated_record"}
# A refresh asked for this long ago and not yet done is asked for again (a worker died).
REFRESH_AGAIN_AFTER = dt.timedelta(minutes=15)


class ReportTooSlow(Exception):
    """The report's queries ran past the statement timeout."""


@dataclass(frozen=True)
class Served:
    """A report as served: the figures (read from the stored JSON when first asked for), whose
    they are, when they were computed and whether newer records mean they are being
    recomputed."""

    stored: bytes
    label: str
    computed_at: dt.datetime
    version: str  # names these figures (the stored report, when computed, a checksum): a cache key
    updating: bool = False

    @cached_property
    def report(self) -> Report:
        """The report itself."""
        return _unpack(self.stored)


@dataclass(frozen=True)
class Request:
    """What a report is of (the stored report's key is made from this)."""

    organisation_ids: tuple[int, ...]
    programme_ids: tuple[int, ...]
    period: Period
    as_at: dt.date
    known_on: dt.datetime | None
    suppress: bool
    cohort: Period | None

    @property
    def key(self) -> str:
        """A digest of every argument that changes the figures."""
        text = json.dumps([self.organisation_ids, self.programme_ids, _period_text(self.period),
                           self.as_at.isoformat(), self.known_on.isoformat() if self.known_on else None,
                           self.suppress, _period_text(self.cohort) if self.cohort else None])
        return hashlib.sha256(text.encode()).hexdigest()


def _period_text(period: Period) -> str:
    return f"{period.kind}:{period.start.isoformat()}:{period.end.isoformat()}:{period.label}"


def _period_from(text: str) -> Period:
    kind, start, end, label = text.split(":", 3)
    return Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end), kind, label)


# Data versions ---------------------------------------------------------------------------


def is_change(verb: str) -> bool:
    """Whether an audit event with this verb records a change (not a reading)."""
    return not verb.startswith(READING) and verb not in READING_VERBS


def bump_data_version(organisation_id: int) -> None:
    """Mark an organisation's records as changed (every stored report of it becomes stale)."""
    now = timezone.now()
    mine = DataVersion.objects.filter(organisation_id=organisation_id)
    if mine.update(version=F("version") + 1, changed_at=now):
        return
    _, created = DataVersion.objects.get_or_create(organisation_id=organisation_id,
                                                   defaults={"version": 1, "changed_at": now})
    if not created:  # made by a change committed at the same moment: count this one too
        mine.update(version=F("version") + 1, changed_at=now)


def note_change(sender, instance, created: bool, **kwargs) -> None:
    """post_save receiver for audit events: bump the organisation's data version once the
    change has committed (not inside the writing transaction, so writers never queue on it)."""
    if not created or instance.organisation_id is None or not is_change(instance.verb):
        return
    organisation_id = instance.organisation_id
    transaction.on_commit(lambda: bump_data_version(organisation_id), using=kwargs.get("using"), robust=True)


def data_versions(organisation_ids) -> dict[str, int]:
    """{organisation id (text, as stored in JSON): data version} for these organisations."""
    ids = list(organisation_ids)
    got = dict(DataVersion.objects.filter(organisation_id__in=ids).values_list("organisation_id", "version"))
    return {str(pk): got.get(pk, 0) for pk in ids}


# Computing and storing ------------------------------------------------------------------


def _pack(report: Report) -> bytes:
    return zlib.compress(json.dumps(report.as_dict(), ensure_ascii=False).encode(), 6)


def _unpack(data: bytes) -> Report:
    return report_from_dict(json.loads(zlib.decompress(data)))


def _served(row: StoredReport, *, updating: bool = False) -> Served:
    data = bytes(row.report)
    version = f"{row.key}:{row.computed_at.isoformat()}:{zlib.crc32(data)}"
    return Served(data, row.label, row.computed_at, version, updating)


def _request(organisations, programmes, period, as_at, known_on, suppress, cohort) -> Request:
    programmes = tuple(programmes)
    organisation_ids = {o.pk for o in organisations} | {p.organisation_id for p in programmes}
    return Request(tuple(sorted(organisation_ids)), tuple(sorted(p.pk for p in programmes)), period, as_at,
                   known_on, suppress, cohort)


def _compute(request: Request, organisations, programmes) -> StoredReport:
    """Compute and store the report (data versions read first, so a change committed while
    computing leaves it stale)."""
    versions = data_versions(request.organisation_ids)
    started = time.perf_counter()
    report = compute_report(organisations=organisations, programmes=programmes, period=request.period,
                            as_at=request.as_at, known_on=request.known_on, suppress=request.suppress,
                            cohort=request.cohort)
    seconds = time.perf_counter() - started
    row, _ = StoredReport.objects.update_or_create(key=request.key, defaults={
        "organisation_ids": list(request.organisation_ids), "programme_ids": list(request.programme_ids),
        "period": _period_text(request.period), "as_at": request.as_at, "known_on": request.known_on,
        "suppressed": request.suppress, "cohort": _period_text(request.cohort) if request.cohort else "",
        "label": report.organisation, "report": _pack(report), "data_versions": versions, "computed_at": timezone.now(),
        "seconds": seconds, "refresh_requested_at": None,
    })
    log.info("stored report %s computed in %.1f s", row.pk, seconds)
    return row


def _is_current(row: StoredReport | None) -> bool:
    return row is not None and row.data_versions == data_versions(row.organisation_ids)


def compute_and_store(request: Request, organisations, programmes) -> StoredReport:
    """The stored report, computed now unless a current one is there. On PostgreSQL one
    computation per report at a time (others wait, then find it stored) under a statement
    timeout (`DIVERT_REPORT_STATEMENT_TIMEOUT` seconds)."""
    if connection.vendor != "postgresql":
        return _compute(request, organisations, programmes)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(request.key[:15], 16)])
                cursor.execute("SELECT set_config('statement_timeout', %s, true)",
                               [str(settings.DIVERT_REPORT_STATEMENT_TIMEOUT * 1000)])
            row = StoredReport.objects.filter(key=request.key).first()
            if _is_current(row):
                assert row is not None
                return row
            return _compute(request, organisations, programmes)
    except OperationalError as exc:
        if "statement timeout" in str(exc):
            raise ReportTooSlow(request.key) from exc
        raise


def ensure_stored(request: Request, organisations, programmes) -> tuple[StoredReport, bool]:
    """The current stored report for the request, and whether it had to be computed now."""
    row = StoredReport.objects.filter(key=request.key).first()
    if _is_current(row):
        assert row is not None
        return row, False
    return compute_and_store(request, organisations, programmes), True


def _ask_for_refresh(row: StoredReport) -> None:
    """Queue the stale report's recomputation, once (again only if the last ask went unanswered)."""
    now = timezone.now()
    claimed = StoredReport.objects.filter(pk=row.pk).filter(
        Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_AGAIN_AFTER)
    ).update(refresh_requested_at=now)
    if claimed:
        refresh_stored_report.enqueue(row.pk)


def served_report(*, organisations=(), programmes=(), period: Period, as_at: dt.date,
                  known_on: dt.datetime | None = None, suppress: bool = False,
                  cohort: Period | None = None) -> Served:
    """The report for these arguments (as `engine.compute_report` takes them) from the store:
    current, or stale and being recomputed by the task worker, or computed now if none was
    stored. Raises ReportTooSlow if computing it now runs past the statement timeout."""
    organisations, programmes = tuple(organisations), tuple(programmes)
    request = _request(organisations, programmes, period, as_at, known_on, suppress, cohort)
    row = StoredReport.objects.filter(key=request.key).first()
    if row is not None and not _is_current(row):
        _ask_for_refresh(row)
        row.refresh_from_db()  # an immediate task backend has already recomputed it
        if not _is_current(row):
            return _served(row, updating=True)
    if row is None:
        row, _ = ensure_stored(request, organisations, programmes)
    return _served(row)


def report_for(*, organisations=(), programmes=(), period: Period, as_at: dt.date,
               known_on: dt.datetime | None = None, suppress: bool = False, cohort: Period | None = None) -> Report:
    """The report for these arguments, from the store (see `served_report`): what the
    measures page, its exports and the board pack read."""
    return served_report(organisations=organisations, programmes=programmes, period=period, as_at=as_at,
                         known_on=known_on, suppress=suppress, cohort=cohort).report


def refresh(row: StoredReport) -> StoredReport:
    """Recompute a stored report from its own arguments (the task worker's job)."""
    organisations = list(Organisation.objects.filter(pk__in=row.organisation_ids))
    programmes = list(Programme.objects.filter(pk__in=row.programme_ids).select_related("organisation"))
    if programmes:
        organisations = []
    request = _request(organisations, programmes, _period_from(row.period), row.as_at, row.known_on,
                       row.suppressed, _period_from(row.cohort) if row.cohort else None)
    return compute_and_store(request, organisations, programmes)


@task()
def refresh_stored_report(stored_report_id: int) -> str:
    """The task worker's job: recompute a stale stored report (if it is still there and stale)."""
    row = StoredReport.objects.filter(pk=stored_report_id).first()
    if row is None:
        return "gone"
    if _is_current(row):
        StoredReport.objects.filter(pk=row.pk).update(refresh_requested_at=None)
        return "current"
    refresh(row)
    return "recomputed"


# Ahead of need --------------------------------------------------------------------------


def wanted(organisations, today: dt.date) -> list[tuple[str, Request, tuple, tuple]]:
    """The reports people open first, for these organisations on `today`: the measures page as
    managers and performance officers see it (the previous financial quarter, and the current
    one, as at today), and as board members and the commissioners funding their programmes see
    it (the latest two published quarters, as at and as known on their publication days)."""
    out: list[tuple[str, Request, tuple, tuple]] = []
    latest = latest_published_quarter(today)
    published = [(q, publication_day(q)) for q in (latest, latest.previous())]
    current = financial_quarter_containing(today)
    for org in organisations:
        for period in (current.previous(), current):
            out.append((org.slug, _request((org,), (), period, today, None, False, None), (org,), ()))
        for period, day in published:
            out.append((org.slug, _request((org,), (), period, day, end_of_day(day), True, None), (org,), ()))
    funders = Commissioner.objects.filter(programmes__organisation__in=organisations).distinct()
    for commissioner in funders:
        programmes = tuple(Programme.objects.filter(funded_by=commissioner).select_related("organisation"))
        for period, day in published:
            out.append((commissioner.slug, _request((), programmes, period, day, end_of_day(day), True, None),
                        (), programmes))
    return out


def precompute(organisations, today: dt.date, *, enqueue: bool = False):
    """Store every wanted report that is not stored and current (or queue each for the task
    worker); yields (whose, request, computed now, seconds) per report."""
    for whose, request, orgs, programmes in wanted(organisations, today):
        if enqueue:
            store_report.enqueue(list(request.organisation_ids) if orgs else [], list(request.programme_ids),
                                 _period_text(request.period), request.as_at.isoformat(),
                                 request.known_on.isoformat() if request.known_on else None, request.suppress)
            yield whose, request, False, 0.0
            continue
        row, computed = ensure_stored(request, orgs, programmes)
        yield whose, request, computed, row.seconds


def forget_unwanted(organisations, today: dt.date, *, keep_days: int) -> int:
    """Delete these organisations' stored reports computed over `keep_days` ago that are not
    wanted today (someone asking for one again has it computed again)."""
    keep = {request.key for _, request, _, _ in wanted(organisations, today)}
    ids = {o.pk for o in organisations}
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    old = StoredReport.objects.filter(computed_at__lt=cutoff).exclude(key__in=keep)
    doomed = [pk for pk, orgs in old.values_list("pk", "organisation_ids") if ids & set(orgs)]
    return StoredReport.objects.filter(pk__in=doomed).delete()[0]


@task()
def store_report(organisation_ids: list[int], programme_ids: list[int], period: str, as_at: str,
                 known_on: str | None, suppress: bool) -> str:
    """The task worker's job for `precompute --enqueue`: store one report unless it is current."""
    programmes = tuple(Programme.objects.filter(pk__in=programme_ids).select_related("organisation"))
    organisations = tuple(Organisation.objects.filter(pk__in=organisation_ids))
    request = _request(organisations, programmes, _period_from(period), dt.date.fromisoformat(as_at),
                       dt.datetime.fromisoformat(known_on) if known_on else None, suppress, None)
    _, computed = ensure_stored(request, organisations, programmes)
    return "computed" if computed else "current"
