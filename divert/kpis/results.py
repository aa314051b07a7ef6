"""Small, frozen results that every interface (page, PDF, spreadsheet, JSON, test) reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any

from divert.kpis.stats import Interval, is_volatile, proportion, wilson

JSON_VERSION = 1


@dataclass(frozen=True)
class Flags:
    """Small-number and maturity flags."""

    volatile: bool = False
    provisional: bool = False
    suppressed: bool = False

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {"volatile": self.volatile, "provisional": self.provisional, "suppressed": self.suppressed}


@dataclass(frozen=True)
class Cell:
    """One row of a breakdown (e.g. 'Black or Black British'), with its own figures."""

    key: str
    label: str
    numerator: int | float | None
    denominator: int | float | None = None
    value: float | None = None
    interval: Interval | None = None
    flags: Flags = field(default_factory=Flags)
    shown: str | None = None  # set by suppression: "≤5" or "suppressed"
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return _as_dict(self)


@dataclass(frozen=True)
class Result:
    """A measure: value with numerator, denominator, period, interval, flags and breakdowns.

    `unit` says how to read `value`: "proportion" (0-1), "per_100000", "per_1000",
    "per_10000", "per_child", "count", "mean", "ratio" or "points".
    """

    key: str
    label: str
    definition: str
    unit: str
    value: float | None
    numerator: int | float | None
    denominator: int | float | None
    period: str
    interval: Interval | None = None
    flags: Flags = field(default_factory=Flags)
    breakdowns: dict[str, tuple[Cell, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    higher_is_better: bool | None = None
    shown: str | None = None  # set by suppression
    rag: str | None = None  # "green", "amber", "red" from the organisation's thresholds
    changes: dict = field(default_factory=dict)  # previous / same period last year
    comparators: dict = field(default_factory=dict)  # yot_family / region / england
    about_children: bool = True  # False for figures about meetings (KPI 8): not suppressed

    def with_flags(self, **changes) -> Result:
        """A copy with some flags changed."""
        return replace(self, flags=replace(self.flags, **changes))

    def as_dict(self) -> dict:
        """Plain data for JSON (the stable interface documented in docs/kpi-json.md)."""
        return _as_dict(self)


def _as_dict(obj: Any) -> Any:
    if isinstance(obj, Cell | Result):
        out: dict[str, Any] = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name == "breakdowns":
                out[f.name] = {k: [_as_dict(c) for c in cells] for k, cells in value.items()}
            elif f.name == "notes":
                out[f.name] = list(value)
            else:
                out[f.name] = _as_dict(value)
        return out
    if isinstance(obj, dict):
        return {str(k): _as_dict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_as_dict(v) for v in obj]
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: _as_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, float):
        return round(obj, 6)
    return obj


def rate_result(
    key: str,
    label: str,
    definition: str,
    numerator: int,
    denominator: int,
    period: str,
    **kwargs,
) -> Result:
    """A proportion with its Wilson interval and the volatile flag set from the denominator."""
    flags = kwargs.pop("flags", Flags())
    flags = replace(flags, volatile=flags.volatile or is_volatile(denominator))
    return Result(
        key=key,
        label=label,
        definition=definition,
        unit="proportion",
        value=proportion(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        period=period,
        interval=wilson(numerator, denominator),
        flags=flags,
        **kwargs,
    )


def rate_cell(key: str, label: str, numerator: int, denominator: int) -> Cell:
    """A breakdown row for a proportion."""
    return Cell(
        key=key,
        label=label,
        numerator=numerator,
        denominator=denominator,
        value=proportion(numerator, denominator),
        interval=wilson(numerator, denominator),
        flags=Flags(volatile=is_volatile(denominator)),
    )


def count_cell(key: str, label: str, count: int) -> Cell:
    """A breakdown row that is only a count."""
    return Cell(key=key, label=label, numerator=count)


@dataclass(frozen=True)
class Report:
    """Every measure for one organisation and period, as at a date and as known on a moment."""

    organisation: str
    period: dict
    as_at: dt.date
    known_on: dt.datetime | None
    measures: tuple[Result, ...]
    suppressed: bool = False

    def as_dict(self) -> dict:
        """Plain data for JSON, with the interface version."""
        return {
            "version": JSON_VERSION,
            "organisation": self.organisation,
            "period": self.period,
            "as_at": self.as_at.isoformat(),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "suppressed": self.suppressed,
            "measures": [m.as_dict() for m in self.measures],
        }

    def get(self, key: str) -> Result:
        """The measure with this key."""
        for m in self.measures:
            if m.key == key:
                return m
        raise KeyError(key)


def _interval_from(data: dict | None) -> Interval | None:
    return None if data is None else Interval(data["lower"], data["upper"], data["method"])


def _cell_from(data: dict) -> Cell:
    return Cell(
        key=data["key"], label=data["label"], numerator=data["numerator"], denominator=data["denominator"],
        value=data["value"], interval=_interval_from(data["interval"]), flags=Flags(**data["flags"]),
        shown=data["shown"], details=data["details"],
    )


def result_from_dict(data: dict) -> Result:
    """A measure back from its JSON (`Result.as_dict`); breakdown details stay plain data."""
    return Result(
        key=data["key"], label=data["label"], definition=data["definition"], unit=data["unit"],
        value=data["value"], numerator=data["numerator"], denominator=data["denominator"],
        period=data["period"], interval=_interval_from(data["interval"]), flags=Flags(**data["flags"]),
        breakdowns={name: tuple(_cell_from(c) for c in cells) for name, cells in data["breakdowns"].items()},
        notes=tuple(data["notes"]), higher_is_better=data["higher_is_better"], shown=data["shown"],
        rag=data["rag"], changes=data["changes"], comparators=data["comparators"],
        about_children=data["about_children"],
    )


def report_from_dict(data: dict) -> Report:
    """A report back from its JSON (`Report.as_dict`), as the page and the exports read it."""
    return Report(
        organisation=data["organisation"], period=data["period"], as_at=dt.date.fromisoformat(data["as_at"]),
        known_on=dt.datetime.fromisoformat(data["known_on"]) if data["known_on"] else None,
        measures=tuple(result_from_dict(m) for m in data["measures"]), suppressed=data["suppressed"],
    )
