"""Completing follow-up checkpoints once police data covers their window.

Definitions (../shared/definitions.md, "Local prevention follow-up"): the window is
[anchor date, anchor date + N months), as `divert.core.dates.follow_up_window` sets it. Tier a, proven reoffence: an offence committed in
the window and proven by a caution or conviction within the window + 6 months. Tier b,
any further formal police outcome (including Community Resolution and Outcome 22): an
offence committed in the window with an outcome recorded within the window + 6 months.
Tier c, further arrest: an arrest dated in the window. A tier is known only once the
relevant sources are complete to the window's end (+ 6 months for tiers a and b).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from divert.audit.actions import record_event
from divert.casework.codes import CheckpointStatus
from divert.casework.models import FollowUpCheckpoint
from divert.core.dates import follow_up_window
from divert.core.models import in_parts
from divert.imports.formats import LONDON
from divert.offending.codes import FORMAL_GROUPS
from divert.offending.models import Arrest, DataSource, Outcome, SourceCompleteness
from divert.offending.models import Offence as OffenceModel

OUTCOME_SOURCE_KINDS = ("crime_outcomes", "community_resolutions", "bundle", "generator")
ARREST_SOURCE_KINDS = ("custody_releases", "bundle", "generator")


@dataclass(frozen=True)
class OffenceFacts:
    """An offence's committed date and its outcomes as (outcome date, disposal group)."""

    committed_on: dt.date
    outcomes: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True)
class CheckpointResult:
    """What the data says about one window; None means not yet known."""

    proven_reoffence: bool | None
    further_outcome: bool | None
    further_arrest: bool | None

    @property
    def complete(self) -> bool:
        """Tiers a and b are known (tier c too where arrest data exists)."""
        return self.proven_reoffence is not None


def outcomes_covered(anchor_date: dt.date, months: int, complete_to: dt.date | None) -> bool:
    """Outcome data reaches the last day of the window's 6-month waiting period."""
    last = follow_up_window(anchor_date, months).last_proving_day
    return complete_to is not None and complete_to >= last


def arrests_covered(anchor_date: dt.date, months: int, complete_to: dt.date | None) -> bool:
    """Arrest data reaches the window's last day."""
    return complete_to is not None and complete_to >= follow_up_window(anchor_date, months).last_day


def evaluate_checkpoint(
    *,
    anchor_date: dt.date,
    months: int,
    outcomes_complete_to: dt.date | None,
    arrests_complete_to: dt.date | None,
    offences: Iterable[OffenceFacts],
    arrest_dates: Iterable[dt.date],
) -> CheckpointResult:
    """The three tiers for one window, each None until its data is complete."""
    window = follow_up_window(anchor_date, months)
    proven = further = arrested = None
    if outcomes_covered(anchor_date, months, outcomes_complete_to):
        proven = further = False
        for offence in offences:
            if not window.contains(offence.committed_on):
                continue
            for outcome_date, group in offence.outcomes:
                if not window.proven_in_time(outcome_date):
                    continue
                further = True
                if group in FORMAL_GROUPS:
                    proven = True
    if arrests_covered(anchor_date, months, arrests_complete_to):
        arrested = any(window.contains(day) for day in arrest_dates)
    return CheckpointResult(proven, further, arrested)


def complete_to_as_known(sources: list[tuple], known_on: dt.datetime | None) -> list[tuple]:
    """`sources` as (id, ..., complete_to) rows, with complete_to as known on `known_on`:
    each source's latest "complete to" recorded by that moment (its dated history). A source
    with no history (loaded before the history was kept, or by the generator) counts as
    complete to its current date, but never beyond the day of `known_on`."""
    if known_on is None:
        return sources

    ids = [row[0] for row in sources]
    history: dict[int, dt.date | None] = {}
    for source_id, complete_to in (
        SourceCompleteness.objects.known_on(known_on).filter(source_id__in=ids)
        .order_by("source_id", "recorded_at", "id").values_list("source_id", "complete_to")
    ):
        history[source_id] = complete_to
    has_history = set(
        SourceCompleteness.objects.filter(source_id__in=ids).values_list("source_id", flat=True).distinct()
    )
    day = timezone.localdate(known_on)
    return [
        (*row[:-1], history.get(row[0]) if row[0] in has_history else (min(row[-1], day) if row[-1] else None))
        for row in sources
    ]


def source_coverage(organisation, *, known_on: dt.datetime | None = None) -> tuple[dt.date | None, dt.date | None]:
    """How far the organisation's outcome data and arrest data reach (the least complete source).

    With `known_on`, as it was known then: each source's latest "complete to" recorded by
    that moment (its dated history). A source with no history (loaded before the history
    was kept, or by the generator) counts as complete to its current date, but never
    beyond the day of `known_on`.
    """
    sources = list(DataSource.objects.filter(organisation=organisation).values_list("id", "kind", "complete_to"))
    sources = complete_to_as_known(sources, known_on)

    def least(kinds):
        dates = [to for _, kind, to in sources if kind in kinds]
        known = [d for d in dates if d is not None]
        if not dates or len(known) < len(dates):
            return None
        return min(known)

    return least(OUTCOME_SOURCE_KINDS), least(ARREST_SOURCE_KINDS)


@transaction.atomic
def complete_checkpoints(*, by, organisation, today: dt.date, batch=None, children=()) -> dict[str, int]:
    """Complete every checkpoint of the organisation whose window the data covers.

    Checkpoints whose data is not yet complete and that are due stay (or become)
    'awaiting data'. Completed checkpoints of `children` (those whose records were just
    written, e.g. rows attached from the review queue) are worked out again, so they say
    what the data now says. Writes one audit event with the counts, unless it runs inside
    a batch (an import), whose own event then carries them.
    """
    outcomes_to, arrests_to = source_coverage(organisation)
    in_scope = FollowUpCheckpoint.objects.current().filter(
        child__organisation=organisation, child__merged_into__isnull=True
    )
    checkpoints = list(in_scope.filter(~Q(status=CheckpointStatus.COMPLETE) | Q(further_arrest__isnull=True)))
    seen = {c.pk for c in checkpoints}
    for part in in_parts(children):  # a bounded number of parameters per query
        checkpoints += [c for c in in_scope.filter(child_id__in=part) if c.pk not in seen]
    counts = {"completed": 0, "awaiting_data": 0, "updated": 0}
    if not checkpoints:
        return counts
    child_ids = {c.child_id for c in checkpoints}
    offences: dict[int, dict[int, list]] = defaultdict(dict)
    for offence_id, child_id, committed in (
        OffenceModel.objects.current().filter(child_id__in=child_ids)
        .values_list("id", "child_id", "committed_on")
    ):
        offences[child_id][offence_id] = [committed, []]
    for offence_id, child_id, outcome_date, group in (
        Outcome.objects.current().filter(child_id__in=child_ids, offence__voided_at__isnull=True)
        .values_list("offence_id", "child_id", "outcome_date", "disposal_group")
    ):
        entry = offences[child_id].get(offence_id)
        if entry is not None:
            entry[1].append((outcome_date, group))
    arrests: dict[int, list[dt.date]] = defaultdict(list)
    for child_id, arrested_at in Arrest.objects.current().filter(child_id__in=child_ids).values_list(
        "child_id", "arrested_at"
    ):
        arrests[child_id].append(arrested_at.astimezone(_london()).date())

    changed = []
    for checkpoint in checkpoints:
        facts = [OffenceFacts(c, tuple(o)) for c, o in offences[checkpoint.child_id].values()]
        result = evaluate_checkpoint(
            anchor_date=checkpoint.anchor_date, months=checkpoint.months,
            outcomes_complete_to=outcomes_to, arrests_complete_to=arrests_to,
            offences=facts, arrest_dates=arrests[checkpoint.child_id],
        )
        before = (checkpoint.status, checkpoint.proven_reoffence, checkpoint.further_outcome,
                  checkpoint.further_arrest)
        if result.complete:
            if checkpoint.status != CheckpointStatus.COMPLETE:
                checkpoint.status = CheckpointStatus.COMPLETE
                checkpoint.completed_on = today
                counts["completed"] += 1
            checkpoint.proven_reoffence = result.proven_reoffence
            checkpoint.further_outcome = result.further_outcome
            checkpoint.further_arrest = result.further_arrest
        else:
            # A tier whose own data is complete is final even while another tier waits (arrest
            # data usually covers a window six months before outcome data does).
            for field in ("proven_reoffence", "further_outcome", "further_arrest"):
                if getattr(result, field) is not None:
                    setattr(checkpoint, field, getattr(result, field))
            if checkpoint.due_on <= today and checkpoint.status != CheckpointStatus.AWAITING_DATA:
                checkpoint.status = CheckpointStatus.AWAITING_DATA
                counts["awaiting_data"] += 1
        after = (checkpoint.status, checkpoint.proven_reoffence, checkpoint.further_outcome,
                 checkpoint.further_arrest)
        if after != before:
            changed.append(checkpoint)
    FollowUpCheckpoint.objects.bulk_update(
        changed, ["status", "completed_on", "proven_reoffence", "further_outcome", "further_arrest"],
        batch_size=1000,
    )
    counts["updated"] = len(changed)
    # Inside an import the batch's one event carries these counts; alone, it writes its own.
    if changed and batch is None:
        record_event(by=by, verb="completed_follow_up_checkpoints", organisation=organisation,
                     details={"counts": counts})
    return counts


def _london():
    return LONDON
