"""Programme eligibility: a pure check that gives a plain reason when a referral is not eligible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from divert.core.dates import age_on


@dataclass(frozen=True)
class EligibilityResult:
    """Whether a referral meets the programme's rules, and why not."""

    eligible: bool
    reasons: tuple[str, ...] = ()
    # What the rules could not decide (a detail not recorded). Reasons that do decide win:
    # a child outside the ages is not eligible whatever their area.
    unknowns: tuple[str, ...] = ()

    @property
    def undecided(self) -> bool:
        """Nothing rules the referral out, but something needed is not known."""
        return not self.reasons and bool(self.unknowns)

    @property
    def reason(self) -> str:
        """All reasons as one sentence list."""
        return " ".join(self.reasons)

    @property
    def unknown(self) -> str:
        """What could not be decided, as one sentence list."""
        return " ".join(self.unknowns)


def check_eligibility(
    *,
    programme,
    date_of_birth: dt.date | None,
    area_code: str,
    source: str,
    received_on: dt.date,
    has_open_work: bool,
    has_taken_part_before: bool,
    exclusion: str = "",
) -> EligibilityResult:
    """Apply the programme's rules (age, area, source, not already open, once-only, exclusions).

    A detail the rules need that is not recorded (no area, no date of birth) is not a "no":
    the result is undecided with the reason, and a manager decides.
    """
    reasons = []
    unknowns = []
    if date_of_birth is None:
        unknowns.append("The child's date of birth is not recorded, so their age cannot be checked.")
    else:
        age = age_on(date_of_birth, received_on)
        if not programme.min_age <= age <= programme.max_age:
            reasons.append(
                f"The child is {age} on the referral date; this programme works with children "
                f"aged {programme.min_age} to {programme.max_age}."
            )
    if programme.area_codes and not area_code:
        unknowns.append("The child's area is not recorded, so it cannot be checked against the "
                        "area this programme covers.")
    elif programme.area_codes and area_code not in programme.area_codes:
        reasons.append("The child does not live in the area this programme covers.")
    if programme.referral_sources and source not in programme.referral_sources:
        reasons.append("This programme does not take referrals from this source.")
    if has_open_work:
        reasons.append("The child already has an open referral or open support on this programme.")
    if programme.once_only and has_taken_part_before:
        reasons.append("The child has taken part in this programme before, and it is once only.")
    if exclusion:
        if exclusion not in programme.exclusions:
            raise ValueError(f"Unknown exclusion for this programme: {exclusion!r}")
        reasons.append(f"Excluded: {exclusion}.")
    return EligibilityResult(eligible=not reasons and not unknowns, reasons=tuple(reasons),
                             unknowns=tuple(unknowns))
