"""Statistics for the measures: intervals, differences, rate ratios and change.

Pure functions of plain numbers (no Django, no clock). Methods follow OHID/PHE guidance
(Wilson score for proportions; exact chi-squared Poisson below 10, Byar otherwise),
Newcombe's hybrid score method for a difference of proportions, and the log interval for
the Relative Rate Index. See ``/work/shared/definitions.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The two inverse distributions needed, from scipy.special: importing scipy.stats for
# them costs seconds at every start of `divert kpis`.
from scipy.special import chdtri, stdtrit

Z95 = 1.959963984540054
VOLATILE_BELOW = 30


@dataclass(frozen=True)
class Interval:
    """A 95% confidence interval and the method that produced it."""

    lower: float
    upper: float
    method: str

    def scaled(self, factor: float) -> Interval:
        """The interval multiplied by `factor` (e.g. a count's interval divided by a population)."""
        return Interval(self.lower * factor, self.upper * factor, self.method)

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {"lower": self.lower, "upper": self.upper, "method": self.method}


def proportion(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def wilson(successes: int, trials: int, z: float = Z95) -> Interval | None:
    """Wilson score interval for successes out of trials (None when there are no trials)."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    q = 1 - successes / trials
    centre = 2 * successes + z * z
    spread = z * math.sqrt(z * z + 4 * successes * q)
    scale = 2 * (trials + z * z)
    return Interval(
        max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale), "Wilson score"
    )


def poisson(count: int, z: float = Z95) -> Interval:
    """95% interval for a count: exact (chi-squared) below 10, Byar's approximation from 10."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count < 10:
        # chdtri(df, p) is the chi-squared quantile with `p` above it: chi2.ppf(q, df) = chdtri(df, 1 - q).
        exact_lower = float(chdtri(2 * count, 0.975)) / 2 if count > 0 else 0.0
        exact_upper = float(chdtri(2 * count + 2, 0.025)) / 2
        return Interval(exact_lower, exact_upper, "exact Poisson (chi-squared)")
    o = count
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    o1 = count + 1
    upper = o1 * (1 - 1 / (9 * o1) + z / (3 * math.sqrt(o1))) ** 3
    return Interval(lower, upper, "Byar's approximation")


def rate_interval(count: int, population: int, per: int) -> Interval | None:
    """Interval for count ÷ population × per: the count's Poisson interval scaled."""
    if population <= 0:
        return None
    return poisson(count).scaled(per / population)


def mean_ratio_interval(events: int, people: int) -> Interval | None:
    """Interval for events per person (e.g. reoffences per child): Poisson on the events."""
    if people <= 0:
        return None
    return poisson(events).scaled(1 / people)


@dataclass(frozen=True)
class Difference:
    """p1 − p2 with Newcombe's hybrid score interval."""

    value: float
    interval: Interval


def difference_of_proportions(a: int, n1: int, b: int, n2: int) -> Difference | None:
    """Difference of two independent proportions a/n1 − b/n2 (Newcombe method 10)."""
    w1, w2 = wilson(a, n1), wilson(b, n2)
    if w1 is None or w2 is None:
        return None
    p1, p2 = a / n1, b / n2
    d = p1 - p2
    lower = d - math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2)
    upper = d + math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2)
    return Difference(d, Interval(lower, upper, "Newcombe hybrid score"))


@dataclass(frozen=True)
class RateRatio:
    """A Relative Rate Index: (a/A) ÷ (b/B), 1 is parity."""

    value: float | None
    interval: Interval | None


def relative_rate_index(a: int, big_a: int, b: int, big_b: int, z: float = Z95) -> RateRatio:
    """RRI of a group's rate a/A against the reference rate b/B, with a log interval.

    SE(log RRI) = √(1/a − 1/A + 1/b − 1/B). With a zero count the ratio has no finite
    interval; with a zero reference rate it has no value.
    """
    if big_a <= 0 or big_b <= 0 or b == 0:
        return RateRatio(None, None)
    value = (a / big_a) / (b / big_b)
    if a == 0:
        return RateRatio(value, None)
    se = math.sqrt(max(0.0, 1 / a - 1 / big_a + 1 / b - 1 / big_b))
    log_value = math.log(value)
    return RateRatio(
        value, Interval(math.exp(log_value - z * se), math.exp(log_value + z * se), "log RRI")
    )


@dataclass(frozen=True)
class Change:
    """Change from an old value to a new one: relative (a share of old) and in points."""

    relative: float | None
    points: float | None


def change(old: float | None, new: float | None, *, is_rate: bool) -> Change:
    """Relative change ((new − old) ÷ old) and, for a proportion, the change in percentage points."""
    if old is None or new is None:
        return Change(None, None)
    relative = (new - old) / old if old else None
    points = (new - old) * 100 if is_rate else None
    return Change(relative, points)


def is_volatile(denominator: int | None) -> bool:
    """True when a rate's denominator is under 30 (rates swing with one child)."""
    return denominator is not None and denominator < VOLATILE_BELOW


@dataclass(frozen=True)
class PairedChange:
    """Paired mean change (end − start) with its interval, standardised effect and the
    threshold beyond which an individual's change is reliable."""

    n: int
    mean_change: float | None
    interval: Interval | None
    effect_size: float | None
    reliable_threshold: float | None


def paired_change_from_sums(
    n: int,
    sum_change: float,
    sum_change_sq: float,
    sum_start: float,
    sum_start_sq: float,
    *,
    reliability: float = 0.8,
    z: float = Z95,
) -> PairedChange:
    """Paired change from sums computed in the database (no per-child loop).

    Mean change with a t interval; effect = mean change ÷ baseline SD; reliable change
    threshold = z × SD·√2·√(1 − r), r the instrument's reliability (0.8 by default).
    """
    if n == 0:
        return PairedChange(0, None, None, None, None)
    mean = sum_change / n
    if n < 2:
        return PairedChange(n, mean, None, None, None)
    var_change = max(0.0, (sum_change_sq - n * mean * mean) / (n - 1))
    half = float(stdtrit(n - 1, 0.975)) * math.sqrt(var_change / n)  # Student's t quantile
    start_mean = sum_start / n
    sd_start = math.sqrt(max(0.0, (sum_start_sq - n * start_mean * start_mean) / (n - 1)))
    effect = mean / sd_start if sd_start else None
    threshold = z * sd_start * math.sqrt(2) * math.sqrt(1 - reliability) if sd_start else None
    return PairedChange(n, mean, Interval(mean - half, mean + half, "paired t"), effect, threshold)


def paired_change(pairs: list[tuple[float, float]], **kwargs) -> PairedChange:
    """Paired change from (start, end) pairs (a convenience over `paired_change_from_sums`)."""
    diffs = [end - start for start, end in pairs]
    starts = [start for start, _ in pairs]
    return paired_change_from_sums(
        len(pairs), sum(diffs), sum(d * d for d in diffs), sum(starts), sum(s * s for s in starts),
        **kwargs,
    )
