"""Checking a population file (CSV or XLSX) row by row before anything is written.

Reuses the police import's reading (size, type and encoding checks) and its problem
messages ("Row 14, age: ..."); the columns are documented in docs/data-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from divert.imports import formats
from divert.imports.parsing import FileRefused, read_table
from divert.imports.validation import NOTICE, Problem, _message
from divert.people.codes import EthnicGroup

COLUMNS = ("year", "area_code", "age", "sex", "ethnic_group", "count", "source")
ETHNIC_GROUP_NAMES = {
    **{code: code for code in EthnicGroup.values},
    **{label.lower(): code for code, label in EthnicGroup.choices},
    "not known": "not_known", "black": "black", "asian": "asian", "other": "other",
}


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
        code = ETHNIC_GROUP_NAMES.get(" ".join(str(value).split()).lower())
        if code is None:
            raise ValueError(f"'{value}' is not an ethnic group: use white, mixed, black, asian, other or not_known")
        return code


@dataclass
class PopulationFile:
    """What was learned about a population file: valid rows and every problem."""

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
    """Read and check every row; nothing is written here."""
    result = PopulationFile()
    try:
        table = read_table(file_name, data)
    except FileRefused as exc:
        result.problems.append(Problem(None, None, str(exc)))
        return result
    result.problems.extend(Problem(None, None, n, NOTICE) for n in table.notices)
    headings = [formats.normalise_heading(h) for h in table.headings]
    positions = {}
    for index, heading in enumerate(headings):
        if heading in COLUMNS:
            if heading in positions:
                result.problems.append(Problem(1, heading, f"the column '{heading}' appears twice"))
            positions[heading] = index
    for column in COLUMNS:
        if column not in positions:
            result.problems.append(Problem(1, None, f"the column '{column}' is missing"))
    if result.errors:
        return result
    seen: dict[tuple, int] = {}
    try:
        for number, cells in table.rows:
            result.rows_read += 1
            values = {}
            for column, index in positions.items():
                value = cells[index] if index < len(cells) else ""
                if isinstance(value, str):
                    value = value.strip()
                if value not in ("", None):
                    values[column] = value
            try:
                row = PopulationRow.model_validate(values)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    column = str(error["loc"][0]) if error["loc"] else None
                    result.problems.append(Problem(number, column, _message(error, values.get(column))))
                continue
            key = (row.year, row.area_code.upper(), row.age, row.sex, row.ethnic_group)
            if key in seen:
                result.problems.append(Problem(
                    number, None, f"the same year, area, age, sex and ethnic group as row {seen[key]}"))
                continue
            seen[key] = number
            result.rows.append(row.model_dump())
    except FileRefused as exc:
        result.problems.append(Problem(None, None, str(exc)))
    if result.rows_read == 0 and not result.errors:
        result.problems.append(Problem(None, None, "The file has headings but no rows."))
    return result
