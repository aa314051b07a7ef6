"""One organisation's synthetic history, as rows for the bulk loader.

`OrgHistory(...).generate()` returns `{table key: [row tuples]}` (see `bulk.TABLES` for
each table's row layout). Everything comes from one seeded `random.Random`, and every
date is on or before the day before "today", so the same seed and "today" give the same
history.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from divert.core.dates import add_months, add_working_days, age_on, follow_up_window
from divert.imports.followup import evaluate_checkpoint
from divert.synth import params as p
from divert.synth import vocab
from divert.synth.bulk import TABLE_KEYS, Ids
from divert.synth.casework import CaseworkMixin
from divert.synth.organisations import OrgContext, ProgrammeInfo, TeamInfo
from divert.synth.police import UTC, PoliceMixin
from divert.synth.texts import DECLINE_REASONS, INELIGIBLE_REASONS, LAWFUL_BASIS, Narratives

ONE_DAY = dt.timedelta(days=1)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class ChildState:
    """What the generator remembers about one child while making their history."""

    __slots__ = (
        "id",
        "dob",
        "sex",
        "ward",
        "first_day",
        "events",
        "arrests",
        "formal",
        "team",
        "worker",
        "offers",
        "care",
        "known",
        "facts",
    )

    def __init__(self, child_id: int):
        self.id = child_id
        self.events = []
        self.arrests = []
        self.formal = 0
        self.team = None
        self.worker = None
        self.offers = []  # (referral id, offer date, group, closure date if completed, worker)
        self.care = None  # care status found at the first screening ("" for none)
        self.known = None  # when the service first recorded anything about the child
        self.facts = []  # offences as police data reports them (for follow-up)

    def note(self, moment: dt.datetime) -> None:
        """Remember the earliest moment anything about the child was recorded."""
        if self.known is None or moment < self.known:
            self.known = moment


class Result:
    """How a referral ended, for follow-up and later referrals."""

    __slots__ = ("group", "ended", "worker")

    def __init__(self, group: str, ended: dt.date | None, worker: int | None):
        self.group = group
        self.ended = ended
        self.worker = worker


class OrgHistory(PoliceMixin, CaseworkMixin):
    """Generates the history of one organisation's children up to the day before `today`."""

    def __init__(
        self,
        ctx: OrgContext,
        *,
        seed: int,
        today: dt.date,
        years: int,
        ids: Ids,
        texts: Narratives,
        batch_id: int,
        offence_types: dict,
        instrument_id: int,
    ):
        self.ctx = ctx
        self.rng = random.Random(f"divert-synth:{seed}:{ctx.plan.slug}")
        self.today = today
        self.last_day = today - ONE_DAY
        self.cap = dt.datetime(today.year, today.month, today.day, tzinfo=UTC)
        self.start = add_months(today, -12 * years)
        self.years = years
        self.complete_to = ctx.complete_to
        self.ids = ids
        self.texts = texts
        self.batch_id = batch_id
        # code -> (code, yjb category, seriousness, description, offence type id)
        self.offence_types = offence_types
        self.instrument_id = instrument_id
        self.rows: dict[str, list[tuple]] = {key: [] for key in TABLE_KEYS}
        self.arrest_count = 0
        self.ethnicity = p.ethnicity_weights(ctx.plan.white_british_share)
        self.diversion = [pr for pr in ctx.programmes if pr.kind != "violence"]
        self.violence = [pr for pr in ctx.programmes if pr.kind == "violence"]
        self.teams_for = {
            pr.id: [t for t in ctx.teams if pr.id in t.programme_ids and t.workers]
            for pr in ctx.programmes
        }
        self.topics = {
            "violence": p.topic_combinations(p.VIOLENCE_TOPICS),
            "diversion": p.topic_combinations(p.DIVERSION_TOPICS),
        }
        self.local_number = 0

    # ---- time ---------------------------------------------------------------------------

    def stamp(self, day: dt.date, max_days: int = 2) -> dt.datetime:
        """When something that happened on `day` was recorded: soon after, never after today."""
        rand = self.rng.random
        day = day + dt.timedelta(days=int(rand() * (max_days + 1)))
        moment = dt.datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + dt.timedelta(
            minutes=int(rand() * 600)
        )
        if moment >= self.cap:
            moment = self.cap - dt.timedelta(minutes=1 + int(rand() * 120))
        return moment

    def imported(self, day: dt.date) -> dt.datetime:
        """When the monthly police import that covers `day` ran (one moment per import)."""
        first_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=7)
        moment = dt.datetime(first_next.year, first_next.month, 7, 2, tzinfo=UTC)
        return min(moment, self.cap - dt.timedelta(minutes=1))

    def rec(self, day: dt.date, by: int | None, max_days: int = 2) -> tuple:
        """The provenance columns (Recorded) for a row recorded soon after `day`."""
        return (self.stamp(day, max_days), by, self.batch_id, None, None, "")

    def referral_day(self) -> dt.date:
        """A day in the history window; referrals grow a little year on year."""
        rand = self.rng.random
        span = (self.last_day - self.start).days
        while True:
            t = rand()
            if rand() < (0.85 + 0.3 * t) / 1.15:
                return self.start + dt.timedelta(days=int(t * span))

    # ---- children -----------------------------------------------------------------------

    def generate(self) -> dict[str, list[tuple]]:
        """Make every child's history and the area's population; return rows by table."""
        for _ in range(self.ctx.plan.children):
            if self.rng.random() < p.POLICE_ONLY_SHARE:
                self.police_only()
            else:
                self.referred()
        self.population()
        self.board_meetings()
        return self.rows

    def new_child(self, first_day: dt.date, age: int) -> ChildState:
        """A child of `age` on `first_day`, with an allocation to be decided."""
        rng = self.rng
        c = ChildState(self.ids.new("children"))
        anniversary = _safe_replace(first_day, first_day.year - age)
        c.dob = anniversary - dt.timedelta(days=int(rng.random() * 364))
        c.sex = p.SEX(rng)
        c.ward = self.ctx.plan.wards[int(rng.random() * len(self.ctx.plan.wards))]
        c.first_day = first_day
        return c

    def child_row(
        self, c: ChildState, *, police_only: bool, recorded_at: dt.datetime, by: int | None
    ) -> None:
        """The child's own row, with names drawn to fit their recorded ethnicity."""
        rng = self.rng
        plan = self.ctx.plan
        ethnicity = self.ethnicity(rng)
        first_pools, last_pools = vocab.NAMES_FOR_ETHNICITY[ethnicity]
        male, female, _ = vocab.NAME_POOLS[first_pools[int(rng.random() * len(first_pools))]]
        firsts = (
            male if c.sex == "male" or (c.sex == "not_known" and rng.random() < 0.5) else female
        )
        surnames = vocab.NAME_POOLS[last_pools[int(rng.random() * len(last_pools))]][2]
        first = firsts[int(rng.random() * len(firsts))]
        last = surnames[int(rng.random() * len(surnames))]
        preferred = first[:3] if len(first) > 6 and rng.random() < 0.1 else ""
        ward_number = plan.wards.index(c.ward) + 1
        postcode = (
            f"{plan.postcode_area}{ward_number} {rng.randint(1, 9)}"
            f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        )
        gender = ""
        if rng.random() < 0.01:
            gender = rng.choice(("Non-binary", "Trans boy", "Trans girl", "Prefers not to say"))
        if police_only:
            local_id, school = "", ""
        else:
            self.local_number += 1
            local_id = f"{plan.local_id_prefix}-{self.local_number:06d}"
            school = plan.schools[int(rng.random() * len(plan.schools))]
        police_id = ""
        if c.events or c.arrests:
            police_id = f"{c.first_day:%y}/{rng.randint(0, 9_999_999):07d}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
        self.rows["children"].append(
            (
                c.id,
                self.ctx.organisation.pk,
                first,
                last,
                preferred,
                c.dob,
                c.sex,
                gender,
                ethnicity,
                c.ward,
                postcode,
                school,
                local_id,
                police_id,
                police_only,
                c.team,
                c.worker,
                None,
                recorded_at,
                by,
                self.batch_id,
                None,
                None,
                "",
            )
        )

    def police_only(self) -> None:
        """A child known only from police data, never referred: no team, no caseload."""
        rng = self.rng
        span = (self.complete_to - self.start).days
        first_day = self.start + dt.timedelta(days=int(rng.random() * span))
        c = self.new_child(first_day, p.AGE_AT_FIRST_POLICE_OUTCOME(rng))
        self.police_only_child(c)
        self.event_rows(c)
        self.child_row(c, police_only=True, recorded_at=c.known, by=None)

    def referred(self) -> None:
        """A child referred to the service, with what happened before and after."""
        rng = self.rng
        received = self.referral_day()
        c = self.new_child(received, p.AGE_AT_REFERRAL(rng))
        violent = bool(self.violence) and rng.random() < p.VIOLENCE_PROGRAMME_SHARE
        programme = (self.violence if violent else self.diversion)[0]
        source = (p.VIOLENCE_SOURCES if violent else p.DIVERSION_SOURCES)(rng)
        teams = self.teams_for[programme.id]
        team = teams[self.ctx.plan.wards.index(c.ward) % len(teams)]

        # Earlier offending known to police (before the offence that led to the referral).
        prior = 0
        if rng.random() < 0.22:
            for _ in range(rng.randint(1, 3)):
                day = received - dt.timedelta(days=rng.randint(90, 900))
                if age_on(c.dob, day) >= 10:
                    disposal = "community_resolution" if rng.random() < 0.8 else "youth_caution"
                    self.new_event(c, day, p.CR_OFFENCES(rng), disposal)
                    prior += 1
        c.events.sort(key=lambda e: e.committed)

        events, released_at = [], None
        if source in p.OUT_OF_COURT_SOURCES:
            if source == "police_o22":
                disposal = p.O22_OUTCOME(rng)
            elif source == "jdm_panel":
                disposal = p.JDM_OUTCOME(rng)
            else:
                disposal = "community_resolution"
            outcome_day = received - dt.timedelta(days=rng.randint(1, 14))
            committed = outcome_day - dt.timedelta(days=rng.randint(1, 40))
            code = (p.VIOLENCE_OFFENCES if violent else p.CR_OFFENCES)(rng)
            event = self.new_event(c, committed, code, disposal, lag=(0, 0))
            event.outcome_date = outcome_day
            events.append(event)
        elif source in p.CUSTODY_RESULT:
            committed = received - dt.timedelta(days=rng.randint(0, 1))
            code = (p.VIOLENCE_OFFENCES if violent else p.CUSTODY_OFFENCES)(rng)
            later = (
                None
                if source == "custody_nfa" or rng.random() < 0.45
                else self.further_disposal(c, code)
            )
            event = self.new_event(c, committed, code, later)
            released_at = self.maybe_arrest(c, event, result=p.CUSTODY_RESULT[source])
            if released_at is not None:
                received = max(received, released_at.date())
            events.append(event)

        result = self.referral(
            c,
            received=received,
            source=source,
            programme=programme,
            team=team,
            events=events,
            released_at=released_at,
            prior=prior,
        )

        # What happened next: further offending, less likely after completing the programme.
        chance = p.REOFFEND_12M[result.group]
        chance += (
            0.08 * (prior > 0) + 0.03 * (c.sex == "male") - 0.05 * (age_on(c.dob, received) <= 12)
        )
        self.reoffending(c, received, max(0.02, chance))

        # A further Community Resolution may bring the child back once the first work ended.
        if result.ended is not None and not violent:
            for event in c.events:
                if (
                    event.disposal in ("community_resolution", "outcome_22")
                    and event.outcome_date
                    and event.linked_at is None
                    and event.outcome_date > result.ended + dt.timedelta(days=30)
                ):
                    again = event.outcome_date + dt.timedelta(days=rng.randint(2, 14))
                    if (
                        again <= self.last_day
                        and age_on(c.dob, again) <= 17
                        and rng.random() < p.RE_REFERRAL_CHANCE
                    ):
                        source = (
                            "police_cr"
                            if event.disposal == "community_resolution"
                            else "police_o22"
                        )
                        self.referral(
                            c,
                            received=again,
                            source=source,
                            programme=programme,
                            team=team,
                            events=[event],
                            released_at=None,
                            prior=prior + 1,
                        )
                    break

        self.event_rows(c)
        for referral_id, offered, group, closed, worker in c.offers:
            self.checkpoints(c, referral_id, "offer", offered, group, worker)
            if closed is not None:
                self.checkpoints(c, referral_id, "closure", closed, "participant", worker)
        self.child_row(
            c,
            police_only=False,
            recorded_at=c.known,
            by=c.worker or team.workers[0],
        )

    # ---- the referral pathway -----------------------------------------------------------

    def referral(
        self,
        c: ChildState,
        *,
        received: dt.date,
        source: str,
        programme: ProgrammeInfo,
        team: TeamInfo,
        events: list,
        released_at,
        prior: int,
    ) -> Result:
        """A referral through screening and the offer to an episode of work, as far as today."""
        rng = self.rng
        rand = rng.random
        rows = self.rows
        referral_id = self.ids.new("referrals")
        worker = team.workers[int(rand() * len(team.workers))]
        manager = team.managers[0] if team.managers else worker
        received_at = self.stamp(received, 0)
        c.note(received_at)
        for event in events:
            event.linked_at = received_at
            rows["referral_offences"].append((referral_id, event.offence_id))
        c.team = team.id
        offence = self.offence_types[events[0].code][3] if events else "an offence"
        reason = self.texts.text(rng, "reason", key=source, offence=offence)

        def referral_row(eligibility, ineligible_reason, stage):
            rows["referrals"].append(
                (
                    referral_id,
                    c.id,
                    programme.id,
                    team.id,
                    source,
                    received,
                    released_at,
                    reason,
                    eligibility,
                    ineligible_reason,
                    "",  # undecided_reason: the generator's rules always decide,
                    None,  # so no manager decides eligibility (by, on, reason)
                    None,
                    "",
                    stage,
                    received_at,
                    manager,
                    self.batch_id,
                    None,
                    None,
                    "",
                )
            )

        if received >= self.last_day - dt.timedelta(days=1):
            referral_row("pending", "", "received")
            return Result("other", None, None)
        if rand() < p.INELIGIBLE_CHANCE:
            referral_row("ineligible", rng.choice(INELIGIBLE_REASONS), "ineligible")
            return Result("other", received, None)
        decided = add_working_days(received, rng.randint(1, programme.screening_days + 2))
        if decided > self.last_day:
            referral_row("eligible", "", "received")
            return Result("other", None, None)

        concerns = self.concerns(c, source, programme, events, prior, decided)
        decision, tier = self.screening(referral_id, programme, concerns, manager, decided)
        if decision == "screened_out":
            referral_row("eligible", "", "screened_out")
            c.worker = None
            return Result("screened_out", decided, None)
        return self.offer(
            c,
            referral_id=referral_id,
            referral_row=referral_row,
            decision=decision,
            decided=decided,
            tier=tier,
            worker=worker,
            programme=programme,
            team=team,
            source=source,
            events=events,
            concerns=concerns,
        )

    def screening(self, referral_id, programme: ProgrammeInfo, concerns: list[str], manager, decided):
        """The manager's screening decision (and the tier for support), as a screening row."""
        rng = self.rng
        decision = p.SCREENING(rng)
        agency, tier = "", None
        if decision == "screened_out":
            agency = self.screened_out_agency(concerns)
        elif decision == "support":
            tier = self.choose_tier(programme, len(concerns))
        self.rows["screenings"].append(
            (
                referral_id,
                json.dumps(concerns),
                decision,
                agency,
                tier.id if tier else None,
                manager,
                decided,
                self.texts.text(rng, "screening"),
                *self.rec(decided, manager),
            )
        )
        return decision, tier

    def screened_out_agency(self, concerns: list[str]) -> str:
        """Where a child screened out is signposted, given the concerns found."""
        rand = self.rng.random
        if "cin_cp" in concerns and rand() < 0.5:
            return "social_care"
        if "mental_health" in concerns and rand() < 0.4:
            return "camhs"
        return p.SCREENED_OUT_AGENCY(self.rng)

    def offer(
        self, c: ChildState, *, referral_id, referral_row, decision, decided, tier, worker,
        programme, team, source, events, concerns,
    ) -> Result:
        """The offer of voluntary support, the child's (and a parent's) answer, and the episode."""
        rng = self.rng
        rows = self.rows
        offered = min(decided + dt.timedelta(days=rng.randint(0, 3)), self.last_day)
        answer = (p.OPT_IN_DECISION if decision == "opt_in" else p.CHILD_DECISION)(rng)
        answered = offered + dt.timedelta(
            days=21 if answer == "no_response" else rng.randint(0, 14)
        )
        c.worker = worker
        needs_parent = age_on(c.dob, offered) < 16
        if answered > self.last_day:
            referral_row("eligible", "", "offered")
            rows["offers"].append(
                (
                    referral_id,
                    offered,
                    "pending",
                    None,
                    "pending" if needs_parent else "not_required",
                    None,
                    "",
                    None,
                    "",
                    "",
                    *self.rec(offered, worker),
                )
            )
            return Result("other", None, worker)
        parent, parent_on = self.parent_answer(answer, answered) if needs_parent else ("not_required", None)
        decline_reason = self.decline_reason(answer)
        group = "participant" if answer == "accepted" else "comparison"

        episode = None
        if answer == "accepted":
            episode = self.episode(
                c,
                programme=programme,
                team=team,
                worker=worker,
                tier=programme.tiers[0] if decision == "opt_in" else tier,
                referral_id=referral_id,
                start=max(answered, parent_on or answered),
                source=source,
                events=events,
                concerns=concerns,
                opt_in=decision == "opt_in",
            )
        withdrawn_on, withdrawal_reason = self.withdrawal(episode)
        rows["offers"].append(
            (
                referral_id,
                offered,
                answer,
                answered,
                parent,
                parent_on,
                self.texts.seal(decline_reason),
                withdrawn_on,
                self.texts.seal(withdrawal_reason),
                LAWFUL_BASIS if group == "comparison" else "",
                *self.rec(offered, worker),
            )
        )
        # The referral's stage follows its episode, as the actions set it.
        stage = ("declined" if answer != "accepted" else "withdrawn" if withdrawn_on
                 else "closed" if episode and episode.end else "accepted")
        referral_row("eligible", "", stage)
        closed = episode.end if episode and episode.completed else None
        c.offers.append((referral_id, offered, group, closed, worker))
        return self.offer_result(episode, answered, worker)

    def parent_answer(self, answer: str, answered: dt.date) -> tuple[str, dt.date]:
        """A parent's answer for a child under 16, and when it came."""
        rng = self.rng
        parent = "accepted" if answer == "accepted" else p.PARENT_AFTER_DECLINE(rng)
        return parent, min(answered + dt.timedelta(days=rng.randint(0, 3)), self.last_day)

    def decline_reason(self, answer: str) -> str:
        """Why an offer was not taken up ('' when it was accepted)."""
        if answer == "declined":
            return self.rng.choice(DECLINE_REASONS)
        if answer == "no_response":
            return "No response after three attempts to make contact"
        return ""

    def withdrawal(self, episode) -> tuple[dt.date | None, str]:
        """When and why consent was withdrawn, for an episode the child chose to stop."""
        if episode and episode.closure == "declined":
            reason = self.rng.choice(
                ("Child asked to stop the sessions", "Family no longer wish to take part")
            )
            return episode.end, reason
        return None, ""

    def offer_result(self, episode, answered: dt.date, worker) -> Result:
        """How the referral ended: comparison, completed or not, and when."""
        if episode is None:
            return Result("comparison", answered, worker)
        if episode.end is None:
            return Result("completed" if self.rng.random() < 0.7 else "not_completed", None, worker)
        return Result("completed" if episode.completed else "not_completed", episode.end, worker)

    def concerns(self, c, source, programme, events, prior, on) -> list[str]:
        """The screening checklist, consistent with what is known about the child."""
        rng = self.rng
        rand = rng.random
        found = []
        if events and events[0].disposal or prior:
            found.append("offending")
        if c.care is None:
            c.care = p.CARE_STATUS(rng) or ""
            if c.care:
                self.care_status(c, c.care, on)
        if c.care == "looked_after":
            found.append("looked_after")
        elif c.care in ("child_in_need", "cp_plan"):
            found.append("cin_cp")
        for code, chance in p.CONCERNS:
            if code == "exploitation" and programme.kind == "violence":
                chance = 0.35
            if rand() < chance:
                found.append(code)
        return found

    def choose_tier(self, programme: ProgrammeInfo, concerns: int):
        """More concerns, more support: the tier for a child screened in."""
        rand = self.rng.random()
        if programme.kind == "violence":
            level = 0 if rand < (0.75 if concerns < 4 else 0.5) else 1
        elif concerns <= 1:
            level = 0 if rand < 0.55 else (1 if rand < 0.95 else 2)
        elif concerns <= 3:
            level = 0 if rand < 0.2 else (1 if rand < 0.8 else 2)
        else:
            level = 0 if rand < 0.05 else (1 if rand < 0.5 else 2)
        return programme.tiers[min(level, len(programme.tiers) - 1)]

    def checkpoints(self, c, referral_id, anchor, anchor_date, group, worker) -> None:
        """Follow-up at 3, 6, 9 and 12 months, completed as the police import would complete them.

        A checkpoint is complete once outcome data covers its window and the six-month
        waiting period (divert.imports.followup); before that it is awaiting data once due.
        """
        rows = self.rows["checkpoints"]
        created = self.rec(anchor_date, worker, 3)
        for months in (3, 6, 9, 12):
            window = follow_up_window(anchor_date, months)
            result = evaluate_checkpoint(
                anchor_date=anchor_date,
                months=months,
                outcomes_complete_to=self.complete_to,
                arrests_complete_to=self.last_day,
                offences=c.facts,
                arrest_dates=c.arrests,
            )
            completed_on = None
            if result.complete:
                status = "complete"
                # Completed by the first monthly import whose data reached the waiting period's end.
                completed_on = min(self.imported(window.last_proving_day).date(), self.last_day)
            elif window.end <= self.today:
                status = "awaiting_data"
            else:
                status = "due"
            rows.append(
                (
                    c.id,
                    referral_id,
                    anchor,
                    anchor_date,
                    months,
                    window.end,
                    group,
                    status,
                    result.proven_reoffence,
                    result.further_outcome,
                    result.further_arrest,
                    completed_on,
                    *created,
                )
            )

    # ---- the area -----------------------------------------------------------------------

    def population(self) -> None:
        """10-17 population by year, ward, age, sex and ethnic group (synthetic ONS figures)."""
        rng = self.rng
        plan = self.ctx.plan
        first_year = self.today.year - self.years + 1
        base = plan.children / self.years * 5 * p.POPULATION_PER_CHILD_RECORD
        wards = [rng.gammavariate(4, 1) for _ in plan.wards]
        ward_total = sum(wards)
        ages = [1 + rng.uniform(-0.04, 0.04) for _ in range(8)]
        age_total = sum(ages)
        groups = plan.population_groups or p.POPULATION_GROUPS_CITY
        group_total = sum(groups.values())
        rows = self.rows["population"]
        org = self.ctx.organisation.pk
        for i in range(self.years):
            year = first_year + i
            growth = 1 + (p.POPULATION_GROWTH - 1) * (i / (self.years - 1) if self.years > 1 else 1)
            total = base * growth
            source = f"ONS mid-year estimate {year} (synthetic)"
            for ward, ward_share in zip(plan.wards, wards, strict=True):
                for age, age_share in zip(range(10, 18), ages, strict=True):
                    for sex, sex_share in (("male", 0.513), ("female", 0.487)):
                        for group, group_share in groups.items():
                            count = round(
                                total
                                * ward_share
                                / ward_total
                                * age_share
                                / age_total
                                * sex_share
                                * group_share
                                / group_total
                            )
                            rows.append((org, year, ward, age, sex, group, count, source))

    def board_meetings(self) -> None:
        """Quarterly management board meetings and which sectors sent a senior partner."""
        rng = self.rng
        org = self.ctx.organisation.pk
        year, month = self.start.year, self.start.month
        while True:
            if month in (1, 4, 7, 10):
                day = dt.date(year, month, rng.randint(8, 24))
                if day > self.last_day:
                    break
                if day >= self.start:
                    attended = [rng.random() < chance for chance in p.BOARD_ATTENDANCE]
                    self.rows["board_meetings"].append((org, day, *attended))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _safe_replace(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)
