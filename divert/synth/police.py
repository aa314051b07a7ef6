"""Offending histories: offences, legal outcomes and arrests as police data reports them.

A child's offences are first generated as events; they become rows once the whole
history is known, because whether police data has reported an event yet depends on the
data source's "complete to" date, and an offence that came with a referral is known from
the day the referral arrived.
"""

from __future__ import annotations

import datetime as dt

from divert.core.dates import add_months
from divert.imports.followup import OffenceFacts
from divert.offending.codes import DISPOSAL_GROUP
from divert.synth import params as p

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


class Event:
    """An offence in a child's history and its legal outcome, before it becomes rows."""

    __slots__ = ("offence_id", "committed", "code", "disposal", "outcome_date", "linked_at")

    def __init__(self, offence_id, committed, code, disposal=None, outcome_date=None):
        self.offence_id = offence_id
        self.committed = committed
        self.code = code
        self.disposal = disposal
        self.outcome_date = outcome_date
        self.linked_at = None  # set when the offence came with a referral


def data_complete_to(on: dt.date, import_day: int = 7) -> dt.date:
    """How far monthly police data reaches on a date (imported on the 7th for last month)."""
    first = on.replace(day=1)
    if on.day < import_day:
        first = (first - ONE_DAY).replace(day=1)
    return first - ONE_DAY


def outcome_lag(disposal: str) -> tuple[int, int]:
    """Days from offence to outcome for a kind of disposal."""
    if disposal in ("youth_caution", "youth_conditional_caution"):
        return p.OUTCOME_LAG["caution"]
    if disposal in p.OUT_OF_COURT_DISPOSALS:
        return p.OUTCOME_LAG["diversion"]
    return p.OUTCOME_LAG["court"]


class PoliceMixin:
    """Offending events and their rows for `OrgHistory`."""

    def new_event(self, c, committed, code, disposal, *, lag=None) -> Event:
        """An offence event with its outcome dated after a realistic lag."""
        outcome_date = None
        if disposal:
            low, high = lag or outcome_lag(disposal)
            outcome_date = committed + dt.timedelta(days=self.rng.randint(low, high))
            if disposal in p.FORMAL_DISPOSALS:
                c.formal += 1
        event = Event(self.ids.new("offences"), committed, code, disposal, outcome_date)
        c.events.append(event)
        return event

    def further_disposal(self, c, code: str):
        """The legal outcome of a further offence, escalating with formal history."""
        rng = self.rng
        if rng.random() < p.UNPROVEN_CHANCE:
            return None
        disposal = p.FURTHER_DISPOSAL[min(c.formal, 2)](rng)
        if self.offence_types[code][2] >= 6 and disposal in p.OUT_OF_COURT_DISPOSALS:
            disposal = "referral_order" if c.formal == 0 else "yro"
        return disposal

    def reoffending(self, c, anchor: dt.date, chance: float) -> None:
        """Further offences after `anchor`: within 12 months with `chance`, sometimes later."""
        rng = self.rng
        rand = rng.random
        if rand() < chance:
            day = anchor + dt.timedelta(days=1 + int(364 * rand() ** 1.4))
            count = 1
            while rand() < 0.55 and count < 12:
                count += 1
        elif rand() < p.LATER_OFFENDING:
            day = anchor + dt.timedelta(days=366 + int(rand() * 700))
            count = 1 + (rand() < 0.4)
        else:
            return
        adult_from = add_months(c.dob, 18 * 12)
        for _ in range(count):
            if day >= self.last_day or day >= adult_from:
                break
            code = p.FURTHER_OFFENCES(rng)
            event = self.new_event(c, day, code, self.further_disposal(c, code))
            self.maybe_arrest(c, event)
            day += dt.timedelta(days=rng.randint(12, 110))

    def maybe_arrest(self, c, event: Event, result: str | None = None) -> None:
        """An arrest for a more serious offence, with a result that fits its outcome."""
        rng = self.rng
        code = event.code
        if result is None:
            category, seriousness = self.offence_types[code][1], self.offence_types[code][2]
            if category not in p.ARREST_CATEGORIES and seriousness < 4:
                return
            if rng.random() > 0.6:
                return
            disposal = event.disposal
            if disposal is None:
                result = ("nfa", "rui", "bail")[int(rng.random() * 3)]
            elif disposal in p.OUT_OF_COURT_DISPOSALS:
                result = "out_of_court"
            else:
                result = "charged"
        day = event.committed
        if day > self.last_day:
            return
        # Between 12:00 and 22:00 UTC, so the date is the same in London.
        arrested = dt.datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + dt.timedelta(
            minutes=rng.randint(0, 599)
        )
        released = arrested + dt.timedelta(minutes=rng.randint(180, 1200))
        if released >= self.cap:
            released = None
        c.arrests.append(day)
        self.arrest_count += 1
        recorded = min(
            (released or arrested) + dt.timedelta(minutes=rng.randint(30, 360)), self.cap
        )
        c.note(recorded)
        self.rows["arrests"].append(
            (
                c.id,
                arrested,
                released,
                result,
                self.ctx.custody_source,
                f"C{self.ctx.organisation.pk}-{self.arrest_count}",
                recorded,
                None,
                self.batch_id,
                None,
                None,
                "",
            )
        )
        return released

    def police_only_child(self, c) -> None:
        """A child known only from police data: a first outcome, perhaps more offending."""
        rng = self.rng
        code = p.FURTHER_OFFENCES(rng)
        disposal = p.POLICE_ONLY_FIRST_DISPOSAL(rng)
        if self.offence_types[code][2] >= 6 and disposal in p.OUT_OF_COURT_DISPOSALS:
            disposal = "referral_order"
        event = self.new_event(c, c.first_day, code, disposal)
        self.maybe_arrest(c, event)
        self.reoffending(c, event.outcome_date, p.REOFFEND_12M["police_only"])

    def event_rows(self, c) -> None:
        """Turn a child's events into offence and outcome rows, as far as they are known.

        Also collects what those rows say (`c.facts`), to complete follow-up checkpoints by
        the same rule as the police import does.
        """
        rows_offences, rows_outcomes = self.rows["offences"], self.rows["outcomes"]
        complete_to, source, batch = self.complete_to, self.ctx.outcomes_source, self.batch_id
        area = c.ward
        prefix = self.ctx.plan.postcode_area
        for e in c.events:
            linked = e.linked_at
            if linked is None and e.committed > complete_to:
                continue
            _, category, seriousness, description, type_id = self.offence_types[e.code]
            gravity = min(
                5 if e.committed >= GRAVITY_5_FROM else 4,
                max(1, GRAVITY[seriousness] + self.gravity_jitter()),
            )
            if e.disposal in ("community_resolution", "outcome_22", "outcome_22_deferred"):
                gravity = min(gravity, 3)
            recorded = linked or self.imported(e.committed)
            c.note(recorded)
            rows_offences.append(
                (
                    e.offence_id,
                    c.id,
                    e.committed,
                    type_id,
                    e.code,
                    description,
                    category,
                    seriousness,
                    gravity,
                    f"{prefix}/{e.committed:%y}/{e.offence_id % 1000000:06d}",
                    source,
                    f"O{e.offence_id}",
                    recorded,
                    None,
                    batch,
                    None,
                    None,
                    "",
                )
            )
            known = e.disposal is not None and (
                e.outcome_date <= complete_to
                or (linked is not None and e.outcome_date < linked.date())
            )
            outcomes = ((e.outcome_date, DISPOSAL_GROUP[e.disposal]),) if known else ()
            c.facts.append(OffenceFacts(e.committed, outcomes))
            if not known:
                continue
            release = None
            if e.disposal == "custody":
                release = e.outcome_date + dt.timedelta(days=self.rng.randint(60, 365))
            rows_outcomes.append(
                (
                    c.id,
                    e.offence_id,
                    p.HO_OUTCOME.get(e.disposal, 1),
                    e.disposal,
                    e.outcome_date,
                    "",
                    area,
                    release,
                    source,
                    f"U{e.offence_id}",
                    linked
                    if linked and e.outcome_date < linked.date()
                    else self.imported(e.outcome_date),
                    None,
                    batch,
                    None,
                    None,
                    "",
                )
            )

    def gravity_jitter(self) -> int:
        """Police gravity scores vary by circumstances around the offence type's usual score."""
        r = self.rng.random()
        return -1 if r < 0.12 else (1 if r > 0.88 else 0)


# Typical police gravity score (1-5) for a YJB seriousness score (1-8).
GRAVITY = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4, 8: 5}
# Gravity 5 exists from the Child Gravity Matrix of October 2023; before it, 1-4.
GRAVITY_5_FROM = dt.date(2023, 10, 1)
