"""The pseudonymised research extract for evaluators, released only when k-anonymous.

One row per child per referral that reached an offer or an episode: a hashed child id,
age band at the child's first referral in the extract (the same on all their rows), sex, ethnicity, area, programme, tier, referral source, dates to
the month, offer, consent and completion, session counts and the tracker's follow-up
results at 3, 6, 9 and 12 months. No names, free text, exact dates of birth, postcodes
or identifiers. Children whose processing is restricted are left out.

Release rule (../shared/definitions.md, "Pseudonymised extracts"): every combination of
the quasi-identifiers (age band, sex, ethnicity, area) as released covers at least k
children. Rarer combinations climb a ladder of coarsening, step by step and only for
the rows that need it; rows that cannot reach k even at the widest level are withheld.
Columns and the ladder: docs/data-format.md, "Research extract".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery

from divert.casework.models import Plan, Session
from divert.core.dates import age_on
from divert.evaluation.tracker import Scope, flagged, unit_outcome, units
from divert.people.codes import ethnic_group_of
from divert.people.models import Child
from divert.referrals.models import Referral

QUASI = ("age_band", "sex", "ethnicity", "area")
WITHHELD_AREA = "withheld"
NOT_KNOWN = "not_known"


@dataclass(frozen=True)
class Step:
    """One rung of the coarsening ladder: an attribute raised to a wider level."""

    rule: str
    attribute: str
    level: int
    label: str


LADDER = (
    Step("ethnicity_to_broad_group", "ethnicity", 1, "Ethnicity shown as its broad group (5+1)"),
    Step("age_band_widened", "age_band", 1, "Age band widened to under 14 / 14 and over"),
    Step("area_widened", "area", 1, "Area widened (local authority, or postcode area)"),
    Step("area_withheld", "area", 2, "Area withheld"),
)
MERGED = Step(
    "grouped_at_widest", "", 0, "Coarsened to the widest level to make up a group of k with rare rows"
)
RULES = {s.rule: s.label for s in (*LADDER, MERGED)}


# ---- pure functions: bands, areas, hashed ids ------------------------------------------


def age_bands(age: int) -> tuple[str, str]:
    """An age as (two-year band, wide band)."""
    if age < 10:
        fine = "under 10"
    elif age >= 18:
        fine = "18 and over"
    else:
        low = age - age % 2
        fine = f"{low}-{low + 1}"
    return fine, "under 14" if age < 14 else "14 and over"


OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][0-9A-Z]?)$")


def postcode_district(postcode: str) -> str:
    """The outward code of a UK postcode ('KM3 4AB' -> 'KM3'), or '' if it is not one."""
    text = re.sub(r"\s+", "", postcode.upper())
    outward = text[:-3] if len(text) > 4 else ""
    return outward if OUTWARD.match(outward) else ""


def area_levels(*, area_code: str, postcode: str, local_authority: str) -> tuple[str, str, str]:
    """A child's area from finest to widest: ward or LSOA code, else postcode district."""
    if area_code:
        return area_code, local_authority or "local authority", WITHHELD_AREA
    district = postcode_district(postcode)
    if district:
        return district, OUTWARD.match(district).group(1), WITHHELD_AREA  # type: ignore[union-attr]
    return NOT_KNOWN, NOT_KNOWN, WITHHELD_AREA


def hashed_id(child_id: int, *, organisation_id: int, salt: str) -> str:
    """A child's pseudonym: stable for one salt, unlinkable across salts without them.

    It starts with a letter so that a spreadsheet never reads it as a number ('12e45...').
    """
    key = f"divert-research-extract:{salt}".encode()
    return "c" + hmac.new(key, f"{organisation_id}:{child_id}".encode(), hashlib.sha256).hexdigest()[:20]


def month(day: dt.date | None) -> str:
    """A date to its month ('2025-03'), or '' for none."""
    return f"{day:%Y-%m}" if day else ""


# ---- pure functions: k-anonymity -------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A row before release: the child's pseudonym, each quasi-identifier from finest
    to widest, and the other columns."""

    child: str
    levels: Mapping[str, Sequence[str]]
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleasedRow:
    """A released row: the quasi-identifiers as released and the rules applied to it."""

    child: str
    quasi: Mapping[str, str]
    data: Mapping[str, object]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Release:
    """What may be released, with the report of what was coarsened and withheld."""

    k: int
    rows: tuple[ReleasedRow, ...]
    candidates: int
    withheld: int
    withheld_children: int
    by_rule: dict[str, int]
    smallest_group: int | None

    @property
    def coarsened(self) -> int:
        """Released rows with any quasi-identifier coarsened."""
        return sum(1 for r in self.rows if r.rules)

    @property
    def released(self) -> int:
        """Rows released."""
        return len(self.rows)

    def report(self) -> dict:
        """The k-anonymity report as plain data (counts only)."""
        return {
            "k": self.k,
            "rows_considered": self.candidates,
            "rows_released": self.released,
            "rows_coarsened": self.coarsened,
            "rows_withheld": self.withheld,
            "children_withheld": self.withheld_children,
            "smallest_group": self.smallest_group,
            "by_rule": dict(self.by_rule),
        }


Row = tuple[str, ...]  # one combination of the quasi-identifiers


def k_anonymise(candidates: Sequence[Candidate], *, k: int, ladder=LADDER) -> Release:
    """Coarsen rare combinations up the ladder, then withhold what still covers fewer than k children.

    At each rung, the rows whose combination (as it would be released) covers fewer than
    k distinct children are coarsened; if they still fall short and a combination that
    already reaches k would match them once coarsened the same way, the smallest such
    combination is coarsened with them. A combination that reaches k never splits, so it
    keeps k. Rows still rare at the widest level are grouped with the smallest other
    combinations sharing their widest values; only when all of those together cover fewer
    than k children are they withheld.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    coarsening = _Coarsening(candidates, k)
    for step in ladder:
        if not coarsening.climb(step):
            break
    coarsening.group_at_widest()
    return coarsening.release()


class _Coarsening:
    """The rows' current level for each quasi-identifier, and the rules applied to each row."""

    def __init__(self, candidates: Sequence[Candidate], k: int) -> None:
        self.candidates = candidates
        self.k = k
        self.n = len(candidates)
        self.levels = [dict.fromkeys(QUASI, 0) for _ in range(self.n)]
        self.rules: list[list[str]] = [[] for _ in range(self.n)]

    # -- reading the current state

    def value(self, i: int, attribute: str) -> str:
        return self.candidates[i].levels[attribute][self.levels[i][attribute]]

    def key(self, i: int) -> Row:
        return tuple(self.value(i, a) for a in QUASI)

    def widest(self, i: int) -> Row:
        return tuple(self.candidates[i].levels[a][-1] for a in QUASI)

    def groups(self, rows: Iterable[int]) -> dict[Row, list[int]]:
        found: dict[Row, list[int]] = defaultdict(list)
        for i in rows:
            found[self.key(i)].append(i)
        return found

    def children(self, rows: Iterable[int]) -> int:
        return len({self.candidates[i].child for i in rows})

    def rare_rows(self) -> set[int]:
        """Rows whose combination covers fewer than k children."""
        groups = self.groups(range(self.n)).values()
        return {i for rows in groups if self.children(rows) < self.k for i in rows}

    def smallest_first(self, rows: list[int]) -> tuple[int, Row]:
        return self.children(rows), self.key(rows[0])

    # -- coarsening

    def raise_to(self, i: int, attribute: str, level: int, rule: str) -> None:
        if self.levels[i][attribute] < level:
            before = self.value(i, attribute)
            self.levels[i][attribute] = level
            if self.value(i, attribute) != before and rule not in self.rules[i]:
                self.rules[i].append(rule)

    def lifted(self, i: int, step: Step) -> Row:
        """Row i's combination if it were coarsened by this step."""
        return tuple(
            self.candidates[i].levels[a][max(self.levels[i][a], step.level)]
            if a == step.attribute
            else self.value(i, a)
            for a in QUASI
        )

    def climb(self, step: Step) -> bool:
        """Coarsen the rare rows (and the smallest partner each needs) by one rung.

        False when no row is rare, so the ladder can stop.
        """
        current = self.groups(range(self.n))
        rare = {i for rows in current.values() if self.children(rows) < self.k for i in rows}
        if not rare:
            return False
        targets: dict[Row, list[int]] = defaultdict(list)
        for i in sorted(rare):
            targets[self.lifted(i, step)].append(i)
        # Combinations that already reach k but would join a target if coarsened the same way.
        partners: dict[Row, list[list[int]]] = defaultdict(list)
        for combination, rows in current.items():
            if rows[0] not in rare and self.lifted(rows[0], step) != combination:
                partners[self.lifted(rows[0], step)].append(rows)
        for target, moving in targets.items():
            existing = current.get(target, [])
            joined = [] if existing and existing[0] in rare else existing
            if self.children(moving + joined) < self.k and partners[target]:
                # The smallest such combination is enough: it reaches k on its own.
                moving = moving + min(partners[target], key=self.smallest_first)
            for i in moving:
                self.raise_to(i, step.attribute, step.level, step.rule)
        return True

    def group_at_widest(self) -> None:
        """Still rare: every such row is at its widest values. Group it with whole
        combinations sharing those widest values, smallest first, until there are k."""
        rare = self.rare_rows()
        if not rare:
            return
        by_widest: dict[Row, list[int]] = defaultdict(list)
        for i in range(self.n):
            by_widest[self.widest(i)].append(i)
        for top in {self.widest(i) for i in rare}:
            cluster = by_widest[top]
            if self.children(cluster) < self.k:
                continue  # cannot reach k at any level: withheld in release()
            for i in self.pooled(cluster, rare):
                for a in QUASI:
                    self.raise_to(i, a, len(self.candidates[i].levels[a]) - 1, MERGED.rule)

    def pooled(self, cluster: list[int], rare: set[int]) -> list[int]:
        """The cluster's rare rows with the smallest other combinations that make up k."""
        pooled = [i for i in cluster if i in rare]
        others = self.groups(i for i in cluster if i not in rare).values()
        for rows in sorted(others, key=self.smallest_first):
            if self.children(pooled) >= self.k:
                break
            pooled.extend(rows)
        return pooled

    # -- the result

    def release(self) -> Release:
        """Keep the combinations that reach k; withhold the rest."""
        final = self.groups(range(self.n))
        kept = [i for rows in final.values() if self.children(rows) >= self.k for i in rows]
        kept_set = set(kept)
        withheld = [i for i in range(self.n) if i not in kept_set]
        released_children = {self.candidates[i].child for i in kept}
        by_rule: Counter = Counter()
        for i in kept:
            by_rule.update(self.rules[i])
        sizes = [self.children(rows) for rows in final.values() if self.children(rows) >= self.k]
        return Release(
            k=self.k,
            rows=tuple(
                ReleasedRow(
                    self.candidates[i].child,
                    {a: self.value(i, a) for a in QUASI},
                    self.candidates[i].data,
                    tuple(self.rules[i]),
                )
                for i in sorted(kept)
            ),
            candidates=self.n,
            withheld=len(withheld),
            withheld_children=len({self.candidates[i].child for i in withheld} - released_children),
            by_rule={rule: by_rule[rule] for rule in RULES if by_rule[rule]},
            smallest_group=min(sizes) if sizes else None,
        )


# ---- the extract from the database -----------------------------------------------------

TIER_COLUMNS = {"a": "proven_reoffence", "b": "formal_outcome", "c": "arrest"}
WINDOW_COLUMNS = [f"{name}_{months}m" for months in (3, 6, 9, 12) for name in TIER_COLUMNS.values()]
DATA_COLUMNS = [
    "programme",
    "tier",
    "referral_source",
    "referral_month",
    "offered",
    "offer_month",
    "child_decision",
    "consented",
    "episode_start_month",
    "episode_end_month",
    "completed",
    "closure_reason",
    "sessions_planned",
    "sessions_attended",
    "sessions_missed",
    *WINDOW_COLUMNS,
]
COLUMNS = ["child_id", *QUASI, *DATA_COLUMNS]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def eligible_referrals(*, organisation, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """The organisation's current referrals that reached an offer or an episode, for
    children not merged, not voided and whose processing is not restricted."""
    allowed = Child.objects.processing_allowed().filter(
        organisation=organisation, merged_into__isnull=True, voided_at__isnull=True
    )
    referrals = Referral.objects.current().filter(child__in=allowed).filter(
        Q(offer__isnull=False, offer__voided_at__isnull=True)
        | Q(episode__isnull=False, episode__voided_at__isnull=True)
    )
    if date_from:
        referrals = referrals.filter(received_on__gte=date_from)
    if date_to:
        referrals = referrals.filter(received_on__lte=date_to)
    sessions = Session.objects.current().filter(episode__referral=OuterRef("pk"))

    def count(attendance: str) -> Subquery:
        counted = (
            sessions.filter(attendance=attendance).order_by().values("episode")
            .annotate(n=Count("pk")).values("n")
        )
        return Subquery(counted, output_field=IntegerField())

    planned = (
        Plan.objects.current().in_force().filter(episode__referral=OuterRef("pk"))
        .order_by("-agreed_on", "-pk").values("planned_sessions")[:1]
    )
    return referrals.annotate(
        attended=count("attended"), missed=count("dna"), planned=Subquery(planned)
    ).order_by("pk")


def follow_up_results(*, organisation, as_at: dt.date) -> dict[int, dict[str, str]]:
    """Each referral's follow-up results from its offer, per window and tier (tracker rules)."""
    scope = Scope.build(organisation=organisation, programmes=None, as_at=as_at, known_on=None)
    checkpoints = units(organisation=organisation, anchor="offer", as_at=as_at, first_only=False)
    results: dict[int, dict[str, str]] = defaultdict(dict)
    for unit in flagged(checkpoints, rules=scope.rules):
        for tier, name in TIER_COLUMNS.items():
            results[unit["referral"]][f"{name}_{unit['months']}m"] = unit_outcome(unit, tier)
    return results


def candidates(
    *, organisation, as_at: dt.date, salt: str, date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[Candidate]:
    """One candidate row per eligible referral, before the k-anonymity check."""
    results = follow_up_results(organisation=organisation, as_at=as_at)
    rows = eligible_referrals(organisation=organisation, date_from=date_from, date_to=date_to).values(
        "pk", "child_id", "child__date_of_birth", "child__sex", "child__ethnicity",
        "child__area_code", "child__postcode", "programme__slug", "source", "received_on",
        "screening__tier__number", "episode__tier__number", "offer__offered_on",
        "offer__voided_at", "offer__child_decision", "episode__start_date", "episode__end_date",
        "episode__successfully_completed", "episode__closure_reason", "episode__voided_at",
        "attended", "missed", "planned",
    )
    rows = list(rows.iterator(chunk_size=2000))
    # One age band per child, at their first referral here: a child's rows share the pseudonym,
    # so two bands with two referral months would narrow their birthday to within weeks.
    first_referral: dict[int, dt.date] = {}
    for r in rows:
        first_referral[r["child_id"]] = min(r["received_on"], first_referral.get(r["child_id"], r["received_on"]))
    out = []
    for r in rows:
        offered = r["offer__offered_on"] is not None and r["offer__voided_at"] is None
        episode = r["episode__start_date"] is not None and r["episode__voided_at"] is None
        decision = r["offer__child_decision"] if offered else ""
        ethnicity = r["child__ethnicity"]
        tier = r["episode__tier__number"] if episode and r["episode__tier__number"] else r["screening__tier__number"]
        data = {
            "programme": r["programme__slug"],
            "tier": tier if tier is not None else "",
            "referral_source": r["source"],
            "referral_month": month(r["received_on"]),
            "offered": _yes_no(offered),
            "offer_month": month(r["offer__offered_on"]) if offered else "",
            "child_decision": decision,
            "consented": _yes_no(decision == "accepted") if offered else "",
            "episode_start_month": month(r["episode__start_date"]) if episode else "",
            "episode_end_month": month(r["episode__end_date"]) if episode else "",
            "completed": _yes_no(r["episode__successfully_completed"]) if episode else "",
            "closure_reason": r["episode__closure_reason"] if episode else "",
            "sessions_planned": r["planned"] if episode and r["planned"] is not None else "",
            "sessions_attended": (r["attended"] or 0) if episode else "",
            "sessions_missed": (r["missed"] or 0) if episode else "",
            **{c: results.get(r["pk"], {}).get(c, "") for c in WINDOW_COLUMNS},
        }
        out.append(
            Candidate(
                hashed_id(r["child_id"], organisation_id=organisation.pk, salt=salt),
                {
                    "age_band": age_bands(age_on(r["child__date_of_birth"], first_referral[r["child_id"]])),
                    "sex": (r["child__sex"],),
                    "ethnicity": (ethnicity, ethnic_group_of(ethnicity)),
                    "area": area_levels(
                        area_code=r["child__area_code"], postcode=r["child__postcode"],
                        local_authority=organisation.area_code,
                    ),
                },
                data,
            )
        )
    return out


def research_extract(
    *, organisation, as_at: dt.date, k: int | None = None, date_from: dt.date | None = None,
    date_to: dt.date | None = None, salt: str | None = None,
) -> Release:
    """The organisation's research extract, k-anonymous (k: the organisation's setting by default)."""
    k = k if k is not None else organisation.k_anonymity
    rows = candidates(
        organisation=organisation, as_at=as_at, salt=salt or settings.RESEARCH_SALT,
        date_from=date_from, date_to=date_to,
    )
    return k_anonymise(rows, k=k)


def table(release: Release) -> list[list]:
    """The extract as rows of cells, headings first (for the CSV and the workbook)."""
    return [COLUMNS] + [
        [row.child, *(row.quasi[a] for a in QUASI), *(row.data.get(c, "") for c in DATA_COLUMNS)]
        for row in release.rows
    ]
