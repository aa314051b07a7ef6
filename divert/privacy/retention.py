"""Retention: the rules in force, the plan (a dry run), and carrying a plan out.

`plan_retention(organisation, as_at)` is pure reading: it says, for an organisation and an
"as at" date, which children (by internal id only) and which import runs each rule would
delete or anonymise. `apply_plan` does exactly that inside the caller's transaction
(`actions.run_retention`). Nothing here reads the clock: `as_at` and `now` are passed in.

Every child falls under at most one child-level record type, chosen by how far the
service got with them (see `record_type_of`). Children merged into another record follow
the record they were merged into. Audit events are never deleted or changed (they hold
ids, not personal data, and the hash chain covers them): see docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.db.models import Exists, ExpressionWrapper, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from divert.casework.models import Episode, last_contact_on
from divert.core.dates import add_months, add_years
from divert.imports.models import ImportErrorFile, ImportRun, MatchReview
from divert.offending.models import Arrest, Offence, Outcome
from divert.people.models import Child, ProcessingRestriction
from divert.privacy.models import Anchor, Anonymisation, RecordType, RetentionAction, RetentionRule
from divert.referrals.models import Offer, Referral, Screening

# Months from the follow-up anchor (offer, or closure for completers) to the end of
# follow-up: the 12-month window plus the 6-month waiting period for proven outcomes.
FOLLOW_UP_MONTHS = 18
REMOVED = "Removed under the retention rules"
REMOVED_FILE_NAME = "(removed under the retention rules)"

CHILD_TYPES = (
    RecordType.CLOSED_SUPPORT,
    RecordType.COMPARISON,
    RecordType.SCREENED_OUT,
    RecordType.POLICE_ONLY,
)


@dataclass(frozen=True)
class Default:
    """A rule's default and why (shown on the rules page and in docs/operations.md)."""

    anchor: str
    years: int
    action: str
    why: str


DEFAULTS: dict[str, Default] = {
    RecordType.CLOSED_SUPPORT: Default(
        Anchor.CLOSURE_OR_18, 6, RetentionAction.ANONYMISE,
        "Youth justice practice: keep until 6 years after closure or after the 18th "
        "birthday, whichever is later. Anonymised, not deleted, so past figures still add up.",
    ),
    RecordType.COMPARISON: Default(
        Anchor.FOLLOW_UP_ENDED, 1, RetentionAction.ANONYMISE,
        "Kept only for the 12-month follow-up and its 6-month waiting period (the end of "
        "follow-up), then 1 more year for police data to arrive and the annual report.",
    ),
    RecordType.SCREENED_OUT: Default(
        Anchor.LAST_CONTACT, 2, RetentionAction.ANONYMISE,
        "The service did no work with the child: 2 years after the last contact (the screening "
        "decision, or a later police record) lets a new referral be seen in context and covers "
        "the annual report. Anonymised, not deleted: the referral's offence and any police "
        "outcomes stay so a later outcome is not counted as a first one.",
    ),
    RecordType.POLICE_ONLY: Default(
        Anchor.LAST_CONTACT, 6, RetentionAction.ANONYMISE,
        "Held for area measures (first time entrants, reoffending): 6 years after the latest "
        "police record. Anonymised so a later outcome is not mistaken for a first one.",
    ),
    RecordType.IMPORTS: Default(
        Anchor.CLOSURE, 1, RetentionAction.ANONYMISE,
        "Match review rows, problem lists and error files copy names and dates of birth from "
        "police files: cleared 1 year after the import finished; the counts are kept.",
    ),
}

# Import runs that have stopped (anything else is still in progress and left alone).
FINISHED_IMPORT_STATUSES = ("complete", "failed", "refused", "dry_run", "expired")


def rules_for(organisation) -> dict[str, RetentionRule]:
    """The organisation's rules by record type; a type never saved gets its default (unsaved)."""
    saved = {r.record_type: r for r in RetentionRule.objects.filter(organisation=organisation)}
    rules = {}
    for record_type in RecordType.values:
        rule = saved.get(record_type)
        if rule is None:
            default = DEFAULTS[record_type]
            rule = RetentionRule(
                organisation=organisation, record_type=record_type, anchor=default.anchor,
                years=default.years, action=default.action,
            )
        rules[record_type] = rule
    return rules


# ---- Facts about each child, aggregated in the database ------------------------------


@dataclass(frozen=True)
class ChildFacts:
    """The dates and flags retention needs about one child (no names)."""

    child_id: int
    date_of_birth: dt.date
    police_only: bool = False
    has_episode: bool = False
    open_work: bool = False
    processing_restricted: bool = False
    declined: bool = False
    has_referral: bool = False
    anonymised: bool = False
    last_episode_end: dt.date | None = None
    last_offer: dt.date | None = None
    closure: dt.date | None = None
    last_contact: dt.date | None = None


def record_type_of(facts: ChildFacts) -> str | None:
    """Which child-level record type a child falls under, or None (no rule covers them).

    The furthest the service got decides: any episode of support; else a declined offer
    (comparison group); else referrals that ended at screening or eligibility; else known
    only from police data.
    """
    if facts.has_episode:
        return RecordType.CLOSED_SUPPORT
    if facts.declined:
        return RecordType.COMPARISON
    if facts.has_referral:
        return RecordType.SCREENED_OUT
    if facts.police_only:
        return RecordType.POLICE_ONLY
    return None


def anchor_date(facts: ChildFacts, anchor: str) -> dt.date | None:
    """The date a child's retention period runs from under `anchor` (None: not known yet).

    Closure falls back to last contact for children the service never closed (police only).
    """
    closure = facts.closure or facts.last_contact
    birthday = add_years(facts.date_of_birth, 18)
    if anchor == Anchor.CLOSURE:
        return closure
    if anchor == Anchor.LAST_CONTACT:
        return facts.last_contact
    if anchor == Anchor.EIGHTEENTH_BIRTHDAY:
        return birthday
    if anchor == Anchor.CLOSURE_OR_18:
        return max(closure, birthday) if closure else None
    if anchor == Anchor.FOLLOW_UP_ENDED:
        starts = [d for d in (facts.last_offer, facts.last_episode_end) if d]
        start = max(starts) if starts else closure
        return add_months(start, FOLLOW_UP_MONTHS) if start else None
    raise ValueError(f"Unknown anchor {anchor}")


def is_due(facts: ChildFacts, rule: RetentionRule, as_at: dt.date) -> bool:
    """True when the child's retention period under `rule` has ended on `as_at`."""
    if facts.open_work or facts.processing_restricted:
        # A restriction of processing (UK GDPR art. 18) may be exactly a request to keep
        # data the service no longer needs, for a legal claim: kept until it is lifted.
        return False
    if rule.action == RetentionAction.ANONYMISE and facts.anonymised:
        return False
    start = anchor_date(facts, rule.anchor)
    return start is not None and add_years(start, rule.years) <= as_at


def _latest(queryset, value: str, child_path: str):
    """A subquery: the latest `value` among `queryset` rows belonging to the outer child."""
    return Subquery(
        queryset.filter(**{child_path: OuterRef("pk")}).order_by()
        .values(child_path).annotate(latest=Max(value)).values("latest")[:1]
    )


def child_facts(organisation) -> list[ChildFacts]:
    """Facts for every child record of the organisation that is not merged into another."""
    episodes = Episode.objects.current()
    referrals = Referral.objects.current()
    offers = Offer.objects.current().filter(referral__voided_at__isnull=True)
    open_referrals = referrals.filter(
        Q(stage__in=["received", "offered"]) | Q(stage="accepted", episode__isnull=True)
    )
    rows = (
        Child.objects.filter(organisation=organisation, merged_into__isnull=True)
        .annotate(
            has_episode=Exists(episodes.filter(child=OuterRef("pk"))),
            open_episode=Exists(episodes.filter(child=OuterRef("pk"), end_date__isnull=True)),
            open_referral=Exists(open_referrals.filter(child=OuterRef("pk"))),
            has_referral=Exists(referrals.filter(child=OuterRef("pk"))),
            declined=Exists(offers.filter(referral__child=OuterRef("pk"),
                                          child_decision__in=["declined", "no_response"])),
            anonymised=Exists(Anonymisation.objects.filter(child=OuterRef("pk"))),
            processing_restricted=Exists(ProcessingRestriction.objects.active().filter(child=OuterRef("pk"))),
            last_episode_end=_latest(episodes, "end_date", "child"),
            last_offer=_latest(offers, "offered_on", "referral__child"),
            last_decision=_latest(offers, "child_decided_on", "referral__child"),
            last_screening=_latest(Screening.objects.current(), "decided_on", "referral__child"),
            last_referral=_latest(referrals, "received_on", "child"),
            last_worker_contact=last_contact_on(),
            last_offence=_latest(Offence.objects.all(), "committed_on", "child"),
            last_outcome=_latest(Outcome.objects.all(), "outcome_date", "child"),
            last_arrest=_latest(Arrest.objects.all(), "arrested_at", "child"),
        )
        .order_by("pk")
        .values(
            "pk", "date_of_birth", "police_only", "has_episode", "open_episode", "open_referral",
            "has_referral", "declined", "anonymised", "processing_restricted", "last_episode_end", "last_offer",
            "last_decision", "last_screening", "last_referral", "last_worker_contact", "last_offence",
            "last_outcome", "last_arrest",
        )
    )
    facts = []
    for row in rows:
        arrest = row["last_arrest"]
        arrest_day = timezone.localdate(arrest) if arrest else None
        closure = _max(row["last_episode_end"], row["last_screening"], row["last_decision"],
                       row["last_offer"], row["last_referral"])
        facts.append(ChildFacts(
            child_id=row["pk"], date_of_birth=row["date_of_birth"], police_only=row["police_only"],
            has_episode=row["has_episode"], open_work=row["open_episode"] or row["open_referral"],
            declined=row["declined"], has_referral=row["has_referral"], anonymised=row["anonymised"],
            processing_restricted=row["processing_restricted"],
            last_episode_end=row["last_episode_end"], last_offer=row["last_offer"], closure=closure,
            last_contact=_max(closure, row["last_worker_contact"], row["last_offence"], row["last_outcome"],
                              arrest_day),
        ))
    return facts


def _max(*days: dt.date | None) -> dt.date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


# ---- The plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class RulePlan:
    """What one rule would do: children (internal ids) or import runs past their period."""

    record_type: str
    label: str
    anchor: str
    years: int
    action: str
    child_ids: tuple[int, ...] = ()
    merged_ids: tuple[int, ...] = ()
    import_run_ids: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        """Children (or import runs) this rule would act on."""
        return len(self.import_run_ids) if self.record_type == RecordType.IMPORTS else len(self.child_ids)

    def summary(self) -> dict:
        """The plan as counts only (no ids): what a retention run records."""
        return {
            "record_type": self.record_type, "action": self.action, "anchor": self.anchor,
            "years": self.years, "children": len(self.child_ids),
            "merged_records": len(self.merged_ids), "import_runs": len(self.import_run_ids),
        }


@dataclass(frozen=True)
class RetentionPlan:
    """The dry-run report for one organisation on an "as at" date."""

    organisation_id: int
    as_at: dt.date
    rules: tuple[RulePlan, ...]
    not_covered: int = 0
    open_work: int = 0
    processing_restricted: int = 0
    kept: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when no rule has anything to do."""
        return all(rule.count == 0 for rule in self.rules)


def plan_retention(organisation, as_at: dt.date) -> RetentionPlan:
    """What the organisation's rules would delete or anonymise on `as_at` (writes nothing)."""
    rules = rules_for(organisation)
    due: dict[str, list[int]] = {t: [] for t in CHILD_TYPES}
    kept: Counter[str] = Counter()
    not_covered = open_work = processing_restricted = 0
    for facts in child_facts(organisation):
        record_type = record_type_of(facts)
        if record_type is None:
            not_covered += 1
            continue
        if facts.open_work:
            open_work += 1
        if facts.processing_restricted:
            processing_restricted += 1
        if is_due(facts, rules[record_type], as_at):
            due[record_type].append(facts.child_id)
        else:
            kept[record_type] += 1
    plans = []
    for record_type in CHILD_TYPES:
        rule = rules[record_type]
        ids = tuple(due[record_type])
        merged = tuple(
            Child.objects.filter(merged_into__in=ids).order_by("pk").values_list("pk", flat=True)
        ) if ids else ()
        plans.append(RulePlan(record_type=record_type, label=RecordType(record_type).label,
                              anchor=rule.anchor, years=rule.years, action=rule.action,
                              child_ids=ids, merged_ids=merged))
    plans.append(_plan_imports(organisation, rules[RecordType.IMPORTS], as_at))
    return RetentionPlan(organisation_id=organisation.pk, as_at=as_at, rules=tuple(plans),
                         not_covered=not_covered, open_work=open_work,
                         processing_restricted=processing_restricted, kept=dict(kept))


def _plan_imports(organisation, rule: RetentionRule, as_at: dt.date) -> RulePlan:
    """Finished import runs past their period with no match review still waiting."""
    cutoff = add_years(as_at, -rule.years)
    # A run finished on `cutoff` (local date) is due: compare with the start of the next day.
    before = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
    runs = ImportRun.objects.filter(
        organisation=organisation, status__in=FINISHED_IMPORT_STATUSES,
        finished_at__isnull=False, finished_at__lt=before,
    ).exclude(Exists(MatchReview.objects.filter(run=OuterRef("pk"), decision="pending")))
    if rule.action == RetentionAction.ANONYMISE:
        runs = runs.exclude(file_name=REMOVED_FILE_NAME)
    return RulePlan(
        record_type=RecordType.IMPORTS, label=RecordType.IMPORTS.label, anchor=rule.anchor,
        years=rule.years, action=rule.action,
        import_run_ids=tuple(runs.order_by("pk").values_list("pk", flat=True)),
    )


# ---- Carrying out a plan --------------------------------------------------------------

# Free text and identifiers cleared when a child is anonymised, per model reachable from
# the child. Every such model must be listed (a test walks the relations), so a new model
# holding something about a child gets a decision here. Dates, codes, outcomes, flags and
# scores stay: they are what the measures read.
ANONYMISE_FIELDS: dict[str, dict[str, object]] = {
    "people.carestatus": {},
    "people.accommodation": {},
    "people.etestatus": {},
    "people.sendstatus": {},
    "people.mentalhealthneed": {},
    "people.substancemisuseneed": {},
    "people.recordrestriction": {"reason": "", "lift_reason": ""},
    "people.processingrestriction": {"reason": "", "lift_reason": ""},
    "people.detailchange": {"old_value": "", "new_value": "", "reason": ""},
    "people.duplicateattempt": {"details": "{}", "note": ""},
    "people.allocation": {"reason": ""},
    "referrals.referral": {"reason": "", "eligibility_decision_reason": ""},
    "referrals.screening": {"notes": ""},
    "referrals.offer": {"decline_reason": "", "withdrawal_reason": ""},
    "casework.episode": {"exit_plan": ""},
    "casework.assessment": {"strengths": "", "child_view": "", "summary": ""},
    "casework.plan": {"goals": ""},
    "casework.planreview": {"notes": ""},
    "casework.session": {"notes": ""},
    "casework.contact": {"summary": "", "others_present": ""},
    "casework.onwardreferral": {},
    "casework.measurescore": {},
    "casework.followupcheckpoint": {},
    "offending.offence": {"police_reference": ""},
    "offending.outcome": {},
    "offending.arrest": {},
    "victims.victim": {"views": ""},
    "imports.matchreview": {"rows": [], "candidates": [], "source_references": []},
    "privacy.anonymisation": {},
    "oversight.oversight": {"decision": "", "reasons": ""},
    "oversight.caseaudit": {"strengths": ""},
    "oversight.auditgrade": {},
    "oversight.audittheme": {},  # short themes, counted for the board; never names (the form says so)
    "oversight.auditaction": {"text": ""},
}

# What an anonymised child keeps: sex, ethnicity, area code, the month and year of birth
# (stored as the 15th), organisation, team and flags.
CHILD_ANONYMISED = {
    "first_name": "Anonymised",
    "last_name": "record",
    "preferred_name": "",
    "gender": "",
    "postcode": "",
    "school": "",
    "local_id": "",
    "police_id": "",
}


def child_relations() -> dict[type[models.Model], str]:
    """Every model that holds rows about a child, with its lookup path to the child.

    Walks reverse foreign keys from Child breadth first (episode -> session, referral ->
    offer, offence -> victim ...), skipping many-to-many link tables.
    """
    paths: dict[type[models.Model], str] = {}
    queue: list[tuple[type[models.Model], str]] = [(Child, "")]
    while queue:
        model, prefix = queue.pop(0)
        for relation in model._meta.get_fields(include_hidden=True):
            if not relation.auto_created or relation.concrete or relation.many_to_many:
                continue
            related = relation.related_model
            if related is Child or related._meta.auto_created or related in paths:
                continue
            path = f"{relation.field.name}__{prefix}" if prefix else relation.field.name
            paths[related] = path
            queue.append((related, path))
    return paths


def anonymise_children(ids: list[int], *, run) -> Counter[str]:
    """Remove names, identifiers, addresses and free text; keep the statistical facts."""
    counts: Counter[str] = Counter()
    if not ids:
        return counts
    for model, path in child_relations().items():
        label = model._meta.label_lower
        if label not in ANONYMISE_FIELDS:
            raise RuntimeError(f"{label} holds records about children but has no retention rule")
        rows = model._base_manager.filter(**{f"{path}__in": ids})
        changes = ANONYMISE_FIELDS[label]
        if changes:
            changed = rows.update(**changes)
            if changed:
                counts[label] += changed
        if any(f.name == "void_reason" for f in model._meta.concrete_fields):
            rows.exclude(void_reason="").update(void_reason=REMOVED)
    # Offences typed by hand (no offence type) carry a free-text description.
    Offence._base_manager.filter(child__in=ids, offence_type__isnull=True).exclude(
        description=""
    ).update(description="")
    # The referral's 'not eligible' reason must not be empty (a database rule).
    from divert.referrals.models import Referral

    Referral._base_manager.filter(child__in=ids).exclude(ineligible_reason="").update(
        ineligible_reason=REMOVED
    )
    children = Child._base_manager.filter(pk__in=ids)
    children.exclude(void_reason="").update(void_reason=REMOVED)
    # The 15th of the birth month: an age on any date is then out by at most half a month,
    # either way, so age bands move as often in as out (the 1st would make everyone older).
    mid_month = ExpressionWrapper(TruncMonth("date_of_birth") + dt.timedelta(days=14),
                                  output_field=models.DateField())
    counts["people.child"] += children.update(**CHILD_ANONYMISED, date_of_birth=mid_month)
    already = set(Anonymisation.objects.filter(child__in=ids).values_list("child_id", flat=True))
    Anonymisation.objects.bulk_create(
        [Anonymisation(child_id=pk, run=run) for pk in ids if pk not in already]
    )
    return counts


def delete_children(ids: list[int], merged: list[int]) -> Counter[str]:
    """Delete children (merged records first) and everything held about them."""
    counts: Counter[str] = Counter()
    everyone = [*ids, *merged]
    if not everyone:
        return counts
    # The review queue keeps its row (the link is set to empty) but not the copied data.
    MatchReview.objects.filter(child__in=everyone).update(rows=[], candidates=[], source_references=[])
    # Episodes and referrals are protected from a plain cascade; remove them first, in order.
    for queryset in (
        Episode._base_manager.filter(child__in=everyone),
        Referral._base_manager.filter(child__in=everyone),
        Child._base_manager.filter(pk__in=merged),
        Child._base_manager.filter(pk__in=ids),
    ):
        _, per_model = queryset.delete()
        counts.update({label.lower(): n for label, n in per_model.items() if n})
    return counts


def clear_imports(run_ids: list[int], *, action: str, now: dt.datetime) -> Counter[str]:
    """Anonymise (clear copied rows, problems and files) or delete finished import runs."""
    counts: Counter[str] = Counter()
    if not run_ids:
        return counts
    runs = ImportRun.objects.filter(pk__in=run_ids)
    paths = [p for p in runs.values_list("stored_path", flat=True) if p]
    paths += list(
        ImportErrorFile.objects.filter(run__in=run_ids, deleted_at__isnull=True).values_list("path", flat=True)
    )
    if action == RetentionAction.DELETE:
        _, per_model = runs.delete()
        counts.update({label.lower(): n for label, n in per_model.items() if n})
    else:
        counts["imports.matchreview"] = MatchReview.objects.filter(run__in=run_ids).update(
            rows=[], candidates=[], source_references=[]
        )
        counts["imports.importerrorfile"] = ImportErrorFile.objects.filter(
            run__in=run_ids, deleted_at__isnull=True
        ).update(deleted_at=now)
        counts["imports.importrun"] = runs.update(
            problems=[], file_name=REMOVED_FILE_NAME, stored_path=""
        )
        counts = Counter({label: n for label, n in counts.items() if n})
    # Files go only once the database change is committed.
    transaction.on_commit(lambda: _unlink(paths))
    return counts


def _unlink(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def apply_plan(plan: RetentionPlan, *, run, now: dt.datetime) -> list[dict]:
    """Carry out `plan` (inside the caller's transaction); returns counts per rule."""
    results = []
    for rule in plan.rules:
        if rule.record_type == RecordType.IMPORTS:
            records = clear_imports(list(rule.import_run_ids), action=rule.action, now=now)
        elif rule.action == RetentionAction.DELETE:
            records = delete_children(list(rule.child_ids), list(rule.merged_ids))
        else:
            records = anonymise_children([*rule.child_ids, *rule.merged_ids], run=run)
        results.append({**rule.summary(), "records": dict(sorted(records.items()))})
    return results
