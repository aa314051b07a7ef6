"""Quarters of the year, as case audits are chosen and reported: January to March, April to
June, July to September, October to December (the same three months as the financial
quarters the board pack uses: April to June is 2025-26 Q1)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SLUG = re.compile(r"^(\d{4})-(01|04|07|10)$")


@dataclass(frozen=True, order=True)
class Quarter:
    """Three calendar months starting on `start` (1 January, April, July or October)."""

    start: dt.date

    def __post_init__(self):
        if self.start.day != 1 or self.start.month not in (1, 4, 7, 10):
            raise ValueError("A quarter starts on 1 January, April, July or October.")

    @property
    def end(self) -> dt.date:
        """The quarter's last day."""
        return self.next().start - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """In words: "April to June 2025"."""
        return f"{self.start:%B} to {self.end:%B %Y}"

    @property
    def slug(self) -> str:
        """As in an address: "2025-04"."""
        return f"{self.start:%Y-%m}"

    def next(self) -> Quarter:
        """The quarter after this one."""
        month = self.start.month + 3
        return Quarter(dt.date(self.start.year + (month > 12), (month - 1) % 12 + 1, 1))

    def previous(self) -> Quarter:
        """The quarter before this one."""
        month = self.start.month - 3
        return Quarter(dt.date(self.start.year - (month < 1), (month - 1) % 12 + 1, 1))

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def quarter_containing(day: dt.date) -> Quarter:
    """The quarter `day` falls in."""
    return Quarter(dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))


def parse_quarter(text: str, *, default: Quarter) -> Quarter:
    """A quarter from its slug ("2025-04"), or `default` for anything else."""
    match = _SLUG.match((text or "").strip())
    if not match or not 1900 <= int(match[1]) <= 2199:
        return default
    return Quarter(dt.date(int(match[1]), int(match[2]), 1))
