"""Checking a population file (CSV or XLSX) row by row before anything is written.

Reuses the police import's reading (size, type and encoding checks) and its problem
messages ("Row 14, age: ..."); the columns are documented in docs/data-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from divert.imports import formats
from divert.imports.parsing import FileRefused, read_table
from divert.imports.validation import NOTICE, Problem, problem_message, refusal_problem
from divert.offending.codes import YJBOffenceCategory
from divert.people.codes import EthnicGroup

COLUMNS = ("year", "area_code", "age", "sex", "ethnic_group", "count", "source")
ETHNIC_GROUP_NAMES = {
    **{code: code for code in EthnicGroup.values},
    **{label.lower(): code for code, label in EthnicGroup.choices},
    "not known": "not_known", "black": "black", "asian": "asian", "other": "other",
}


def _named(value, names: dict[str, str], problem: str) -> str:
    """The code for a value given as a code or a name (any case and spacing), else a problem."""
    code = names.get(" ".join(str(value).split()).lower())
    if code is None:
        raise ValueError(f"'{value}' {problem}")
    return code


class PopulationRow(BaseModel):
    """One population cell: children of one age, sex and ethnic group in an area in a year."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    year: int = Field(ge=1990, le=2100)
    area_code: str = Field(min_length=1, max_length=12)
    age: int = Field(ge=10, le=17)
    sex: str
    ethnic_group: str
    count: int = Field(ge=0)
    source: str = Field(min_length=1, max_length=200)

    @field_validator("year", "age", "count", mode="before")
    @classmethod
    def _whole_number(cls, value):
        text = str(value).strip().replace(",", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not text.lstrip("-").isdigit():
            raise ValueError(f"'{value}' is not a whole number")
        return int(text)

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value):
        return formats.parse_sex(str(value))

    @field_validator("ethnic_group", mode="before")
    @classmethod
    def _ethnic_group(cls, value):
        return _named(value, ETHNIC_GROUP_NAMES,
                      "is not an ethnic group: use white, mixed, black, asian, other or not_known")


OFFENCE_COLUMNS = ("code", "description", "yjb_category", "seriousness")
OFFENCE_REQUIRED = ("code", "description", "yjb_category")
YJB_CATEGORY_NAMES = {
    **{code: code for code in YJBOffenceCategory.values},
    **{label.lower(): code for code, label in YJBOffenceCategory.choices},
}


class OffenceTypeRow(BaseModel):
    """One row of the offence reference: code, description, YJB category, seriousness (1-8)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=20)
    description: str = Field(min_length=1, max_length=200)
    yjb_category: str
    seriousness: int | None = Field(default=None, ge=1, le=8)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value):
        return str(value).strip().upper()

    @field_validator("seriousness", mode="before")
    @classmethod
    def _seriousness(cls, value):
        text = str(value).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit():
            raise ValueError(f"'{value}' is not a seriousness score: use a whole number from 1 to 8, or leave it blank")
        return int(text)

    @field_validator("yjb_category", mode="before")
    @classmethod
    def _category(cls, value):
        return _named(value, YJB_CATEGORY_NAMES, "is not a YJB offence category (see docs/data-format.md)")


@dataclass
class PopulationFile:
    """What was learned about a reference data file: valid rows and every problem."""

    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the file being loaded."""
        return [p for p in self.problems if p.level != NOTICE]

    @property
    def is_valid(self) -> bool:
        """True when every row passed and there is at least one."""
        return bool(self.rows) and not self.errors


def check_population_file(file_name: str, data: bytes) -> PopulationFile:
    """Read and check every row of a population file; nothing is written here."""
    return check_reference_file(
        file_name, data, columns=COLUMNS, model=PopulationRow,
        key=lambda row: (row.year, row.area_code.upper(), row.age, row.sex, row.ethnic_group),
        same="the same year, area, age, sex and ethnic group",
    )


def check_offence_type_file(file_name: str, data: bytes) -> PopulationFile:
    """Read and check every row of an offence reference file; nothing is written here."""
    return check_reference_file(
        file_name, data, columns=OFFENCE_COLUMNS, required=OFFENCE_REQUIRED, model=OffenceTypeRow,
        key=lambda row: row.code.upper(), same="the same offence code",
    )


def check_reference_file(file_name: str, data: bytes, *, columns: tuple[str, ...], model: type[BaseModel],
                         key, same: str, required: tuple[str, ...] | None = None) -> PopulationFile:
    """Read a reference data file (CSV or XLSX) and check every row against `model`, with
    each problem by row and column; rows with the same `key` as an earlier row are problems."""
    result = PopulationFile()
    try:
        table = read_table(file_name, data)
    except FileRefused as exc:
        result.problems.append(refusal_problem(exc))
        return result
    result.problems.extend(Problem(None, None, n, NOTICE) for n in table.notices)
    positions = _reference_positions(table.headings, columns, required or columns, result)
    if result.errors:
        return result
    seen: dict = {}
    try:
        for number, cells in table.rows:
            result.rows_read += 1
            _check_reference_row(number, _cells_by_column(cells, positions), model, key, same, seen, result)
    except FileRefused as exc:
        result.problems.append(refusal_problem(exc))
    if result.rows_read == 0 and not result.errors:
        result.problems.append(Problem(None, None, "The file has headings but no rows."))
    return result


def _reference_positions(headings: list[str], columns: tuple[str, ...], required: tuple[str, ...],
                         result: PopulationFile) -> dict[str, int]:
    """Where each known column sits; a repeated or missing column is a problem in `result`."""
    positions: dict[str, int] = {}
    for index, heading in enumerate(formats.normalise_heading(h) for h in headings):
        if heading in columns:
            if heading in positions:
                result.problems.append(Problem(1, heading, f"the column '{heading}' appears twice"))
            positions[heading] = index
    for column in required:
        if column not in positions:
            result.problems.append(Problem(1, None, f"the column '{column}' is missing"))
    return positions


def _cells_by_column(cells: list, positions: dict[str, int]) -> dict:
    """The row's non-blank cells by column, text trimmed."""
    values = {}
    for column, index in positions.items():
        value = cells[index] if index < len(cells) else ""
        if isinstance(value, str):
            value = value.strip()
        if value not in ("", None):
            values[column] = value
    return values


def _check_reference_row(number: int, values: dict, model: type[BaseModel], key, same: str,
                         seen: dict, result: PopulationFile) -> None:
    """Check one row: valid and new rows go to `result.rows`, anything else to its problems."""
    try:
        row = model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else None
            result.problems.append(Problem(number, column, problem_message(error, values.get(column))))
        return
    row_key = key(row)
    if row_key in seen:
        result.problems.append(Problem(number, None, f"{same} as row {seen[row_key]}"))
        return
    seen[row_key] = number
    result.rows.append(row.model_dump())
