"""Matching imported rows to an organisation's children (pure: no database access).

Exact on police identifier, then local identifier; otherwise name and date of birth with
a confidence score. Only an exact, unique, unconflicted match is taken without a person;
anything that could be an existing child but is not certain goes to the review queue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from divert.imports.formats import normalise_name

CERTAIN = 0.999
REVIEW = 0.75
SWAPPED = 0.95  # first and last names the wrong way round count for a little less

EXACT = "exact"
CERTAIN_MATCH = "certain"
UNCERTAIN = "review"
NEW = "new"


@dataclass(eq=False)
class Known:
    """A child as the matcher sees it (new children have no id until they are saved)."""

    id: int | None
    police_id: str
    local_id: str
    first: str
    last: str
    date_of_birth: dt.date
    obj: dict | None = None  # the fields of a child this import will create (not saved yet)
    first_pairs: frozenset[str] = field(init=False, repr=False)
    last_pairs: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Worked out once per child, not once per comparison.
        self.first_pairs, self.last_pairs = _pairs(self.first), _pairs(self.last)

    @classmethod
    def of(cls, *, id, police_id, local_id, first_name, last_name, date_of_birth, obj=None):  # noqa: A002
        """Build from a child's fields."""
        return cls(id, (police_id or "").upper(), (local_id or "").upper(), normalise_name(first_name),
                   normalise_name(last_name), date_of_birth, obj)


@dataclass
class Match:
    """The matcher's answer for one person."""

    outcome: str
    child: Known | None = None
    candidates: list[tuple[Known, float, str]] = field(default_factory=list)

    @property
    def best_score(self) -> float:
        """The highest candidate score (1 for exact identifier matches)."""
        if self.outcome == EXACT:
            return 1.0
        return max((s for _, s, _ in self.candidates), default=0.0)


@lru_cache(maxsize=200_000)
def _pairs(name: str) -> frozenset[str]:
    padded = f" {name} "
    return frozenset(padded[i:i + 2] for i in range(len(padded) - 1))


def name_similarity(a: str, b: str) -> float:
    """0-1 similarity of two normalised names: the Dice coefficient of their letter pairs.

    Letter pairs are the usual record-linkage measure for names and cost a set
    intersection, so a large file can be matched in seconds.
    """
    return _similarity(a, _pairs(a), b, _pairs(b))


def _similarity(a: str, a_pairs: frozenset[str], b: str, b_pairs: frozenset[str]) -> float:
    """name_similarity with each name's letter pairs already worked out."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return 2 * len(a_pairs & b_pairs) / (len(a_pairs) + len(b_pairs))


def dob_similarity(a: dt.date, b: dt.date) -> tuple[float, str]:
    """1 for the same date; partial for a day/month swap or one part wrong."""
    if a == b:
        return 1.0, "same date of birth"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 0.8, "date of birth with day and month swapped"
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    if same == 2 and (a.year == b.year or abs(a.year - b.year) == 1 or _one_digit(a.year, b.year)):
        return 0.7, "date of birth differs in one part"
    return 0.0, "different date of birth"


def _one_digit(x: int, y: int) -> bool:
    return sum(p != q for p, q in zip(f"{x:04d}", f"{y:04d}", strict=True)) == 1


def score(first: str, last: str, dob: dt.date, known: Known) -> tuple[float, str]:
    """Confidence 0-1 that a row (normalised names, date of birth) is `known`."""
    dob_score, why = dob_similarity(dob, known.date_of_birth)
    first_pairs, last_pairs = _pairs(first), _pairs(last)
    names = 0.5 * _similarity(first, first_pairs, known.first, known.first_pairs) + 0.5 * _similarity(
        last, last_pairs, known.last, known.last_pairs)
    swapped = 0.0
    if names < SWAPPED:  # names the wrong way round score at most SWAPPED
        swapped = SWAPPED * (0.5 * _similarity(first, first_pairs, known.last, known.last_pairs) + 0.5 * _similarity(
            last, last_pairs, known.first, known.first_pairs))
    name_part = max(names, swapped)
    name_why = "same name" if name_part == 1 else ("names swapped" if swapped > names else "similar name")
    return round(0.4 * dob_score + 0.6 * name_part, 3), f"{name_why}, {why}"


class ChildIndex:
    """The organisation's children, indexed for matching; new children are added as created.

    Besides identifiers, names and dates of birth, each child is filed under its initials
    with each pair of the three parts of its date of birth (and with day and month
    swapped), so the children whose date of birth differs in one part are found with a
    handful of lookups.
    """

    def __init__(self, children=()):
        self.by_police: dict[str, list[Known]] = defaultdict(list)
        self.by_local: dict[str, list[Known]] = defaultdict(list)
        self.by_dob: dict[dt.date, list[Known]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Known]] = defaultdict(list)
        self.by_parts: dict[tuple, list[Known]] = defaultdict(list)
        for child in children:
            self.add(child)

    def add(self, known: Known) -> None:
        """Index a child."""
        if known.police_id:
            self.by_police[known.police_id].append(known)
        if known.local_id:
            self.by_local[known.local_id].append(known)
        self.by_dob[known.date_of_birth].append(known)
        self.by_name[(known.first, known.last)].append(known)
        for key in _part_keys(known.date_of_birth, known.first[:1], known.last[:1]):
            self.by_parts[key].append(known)

    def _nearby(self, first: str, last: str, dob: dt.date) -> set[Known]:
        """Children who could score high enough to be worth scoring.

        Everyone with the same date of birth or the same name; for a date of birth that
        differs in one part (or has day and month swapped), those with the same initials
        (either way round). A wrong initial together with a wrong date of birth is treated
        as a different person: looking further costs too much in a large file.
        """
        pool: set[Known] = set(self.by_name.get((first, last), ()))
        pool.update(self.by_name.get((last, first), ()))
        pool.update(self.by_dob.get(dob, ()))
        for initials in ((first[:1], last[:1]), (last[:1], first[:1])):
            for key in _part_keys(dob, *initials):
                pool.update(self.by_parts.get(key, ()))
        return pool

    def match(self, *, police_id: str, local_id: str, first_name: str, last_name: str,
              date_of_birth: dt.date) -> Match:
        """Find the child a person in the file is, or say it is uncertain or new."""
        police_id, local_id = police_id.upper(), local_id.upper()
        first, last = normalise_name(first_name), normalise_name(last_name)
        for ident, index, other in ((police_id, self.by_police, "local_id"), (local_id, self.by_local, "police_id")):
            if not ident:
                continue
            hits = index.get(ident, [])
            if len(hits) == 1:
                child = hits[0]
                row_other = local_id if other == "local_id" else police_id
                child_other = getattr(child, other)
                if row_other and child_other and row_other != child_other:
                    s, why = score(first, last, date_of_birth, child)
                    return Match(UNCERTAIN, candidates=[(child, s, f"identifier matches but {other} differs; {why}")])
                return Match(EXACT, child=child)
            if len(hits) > 1:
                return Match(UNCERTAIN, candidates=[(c, *score(first, last, date_of_birth, c)) for c in hits])
        scored = []
        for child in self._nearby(first, last, date_of_birth):
            s, why = score(first, last, date_of_birth, child)
            if s >= REVIEW:
                scored.append((child, s, why))
        scored.sort(key=lambda c: -c[1])
        certain = [c for c in scored if c[1] >= CERTAIN]
        if len(certain) == 1 and len(scored) == 1:
            child = certain[0][0]
            conflict = (police_id and child.police_id and police_id != child.police_id) or (
                local_id and child.local_id and local_id != child.local_id
            )
            if not conflict:
                return Match(CERTAIN_MATCH, child=child, candidates=scored)
            return Match(UNCERTAIN, candidates=[(child, certain[0][1], "same name and date of birth, different identifier")])
        if scored:
            return Match(UNCERTAIN, candidates=scored[:5])
        return Match(NEW)


def _part_keys(dob: dt.date, first_initial: str, last_initial: str) -> tuple[tuple, ...]:
    y, m, d = dob.year, dob.month, dob.day
    return (
        ("ym", y, m, first_initial, last_initial),
        ("yd", y, d, first_initial, last_initial),
        ("md", m, d, first_initial, last_initial),
        ("swap", y, min(m, d), max(m, d), first_initial, last_initial),
    )
