"""Versions of an assessment or a plan as answers a person reads, and what changed between two."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from divert.casework.codes import OTHER_NEED_LABELS
from divert.casework.forms import LEVELS, NEED_DOMAINS, AssessmentForm, PlanForm
from divert.casework.models import Assessment, Plan, Versioned


@dataclass(frozen=True)
class Change:
    """One answer that differs between a version and the one it superseded."""

    label: str
    before: str
    after: str


def _day(day: dt.date | None) -> str:
    return f"{day:%-d %B %Y}" if day else ""


def _label(form_class, name: str) -> str:
    return str(form_class.base_fields[name].label)


def answers(record: Versioned) -> list[tuple[str, str]]:
    """The version's answers in form order, as (question, answer) in words (narratives decrypted)."""
    if isinstance(record, Assessment):
        levels = dict(LEVELS)
        rows = [(_label(AssessmentForm, "assessed_on"), _day(record.assessed_on))]
        needs = {code: str(level) for code, level in (record.needs or {}).items()}
        known = [code for code, _ in NEED_DOMAINS]
        for code, label in [*NEED_DOMAINS, *((c, OTHER_NEED_LABELS.get(c, c)) for c in sorted(needs) if c not in known)]:
            rows.append((f"Need: {label}", levels.get(needs.get(code, ""), "Not recorded")))
        rows += [
            (_label(AssessmentForm, "child_view"), record.child_view),
            (_label(AssessmentForm, "strengths"), record.strengths),
            (_label(AssessmentForm, "exploitation_risk"), record.get_exploitation_risk_display()),
            (_label(AssessmentForm, "summary"), record.summary),
        ]
        return rows
    if isinstance(record, Plan):
        return [
            (_label(PlanForm, "agreed_on"), _day(record.agreed_on)),
            (_label(PlanForm, "goals"), record.goals),
            (_label(PlanForm, "planned_sessions"), str(record.planned_sessions)),
            ("Target end date", _day(record.target_end_date)),
        ]
    raise TypeError(f"Not a versioned record: {type(record).__name__}")


def changes(before: Versioned, after: Versioned) -> list[Change]:
    """The answers that differ between two versions, in form order."""
    old, new = dict(answers(before)), dict(answers(after))
    labels = [*new, *(label for label in old if label not in new)]
    return [Change(label, old.get(label, ""), new.get(label, "")) for label in labels
            if old.get(label, "") != new.get(label, "")]
