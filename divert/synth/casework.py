"""The work with a child: episode, assessment, plan, sessions, measures, statuses, victims."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from divert.core.dates import age_on
from divert.synth import params as p

ONE_DAY = dt.timedelta(days=1)
FIRST_VERSION = (1, None, None)  # version, supersedes, superseded_at: the generator never edits
HALF_HOURS = [Decimal(n) / 2 for n in range(0, 121)]
DURATIONS = {
    "one_to_one": (45, 60, 60, 75, 90),
    "family": (60, 75, 90),
    "school": (45, 50, 60),
    "group": (90, 105, 120),
    "phone": (10, 15, 20, 30),
}
SELF_RATING_OFFSETS = (
    ("confidence", 0.0),
    ("self_esteem", -0.3),
    ("relationships", 0.5),
    ("managing_anger", -0.6),
)
EARLY_END = {
    "disengaged": (0.3, 0.7),
    "declined": (0.2, 0.6),
    "moved": (0.2, 0.9),
    "escalated": (0.2, 0.8),
    "other": (0.5, 1.0),
}


class EpisodeInfo:
    """What the referral pathway needs to know about an episode once it is made."""

    __slots__ = ("id", "closure", "end", "completed")

    def __init__(self, episode_id, closure, end, completed):
        self.id = episode_id
        self.closure = closure
        self.end = end
        self.completed = completed


def _score(value: float) -> int:
    return max(1, min(10, round(value)))


class CaseworkMixin:
    """Episodes and everything that belongs to them, for `OrgHistory`."""

    def episode(
        self,
        c,
        *,
        programme,
        team,
        worker,
        tier,
        referral_id,
        start,
        source,
        events,
        concerns,
        opt_in,
    ) -> EpisodeInfo:
        """An episode from the day support was accepted to closure (or still open today)."""
        rng = self.rng
        rand = rng.random
        rows = self.rows
        episode_id = self.ids.new("episodes")
        span = tier.weeks * 7
        planned_end = start + dt.timedelta(days=span)
        closure = p.CLOSURE(rng)
        if opt_in and closure != "completed" and rand() < 0.5:
            closure = "completed"
        if closure == "completed":
            end = planned_end + dt.timedelta(days=rng.randint(-10, 21))
        else:
            low, high = EARLY_END[closure]
            end = start + dt.timedelta(days=int(span * rng.uniform(low, high)))
        end = max(end, start + ONE_DAY)
        if end > self.last_day:
            end, closure, completed = None, "", None
        else:
            completed = closure == "completed" or (closure == "other" and rand() < 0.3)
        if events and source in p.OUT_OF_COURT_SOURCES and events[0].disposal:
            order_type = events[0].disposal
        else:
            order_type = "prevention"
        rows["episodes"].append(
            (
                episode_id,
                c.id,
                programme.id,
                referral_id,
                team.id,
                worker,
                order_type,
                tier.id,
                start,
                end,
                completed,
                closure,
                self.texts.text(rng, "exit_plan") if end else "",
                0,
                "", False, None, None, None,  # closed as the worker recorded it: no manager's confirmation
                *self.rec(start, worker, 0),
            )
        )
        for event in events:
            rows["episode_offences"].append((episode_id, event.offence_id))
        info = EpisodeInfo(episode_id, closure, end, completed)
        limit = min(end, self.last_day) if end else self.last_day

        assessed = start + dt.timedelta(days=rng.randint(2, 14))
        if assessed > limit:
            return info
        exploitation = (
            ("medium", "high")[rand() < 0.35]
            if "exploitation" in concerns
            else p.EXPLOITATION_RISK(rng)
        )
        rows["assessments"].append(
            (
                episode_id,
                assessed,
                json.dumps(self.needs(concerns)),
                self.texts.text(rng, "strengths"),
                self.texts.text(rng, "child_view"),
                exploitation,
                self.texts.text(rng, "summary"),
                *FIRST_VERSION,
                *self.rec(assessed, worker, 3),
            )
        )
        self.statuses_at_start(c, start, assessed, end, concerns, completed, worker)
        self.self_ratings(episode_id, assessed, end, completed, concerns, worker)
        self.onward(episode_id, assessed, end, limit, concerns, worker)
        self.victims(c, events, start, end, worker)

        agreed = assessed + dt.timedelta(days=rng.randint(0, 7))
        if agreed <= limit:
            plan_id = self.ids.new("plans")
            rows["plans"].append(
                (
                    plan_id,
                    episode_id,
                    agreed,
                    self.texts.text(rng, "goals"),
                    tier.sessions,
                    max(planned_end, agreed),
                    *FIRST_VERSION,
                    *self.rec(agreed, worker),
                )
            )
            reviewed = agreed + dt.timedelta(days=42)
            if tier.weeks >= 10 and reviewed <= limit:
                rows["plan_reviews"].append(
                    (
                        plan_id,
                        reviewed,
                        self.texts.text(rng, "review"),
                        *self.rec(reviewed, worker),
                    )
                )
        self.sessions(
            episode_id, programme.kind, team, worker, tier, assessed, planned_end, limit, closure
        )
        return info

    def needs(self, concerns: list[str]) -> dict[str, int]:
        """Assessed need per domain, 0 (none) to 3 (high), following the concerns."""
        rand = self.rng.random
        has = set(concerns)

        def level(raised: bool) -> int:
            return 2 + (rand() < 0.4) if raised else int(rand() * 2)

        return {
            "education": level(bool(has & {"school_absence", "exclusion"})),
            "family": level(bool(has & {"domestic_abuse", "family_offending", "cin_cp"})),
            "emotional_wellbeing": level("mental_health" in has),
            "substance_use": level("drug_use" in has),
            "peers": level("exploitation" in has),
            "offending": level("offending" in has),
            "communication": level(bool(has & {"slcn", "neurodevelopmental"})),
            "living_arrangements": level("looked_after" in has),
        }

    def sessions(
        self, episode_id, kind, team, worker, tier, first, planned_end, limit, closure
    ) -> None:
        """About one session a week to the planned number, fewer when a child disengages."""
        rng = self.rng
        rand = rng.random
        rows = self.rows["sessions"]
        topics = self.topics["violence" if kind == "violence" else "diversion"]
        count = tier.sessions + (rng.randint(-1, 2) if closure == "completed" else 0)
        count = max(2, count)
        gap = max(3.0, (planned_end - first).days / count)
        disengaging = closure in ("disengaged", "declined")
        colleagues = team.workers
        for k in range(count):
            day = first + dt.timedelta(days=int(k * gap + rng.uniform(-1.5, 1.5)))
            if day > limit:
                break
            kind_ = p.SESSION_TYPE(rng)
            attendance = (
                p.ATTENDANCE_DISENGAGING if disengaging and k >= count * 0.3 else p.ATTENDANCE
            )(rng)
            by = worker if rand() < 0.92 else colleagues[int(rand() * len(colleagues))]
            durations = DURATIONS[kind_]
            duration = durations[int(rand() * len(durations))] if attendance == "attended" else None
            recorded = self.rec(day, by, 3)
            row = (
                episode_id,
                day,
                duration,
                kind_,
                p.PLACE_FOR_TYPE[kind_](rng),
                topics[int(rand() * len(topics))] if attendance == "attended" else "[]",
                attendance,
                by,
                self.texts.text(rng, "session") if attendance == "attended" else "",
                *recorded,
            )
            rows.append(row)
            if rand() < 0.004:  # the same session recorded twice, then voided
                voided = min(
                    recorded[0] + dt.timedelta(days=rng.randint(1, 5)), self.cap - ONE_DAY / 24
                )
                if voided > recorded[0]:
                    rows.append(
                        (
                            *row[:9],
                            recorded[0],
                            by,
                            self.batch_id,
                            voided,
                            by,
                            "Recorded twice by mistake",
                        )
                    )

    def self_ratings(self, episode_id, assessed, end, completed, concerns, worker) -> None:
        """Self-ratings (1-10) at the start and, for most who finish, at the end."""
        rng = self.rng
        rows = self.rows["scores"]
        base = rng.gauss(5.2, 1.5)
        anger = -1.0 if "mental_health" in concerns else 0.0
        start_values = []
        for item, offset in SELF_RATING_OFFSETS:
            value = _score(
                base + offset + (anger if item == "managing_anger" else 0) + rng.gauss(0, 1)
            )
            start_values.append(value)
            rows.append(
                (
                    episode_id,
                    self.instrument_id,
                    item,
                    "start",
                    assessed,
                    value,
                    *self.rec(assessed, worker),
                )
            )
        if end is None or not (completed or rng.random() < 0.35):
            return
        shift = rng.gauss(1.5, 1.2) if completed else rng.gauss(0.2, 1.2)
        for (item, _), before in zip(SELF_RATING_OFFSETS, start_values, strict=True):
            value = _score(before + shift + rng.gauss(0, 0.8))
            rows.append(
                (episode_id, self.instrument_id, item, "end", end, value, *self.rec(end, worker))
            )

    def onward(self, episode_id, assessed, end, limit, concerns, worker) -> None:
        """Referrals on to other services, following the child's needs."""
        rng = self.rng
        services = [
            svc
            for concern, svc, chance in p.ONWARD_FOR_CONCERN
            if concern in concerns and rng.random() < chance
        ]
        if rng.random() < 0.15:
            services.append(p.ONWARD_ANY(rng))
        for service in dict.fromkeys(services[:2]):
            referred = assessed + dt.timedelta(days=rng.randint(3, 40))
            if referred > limit:
                continue
            status = (p.ONWARD_STATUS_CLOSED if end else p.ONWARD_STATUS_OPEN)(rng)
            status_on = None
            if status != "made":
                status_on = min(referred + dt.timedelta(days=rng.randint(5, 60)), self.last_day)
            self.rows["onward_referrals"].append(
                (
                    episode_id,
                    service,
                    referred,
                    status,
                    status_on,
                    *self.rec(referred, worker),
                )
            )

    def victims(self, c, events, start, end, worker) -> None:
        """Victims of the offences the episode works on: consent, views, RJ, feeling safe."""
        rng = self.rng
        rand = rng.random
        for event in events:
            category = self.offence_types[event.code][1]
            if category not in p.VICTIM_CATEGORIES or rand() > 0.7:
                continue
            business = event.code in p.BUSINESS_VICTIM_CODES or (
                category == "criminal_damage" and rand() < 0.3
            )
            r = rand()
            consent = True if r < 0.5 else (False if r < 0.8 else None)
            views = consent is True and rand() < 0.8
            rj_offered = consent is True and rand() < 0.75
            rj_engaged = rj_offered and rand() < 0.45
            requested = consent is True and rand() < 0.3
            safe_start = rng.randint(2, 8) if consent else None
            safe_end = min(10, safe_start + rng.randint(0, 4)) if safe_start and end else None
            contact = min(start + dt.timedelta(days=rng.randint(5, 30)), self.last_day)
            self.rows["victims"].append(
                (
                    event.offence_id,
                    "business" if business else "person",
                    consent,
                    views,
                    rj_offered,
                    rj_engaged,
                    requested,
                    requested and rand() < 0.85,
                    safe_start,
                    safe_end,
                    self.texts.text(rng, "victim_views") if views else "",
                    *self.rec(contact, worker),
                )
            )

    # ---- dated status records -----------------------------------------------------------

    def care_status(self, c, kind: str, on: dt.date) -> None:
        """Looked after, a plan or Early Help, current when the referral was screened."""
        rng = self.rng
        start = max(c.dob + dt.timedelta(days=30), on - dt.timedelta(days=rng.randint(30, 1500)))
        end = None
        if rng.random() < 0.45:
            end = on + dt.timedelta(days=rng.randint(60, 900))
            if end > self.last_day:
                end = None
        self.rows["care_statuses"].append(
            (c.id, kind, start, end, "social care", *self.rec(on, None, 3))
        )

    def statuses_at_start(self, c, start, assessed, end, concerns, completed, worker) -> None:
        """Accommodation, ETE, SEND, mental health and substance misuse as assessed."""
        rng = self.rng
        rand = rng.random
        rows = self.rows
        rec = self.rec(assessed, worker, 2)
        last = self.last_day

        looked_after = "looked_after" in concerns
        kind = (p.ACCOMMODATION_LOOKED_AFTER if looked_after else p.ACCOMMODATION_HOME)(rng)
        if kind in ("bed_and_breakfast", "no_fixed_abode"):
            suitability = "unsuitable"
        elif kind == "unknown":
            suitability = "unknown"
        else:
            r = rand()
            suitability = "suitable" if r < 0.93 else ("unsuitable" if r < 0.97 else "unknown")
        since = max(c.dob + ONE_DAY, start - dt.timedelta(days=rng.randint(60, 1500)))
        rows["accommodations"].append((c.id, kind, suitability, since, None, "assessment", *rec))

        term = dt.date(start.year if start.month >= 9 else start.year - 1, 9, 1)
        ete = self.ete(c, start, concerns)
        if end is not None and rand() < 0.3 and end > term:
            change = max(term + ONE_DAY, end - dt.timedelta(days=rng.randint(0, 30)))
            rows["ete_statuses"].append((c.id, *ete, term, change - ONE_DAY, "assessment", *rec))
            better = self.ete(c, change, [] if completed else concerns)
            rows["ete_statuses"].append(
                (c.id, *better, change, None, "closure", *self.rec(end, worker))
            )
        else:
            rows["ete_statuses"].append((c.id, *ete, term, None, "assessment", *rec))

        has = set(concerns)
        send = (
            ("sen" in has and rand() < 0.85)
            or ("neurodevelopmental" in has and rand() < 0.5)
            or ("slcn" in has and rand() < 0.6)
        )
        if send:
            if "slcn" in has:
                need = "communication_interaction"
            elif "neurodevelopmental" in has:
                need = "semh" if rand() < 0.6 else "communication_interaction"
            else:
                need = p.SEND_NEED(rng)
            since = max(
                c.dob + dt.timedelta(days=5 * 365),
                start - dt.timedelta(days=rng.randint(200, 2500)),
            )
            rows["send_statuses"].append(
                (c.id, need, p.SEND_PLAN(rng), min(since, start), None, "assessment", *rec)
            )

        for table, raised, chance in (
            ("mental_health_needs", "mental_health" in has, 0.06),
            ("substance_needs", "drug_use" in has, 0.03),
        ):
            if not (raised and rand() < 0.9) and not rand() < chance:
                continue
            identified = start - dt.timedelta(days=rng.randint(0, 120))
            offered = attending = None
            if rand() < 0.6:
                offered = identified + dt.timedelta(days=rng.randint(7, 60))
                if offered > last:
                    offered = None
                elif rand() < 0.7:
                    attending = offered + dt.timedelta(days=rng.randint(7, 60))
                    if attending > last:
                        attending = None
            ended = None
            if end is not None and rand() < 0.3:
                ended = max(end, attending or offered or identified)
            if table == "mental_health_needs":
                provider = p.MENTAL_HEALTH_PROVIDERS[int(rand() * 3)] if offered else ""
                rows[table].append(
                    (
                        c.id,
                        rand() < 0.85,
                        offered,
                        attending,
                        provider,
                        identified,
                        ended,
                        "assessment",
                        *rec,
                    )
                )
            else:
                rows[table].append(
                    (
                        c.id,
                        p.SUBSTANCE_LEVEL(rng),
                        offered,
                        attending,
                        p.SUBSTANCE_PROVIDER if offered else "",
                        identified,
                        ended,
                        "assessment",
                        *rec,
                    )
                )

    def ete(self, c, on: dt.date, concerns) -> tuple:
        """(provision, part-time, excluded, hours offered, hours attended, suitability)."""
        rng = self.rng
        rand = rng.random
        school_age = age_on(c.dob, on) < 16
        provision = (p.ETE_SCHOOL_AGE if school_age else p.ETE_POST_16)(rng)
        schooled = provision in ("mainstream", "special", "alternative")
        part_time = schooled and (("exclusion" in concerns and rand() < 0.5) or rand() < 0.04)
        excluded = (
            provision in ("mainstream", "alternative") and "exclusion" in concerns and rand() < 0.45
        )
        if provision in ("mainstream", "special"):
            offered = rng.randint(16, 30) if part_time else 50
        elif provision == "alternative":
            offered = rng.randint(20, 50)
        elif provision == "college":
            offered = rng.randint(24, 36)
        elif provision == "training":
            offered = rng.randint(40, 60)
        elif provision == "employment":
            offered = rng.randint(32, 74)
        elif provision == "none":
            offered = 0
        else:
            offered = None
        attended = None
        if offered is not None:
            rate = rng.uniform(0.4, 0.8) if "school_absence" in concerns else rng.uniform(0.85, 1.0)
            attended = int(offered * rate)
        if provision == "none" or (part_time and rand() < 0.7):
            suitability = "unsuitable"
        elif provision == "unknown":
            suitability = "unknown"
        else:
            r = rand()
            suitability = "suitable" if r < 0.9 else ("unsuitable" if r < 0.96 else "unknown")
        return (
            provision,
            part_time,
            excluded,
            HALF_HOURS[offered] if offered is not None else None,
            HALF_HOURS[attended] if attended is not None else None,
            suitability,
        )
