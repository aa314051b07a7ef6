"""The documented police extract format (docs/data-format.md): columns, codes and dates."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from zoneinfo import ZoneInfo

from divert.offending.codes import ArrestResult, Disposal, HomeOfficeOutcome
from divert.people.codes import Ethnicity, Sex

LONDON = ZoneInfo("Europe/London")

OUTCOME_KINDS = ("crime_outcomes", "community_resolutions")
CUSTODY_KINDS = ("custody_releases",)
IMPORTABLE_KINDS = OUTCOME_KINDS + CUSTODY_KINDS

PERSON_COLUMNS = (
    "source_reference", "police_id", "local_id", "first_name", "last_name", "date_of_birth",
    "sex", "ethnicity", "postcode",
)
OUTCOME_COLUMNS = (
    "offence_reference", "offence_code", "offence_description", "committed_on", "gravity_score",
    "ho_outcome_type", "disposal", "outcome_date", "custody_release_date",
)
CUSTODY_COLUMNS = ("arrested_at", "released_at", "result")
REQUIRED_PERSON = ("source_reference", "first_name", "last_name", "date_of_birth")
REQUIRED = {
    "outcome": (*REQUIRED_PERSON, "committed_on"),
    "custody": (*REQUIRED_PERSON, "arrested_at"),
}


def row_kind(source_kind: str) -> str:
    """'outcome' or 'custody': which row shape a data source's files have."""
    if source_kind in CUSTODY_KINDS:
        return "custody"
    if source_kind in OUTCOME_KINDS:
        return "outcome"
    raise ValueError(f"Files cannot be imported into a source of kind {source_kind!r}.")


def columns_for(kind: str) -> tuple[str, ...]:
    """Every column of a row shape ('outcome' or 'custody')."""
    return PERSON_COLUMNS + (OUTCOME_COLUMNS if kind == "outcome" else CUSTODY_COLUMNS)


ALL_COLUMNS = frozenset(PERSON_COLUMNS + OUTCOME_COLUMNS + CUSTODY_COLUMNS)

# Headings police systems commonly use for our columns (compared after normalising).
HEADING_ALIASES = {
    "forename": "first_name", "given_name": "first_name", "firstname": "first_name",
    "surname": "last_name", "family_name": "last_name", "lastname": "last_name",
    "dob": "date_of_birth", "birth_date": "date_of_birth",
    "pnc_id": "police_id", "pnc": "police_id", "pnc_number": "police_id",
    "crime_reference": "offence_reference", "crime_ref": "offence_reference",
    "offence_date": "committed_on", "date_committed": "committed_on",
    "outcome_type": "ho_outcome_type", "home_office_outcome": "ho_outcome_type",
    "gravity": "gravity_score",
}


def normalise_heading(heading: str) -> str:
    """Compare headings without case, spaces, hyphens or stray punctuation."""
    text = re.sub(r"[^0-9a-z]+", "_", str(heading or "").strip().lower())
    return text.strip("_")


def resolve_headings(headings: list[str], mapping: dict[str, str] | None = None) -> list[str | None]:
    """Our column name for each heading in the file (None for a column we ignore)."""
    mapped = {normalise_heading(k): v for k, v in (mapping or {}).items()}
    out: list[str | None] = []
    for heading in headings:
        key = normalise_heading(heading)
        name = mapped.get(key) or HEADING_ALIASES.get(key) or key
        out.append(name if name in ALL_COLUMNS else None)
    return out


# ---- Codes ------------------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


SEX_CODES = {
    "male": Sex.MALE, "m": Sex.MALE, "female": Sex.FEMALE, "f": Sex.FEMALE,
    "not known": Sex.NOT_KNOWN, "not_known": Sex.NOT_KNOWN, "u": Sex.NOT_KNOWN,
    "unknown": Sex.NOT_KNOWN, "x": Sex.NOT_KNOWN,
}

DISPOSAL_CODES: dict[str, str] = {_key(str(c)): str(c) for c in Disposal.values}
DISPOSAL_CODES.update({_key(label): str(code) for code, label in Disposal.choices})
DISPOSAL_CODES.update({
    "cr": Disposal.COMMUNITY_RESOLUTION, "o22": Disposal.OUTCOME_22,
    "outcome 21": Disposal.OUTCOME_20_21, "o21": Disposal.OUTCOME_20_21,
    "outcome 20 21": Disposal.OUTCOME_20_21, "yc": Disposal.YOUTH_CAUTION,
    "ycc": Disposal.YOUTH_CONDITIONAL_CAUTION, "absolute discharge": Disposal.DISCHARGE,
    "conditional discharge": Disposal.DISCHARGE, "youth rehabilitation order": Disposal.YRO,
    "dto": Disposal.CUSTODY, "custodial sentence": Disposal.CUSTODY,
    "detention and training order": Disposal.CUSTODY,
})
DISPOSAL_CODES.pop("prevention", None)  # "no offence" is never a police outcome
DISPOSAL_CODES.pop(_key(Disposal.PREVENTION.label), None)

# The disposal a Home Office outcome type implies when the disposal column is blank.
DISPOSAL_FROM_HO = {
    int(HomeOfficeOutcome.YOUTH_CAUTION): str(Disposal.YOUTH_CAUTION),
    int(HomeOfficeOutcome.COMMUNITY_RESOLUTION): str(Disposal.COMMUNITY_RESOLUTION),
    int(HomeOfficeOutcome.NOT_IN_PUBLIC_INTEREST_POLICE): str(Disposal.OUTCOME_20_21),
    int(HomeOfficeOutcome.DIVERSIONARY): str(Disposal.OUTCOME_22),
}

# The disposals each out-of-court Home Office outcome type can go with; a row giving both
# must agree (a Community Resolution recorded as a youth caution is a mistake to fix).
DISPOSALS_FOR_HO = {
    int(HomeOfficeOutcome.YOUTH_CAUTION): {str(Disposal.YOUTH_CAUTION), str(Disposal.YOUTH_CONDITIONAL_CAUTION)},
    int(HomeOfficeOutcome.COMMUNITY_RESOLUTION): {str(Disposal.COMMUNITY_RESOLUTION)},
    int(HomeOfficeOutcome.NOT_IN_PUBLIC_INTEREST_POLICE): {str(Disposal.OUTCOME_20_21)},
    int(HomeOfficeOutcome.DIVERSIONARY): {str(Disposal.OUTCOME_22), str(Disposal.OUTCOME_22_DEFERRED)},
}

RESULT_CODES: dict[str, str] = {_key(str(c)): str(c) for c in ArrestResult.values}
RESULT_CODES.update({_key(label): str(code) for code, label in ArrestResult.choices})
RESULT_CODES.update({
    "bail": ArrestResult.BAIL, "no further action": ArrestResult.NO_FURTHER_ACTION,
    "out of court disposal": ArrestResult.OUT_OF_COURT,
})

ETHNICITY_CODES = {str(c) for c in Ethnicity.values}


def parse_sex(value: str) -> str:
    """A sex code from the extract, or ValueError in plain English."""
    code = SEX_CODES.get(value.strip().lower())
    if code is None:
        raise ValueError(f"'{value}' is not a sex code Divert knows: use male, female or not_known")
    return str(code)


def parse_ethnicity(value: str) -> str:
    """An ONS 2021 ethnicity code."""
    code = value.strip().upper()
    if code not in ETHNICITY_CODES:
        raise ValueError(f"'{value}' is not an ONS ethnicity code (for example WBRI, BCRB, NOBT)")
    return code


def parse_disposal(value: str) -> str:
    """A disposal code (or one of its documented names)."""
    code = DISPOSAL_CODES.get(_key(value))
    if code is None:
        raise ValueError(f"'{value}' is not a disposal code Divert knows (see docs/data-format.md)")
    return str(code)


HO_OUTCOME_CODES = frozenset(int(v) for v in HomeOfficeOutcome.values)


def parse_ho_outcome(value) -> int:
    """A Home Office crime outcome type."""
    text = _number_text(value)
    if not text.isdigit() or int(text) not in HO_OUTCOME_CODES:
        raise ValueError(f"'{value}' is not a Home Office outcome type Divert knows (1-9, 21 or 22)")
    return int(text)


def parse_gravity(value) -> int:
    """A police gravity score 1-5."""
    text = _number_text(value)
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise ValueError(f"'{value}' is not a gravity score: use a whole number from 1 to 5")
    return int(text)


def parse_result(value: str) -> str:
    """What happened on release from custody."""
    code = RESULT_CODES.get(_key(value))
    if code is None:
        raise ValueError(f"'{value}' is not a custody result Divert knows (rui, bail, nfa, charged, out_of_court, other)")
    return str(code)


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- Dates ------------------------------------------------------------------------------

_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def parse_date(value) -> dt.date:
    """A date from dd/mm/yyyy, yyyy-mm-dd or a spreadsheet date cell; ValueError in plain English."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK_DATE.match(text)
        if not match:
            raise ValueError(f"'{text}' is not a date: use dd/mm/yyyy or yyyy-mm-dd")
        day, month = int(match.group(1)), int(match.group(2))
        if len(match.group(3)) != 4:
            raise ValueError(f"'{text}' has a two-digit year: give the year in full (dd/mm/yyyy)")
        year = int(match.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None


def parse_datetime(value) -> dt.datetime:
    """A UK local date and time ('dd/mm/yyyy HH:MM', ISO, or a spreadsheet cell), made aware."""
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        return naive.replace(tzinfo=LONDON)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=LONDON)
    if _WITH_OFFSET.match(str(value).strip()):
        # A moment written with its offset (as Divert stores rows waiting for review).
        try:
            return dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).astimezone(LONDON)
        except ValueError:
            raise ValueError(f"'{value}' is not a date and time: use dd/mm/yyyy HH:MM") from None
    text = str(value).strip().replace("T", " ")
    date_part, _, time_part = text.partition(" ")
    try:
        day = parse_date(date_part)
    except ValueError:
        raise ValueError(f"'{value}' is not a date and time: use dd/mm/yyyy HH:MM") from None
    hour = minute = second = 0
    time_part = time_part.strip()
    if time_part:
        match = _TIME.match(time_part)
        if not match:
            raise ValueError(f"'{value}' has a time Divert cannot read: use HH:MM")
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"'{value}' is not a real time")
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON)


# ---- Names ------------------------------------------------------------------------------


_NOT_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=200_000)
def normalise_name(name: str) -> str:
    """A name for comparison: no accents, case, punctuation or repeated spaces."""
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_LETTERS.split(name.lower())).strip()
