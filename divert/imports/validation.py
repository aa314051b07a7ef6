"""Checking every row of an extract before anything is written.

Each row is validated by a pydantic row model; every problem is reported with its row
number and column in plain English ("Row 14, date_of_birth: '31/02/2010' is not a real
date"). Exactly repeated rows are collapsed with a notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from divert.core.dates import add_years
from divert.imports import formats
from divert.imports.parsing import FileRefused, Table, read_table

ERROR = "error"
NOTICE = "notice"


@dataclass(frozen=True)
class Problem:
    """One problem (or notice) about a file, a row or a cell."""

    row: int | None
    column: str | None
    message: str
    level: str = ERROR

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"Row {self.row}, {self.column}: {self.message}"
        return f"Row {self.row}: {self.message}"

    def as_list(self) -> list:
        """The stored form (ImportRun.problems)."""
        return [self.row, self.column, self.message, self.level]


def refusal_problem(exc: FileRefused) -> Problem:
    """A refused file as a problem: by row and column when one cell is the reason."""
    return Problem(exc.row, exc.column, exc.message)


# ---- Row models -------------------------------------------------------------------------


def _blank_to_none(value):
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text(value) -> str:
    if type(value) is str:
        # Cells arrive stripped; only repeated inner spaces need collapsing.
        return " ".join(value.split()) if "  " in value or "\t" in value or "\n" in value else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


class PersonRow(BaseModel):
    """The columns every extract has: the row's reference and who it is about."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    source_reference: str = Field(min_length=1, max_length=60)
    police_id: str = Field("", max_length=40)
    local_id: str = Field("", max_length=40)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: dt.date
    sex: str = "not_known"
    ethnicity: str = "NOBT"
    postcode: str = Field("", max_length=10)

    @field_validator(
        "source_reference", "police_id", "local_id", "first_name", "last_name", "postcode",
        "offence_reference", "offence_code", "offence_description",
        mode="before", check_fields=False,
    )
    @classmethod
    def _as_text(cls, value):
        return _text(value)

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _date_of_birth(cls, value, info: ValidationInfo):
        day = formats.parse_date(value)
        today = (info.context or {}).get("today")
        if today and day > today:
            raise ValueError(f"'{_text(value)}' is in the future")
        if today and day < add_years(today, -30):
            raise ValueError(f"'{_text(value)}' is more than 30 years ago: check the year")
        return day

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value):
        return formats.parse_sex(_text(value))

    @field_validator("ethnicity", mode="before")
    @classmethod
    def _ethnicity(cls, value):
        return formats.parse_ethnicity(_text(value))

    def person_key(self) -> tuple:
        """Rows with the same key are about the same person (matched together)."""
        if self.police_id:
            return ("police", self.police_id.upper())
        if self.local_id:
            return ("local", self.local_id.upper())
        return ("name", formats.normalise_name(self.first_name), formats.normalise_name(self.last_name),
                self.date_of_birth)

    def checks(self, context: dict) -> list[tuple[str, str]]:
        """Rules across columns: (column, message) for each one broken."""
        return []


class OutcomeRow(PersonRow):
    """An offence and, when known, its legal outcome (crime outcomes, Community Resolutions)."""

    offence_reference: str = Field("", max_length=40)
    offence_code: str = Field("", max_length=20)
    offence_description: str = Field("", max_length=200)
    committed_on: dt.date
    gravity_score: int | None = None
    ho_outcome_type: int | None = None
    disposal: str = ""
    outcome_date: dt.date | None = None
    custody_release_date: dt.date | None = None

    @field_validator("committed_on", "outcome_date", "custody_release_date", mode="before")
    @classmethod
    def _dates(cls, value):
        return formats.parse_date(value)

    @field_validator("gravity_score", mode="before")
    @classmethod
    def _gravity(cls, value):
        return formats.parse_gravity(value)

    @field_validator("ho_outcome_type", mode="before")
    @classmethod
    def _ho(cls, value):
        return formats.parse_ho_outcome(value)

    @field_validator("disposal", mode="before")
    @classmethod
    def _disposal(cls, value):
        return formats.parse_disposal(_text(value))

    def checks(self, context: dict) -> list[tuple[str, str]]:
        """Dates in order; an outcome has a date; a release date only after custody."""
        problems = []
        today = context.get("today")
        ho_type = self.ho_outcome_type if self.ho_outcome_type is not None else -1  # -1: no such type
        if not self.disposal:
            implied = formats.DISPOSAL_FROM_HO.get(ho_type)
            if implied:
                self.disposal = str(implied)
            elif context.get("source_kind") == "community_resolutions":
                self.disposal = "community_resolution"
        allowed = formats.DISPOSALS_FOR_HO.get(ho_type)
        if self.disposal and allowed and self.disposal not in allowed:
            problems.append(("disposal", f"'{self.disposal}' does not go with Home Office outcome type "
                                         f"{self.ho_outcome_type}: expected {' or '.join(sorted(allowed))}"))
        if self.committed_on < self.date_of_birth:
            problems.append(("committed_on", f"{self.committed_on:%d/%m/%Y} is before the date of birth"))
        if today and self.committed_on > today:
            problems.append(("committed_on", f"{self.committed_on:%d/%m/%Y} is in the future"))
        if self.disposal and self.outcome_date is None:
            problems.append(("outcome_date", "is blank: an outcome needs the date it was given"))
        if self.outcome_date and not self.disposal:
            problems.append(("disposal", "is blank but there is an outcome_date: give the disposal"))
        if self.outcome_date and self.outcome_date < self.committed_on:
            problems.append(("outcome_date", f"{self.outcome_date:%d/%m/%Y} is before the offence was committed"))
        if today and self.outcome_date and self.outcome_date > today:
            problems.append(("outcome_date", f"{self.outcome_date:%d/%m/%Y} is in the future"))
        if self.custody_release_date:
            if self.disposal != "custody":
                problems.append(("custody_release_date", "is only for a custody disposal"))
            elif self.outcome_date and self.custody_release_date < self.outcome_date:
                problems.append(("custody_release_date", f"{self.custody_release_date:%d/%m/%Y} is before the outcome date"))
        return problems

    @property
    def offence_key(self) -> str:
        """The offence this outcome belongs to within its source."""
        return self.offence_reference or self.source_reference


class CustodyRow(PersonRow):
    """An arrest and release from police custody."""

    arrested_at: dt.datetime
    released_at: dt.datetime | None = None
    result: str = ""

    @field_validator("arrested_at", "released_at", mode="before")
    @classmethod
    def _datetimes(cls, value):
        return formats.parse_datetime(value)

    @field_validator("result", mode="before")
    @classmethod
    def _result(cls, value):
        return formats.parse_result(_text(value))

    def checks(self, context: dict) -> list[tuple[str, str]]:
        """The release is after the arrest; the arrest is after the birth; neither is in the future."""
        problems = []
        today = context.get("today")
        arrested_on = self.arrested_at.astimezone(formats.LONDON).date()
        if arrested_on < self.date_of_birth:
            problems.append(("arrested_at", "is before the date of birth"))
        if today and arrested_on > today:
            problems.append(("arrested_at", f"{arrested_on:%d/%m/%Y} is in the future"))
        if self.released_at and self.released_at < self.arrested_at:
            problems.append(("released_at", "is before arrested_at"))
        if today and self.released_at:
            released_on = self.released_at.astimezone(formats.LONDON).date()
            if released_on > today:
                problems.append(("released_at", f"{released_on:%d/%m/%Y} is in the future"))
        return problems


ROW_MODELS: dict[str, type[PersonRow]] = {"outcome": OutcomeRow, "custody": CustodyRow}


def problem_message(error: Mapping[str, Any], value: Any) -> str:
    """A pydantic error about one cell, in plain English (after "Row N, column: ")."""
    kind = error["type"]
    if kind == "missing":
        return "is blank: this column must have a value"
    if kind == "string_too_short":
        return "is blank: this column must have a value"
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return f"'{_text(value)}' is too long (at most {limit} characters)"
    message = error["msg"]
    return message.removeprefix("Value error, ")


# ---- Whole file -------------------------------------------------------------------------


@dataclass
class ValidRow:
    """A row that passed every check."""

    row: int
    data: PersonRow


@dataclass
class RejectedRow:
    """A row with errors, kept as read (for the error file)."""

    row: int
    cells: list
    problems: list[Problem]


@dataclass
class Validation:
    """Everything learned about a file before writing."""

    headings: list[str]
    kind: str
    valid: list[ValidRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    repeated: int = 0
    refused: bool = False
    file_type: str = ""

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a row (or the file) from being imported."""
        return [p for p in self.problems if p.level == ERROR]

    @property
    def is_valid(self) -> bool:
        """True when the file can be imported whole."""
        return not self.refused and not self.errors

    def may_import(self, *, valid_rows_only: bool) -> bool:
        """Whether anything may be written: the whole file is valid, or the person chose
        to import the valid rows and there are some."""
        if self.refused or not self.valid:
            return False
        return valid_rows_only or not self.errors


def validate_table(
    table: Table,
    *,
    source_kind: str,
    today: dt.date,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Check every row of a file for a data source of `source_kind`."""
    kind = formats.row_kind(source_kind)
    result = Validation(headings=table.headings, kind=kind, file_type=table.file_type)
    result.problems.extend(Problem(None, None, n, NOTICE) for n in table.notices)
    positions = _column_positions(table.headings, kind, mapping, result)
    if result.errors:
        result.refused = True
        return result
    rows = _RowChecker(kind, positions, {"today": today, "source_kind": source_kind})
    try:
        for number, cells in table.rows:
            result.rows_read += 1
            if progress and result.rows_read % 1000 == 0:
                progress(result.rows_read)
            rows.check(number, cells, result)
    except FileRefused as exc:
        result.refused = True
        result.problems.append(refusal_problem(exc))
    if progress:
        progress(result.rows_read)
    if result.rows_read == 0 and not result.refused:
        result.problems.append(Problem(None, None, "The file has headings but no rows."))
    return result


def _column_positions(
    headings: list[str], kind: str, mapping: dict[str, str] | None, result: Validation
) -> dict[str, int]:
    """Where each column Divert uses sits in the file; problems with the headings go to `result`."""
    columns = formats.resolve_headings(headings, mapping)
    wanted = set(formats.columns_for(kind))
    positions: dict[str, int] = {}
    ignored = []
    for index, (heading, column) in enumerate(zip(headings, columns, strict=True)):
        if column is None or column not in wanted:
            if heading:
                ignored.append(heading)
            continue
        if column in positions:
            result.problems.append(Problem(1, column, f"the column '{column}' appears twice"))
            continue
        positions[column] = index
    for column in formats.REQUIRED[kind]:
        if column not in positions:
            result.problems.append(Problem(1, None, f"the column '{column}' is missing"))
    if ignored:
        names = ", ".join(f"'{h}'" for h in ignored[:20])
        result.problems.append(Problem(None, None, f"Columns Divert does not use were ignored: {names}.", NOTICE))
    return positions


class _RowChecker:
    """Checks rows one by one, remembering earlier rows to catch exact repeats and a
    source reference used twice with different details."""

    def __init__(self, kind: str, positions: dict[str, int], context: dict) -> None:
        self.model = ROW_MODELS[kind]
        self.positions = positions
        self.columns_in_order = tuple(positions)
        self.context = context
        self.seen_rows: dict[tuple, int] = {}
        self.seen_refs: dict[str, tuple[int, tuple]] = {}

    def values(self, cells: list) -> dict:
        """The row's non-blank cells by column, text trimmed."""
        values = {}
        for column, index in self.positions.items():
            value = _blank_to_none(cells[index] if index < len(cells) else "")
            if value is not None:
                values[column] = value.strip() if isinstance(value, str) else value
        return values

    def check(self, number: int, cells: list, result: Validation) -> None:
        """Check one row and record it in `result` as valid, rejected or a repeat."""
        values = self.values(cells)
        key = tuple(values.get(c) for c in self.columns_in_order)
        if key in self.seen_rows:
            result.repeated += 1
            result.problems.append(Problem(
                number, None, f"repeats row {self.seen_rows[key]} exactly; it is imported once", NOTICE
            ))
            return
        self.seen_rows[key] = number
        instance, row_problems = _validate_row(self.model, values, self.context, number)
        if not row_problems:
            row_problems = self.reference_reused(number, values, key)
        if row_problems:
            result.problems.extend(row_problems)
            result.rejected.append(RejectedRow(number, list(cells), row_problems))
        else:
            result.valid.append(ValidRow(number, instance))

    def reference_reused(self, number: int, values: dict, key: tuple) -> list[Problem]:
        """A problem if an earlier row used this source reference with different details."""
        reference = _text(values.get("source_reference", ""))
        if not reference:
            return []
        earlier = self.seen_refs.get(reference.upper())
        if earlier is None:
            self.seen_refs[reference.upper()] = (number, key)
            return []
        return [Problem(
            number, "source_reference",
            f"'{reference}' is also used by row {earlier[0]} with different details",
        )]


def _validate_row(model: type[PersonRow], values: dict, context: dict, number: int):
    try:
        instance = model.model_validate(values, context=context)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else None
            problems.append(Problem(number, column, problem_message(error, values.get(column))))
        return None, problems
    broken = instance.checks(context)
    return instance, [Problem(number, column, message) for column, message in broken]


def validate_file(
    file_name: str,
    data: bytes,
    *,
    source_kind: str,
    today: dt.date,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Read and check a whole file; a file that cannot be read comes back refused, with the reason."""
    try:
        table = read_table(file_name, data)
    except FileRefused as exc:
        result = Validation(headings=[], kind=formats.row_kind(source_kind), refused=True)
        result.problems.append(refusal_problem(exc))
        return result
    return validate_table(table, source_kind=source_kind, today=today, mapping=mapping, progress=progress)
