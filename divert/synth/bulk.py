"""The bulk path: rows as tuples, written with COPY on PostgreSQL or executemany on SQLite.

Each table is described once (`TABLES`): its model and the fields in row order. Tables
whose rows other generated rows point at (children, offences, referrals, episodes, plans)
get their primary keys from `Ids`, so rows can reference each other with no round trips;
the rest let the database number them. Generated columns (Child.ethnic_group,
Outcome.disposal_group) are left out: the database computes them.

The generator assumes nobody else inserts into these tables while it runs (it is for a
fresh demo or a load test); sequences are moved past the ids it used after each
organisation.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection, models
from django.db.models import Max
from psycopg import sql

from divert.casework.models import (
    Assessment,
    Episode,
    FollowUpCheckpoint,
    MeasureScore,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
)
from divert.offending.models import Arrest, Offence, Outcome
from divert.people.models import (
    Accommodation,
    CareStatus,
    Child,
    ETEStatus,
    MentalHealthNeed,
    SENDStatus,
    SubstanceMisuseNeed,
)
from divert.reference.models import BoardMeeting, Population
from divert.referrals.models import Offer, Referral, Screening
from divert.victims.models import Victim

RECORDED = ("recorded_at", "recorded_by", "batch", "voided_at", "voided_by", "void_reason")
DATED = ("start_date", "end_date", "source")
VERSION = ("version", "supersedes", "superseded_at")  # assessments and plans (casework.models.Versioned)


@dataclass(frozen=True)
class Table:
    """A table the generator fills: its model and the fields of each row, in order."""

    key: str
    model: type[models.Model]
    fields: tuple[str, ...]

    @cached_property
    def columns(self) -> list[str]:
        """Database column names in row order."""
        return [self.model._meta.get_field(name).column for name in self.fields]

    @cached_property
    def db_table(self) -> str:
        """The table's name in the database."""
        return self.model._meta.db_table

    @cached_property
    def datetime_positions(self) -> list[int]:
        """Positions of date-time columns (SQLite needs them adapted)."""
        return [
            i
            for i, name in enumerate(self.fields)
            if isinstance(self.model._meta.get_field(name), models.DateTimeField)
        ]

    def uncovered_fields(self) -> list[str]:
        """Concrete, stored fields the row layout leaves out (should be none but `id`)."""
        named = set(self.fields)
        return [
            f.name
            for f in self.model._meta.concrete_fields
            if not f.generated and f.name not in named and not (f.primary_key and "id" not in named)
        ]


TABLES: tuple[Table, ...] = (
    Table(
        "children",
        Child,
        (
            "id",
            "organisation",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "gender",
            "ethnicity",
            "area_code",
            "postcode",
            "school",
            "local_id",
            "police_id",
            "police_only",
            "team",
            "worker",
            "merged_into",
            *RECORDED,
        ),
    ),
    Table(
        "offences",
        Offence,
        (
            "id",
            "child",
            "committed_on",
            "offence_type",
            "offence_code",
            "description",
            "yjb_category",
            "seriousness",
            "gravity_score",
            "police_reference",
            "source",
            "source_reference",
            *RECORDED,
        ),
    ),
    Table(
        "outcomes",
        Outcome,
        (
            "child",
            "offence",
            "ho_outcome_type",
            "disposal",
            "outcome_date",
            "appeal_status",
            "residence_area",
            "custody_release_date",
            "source",
            "source_reference",
            *RECORDED,
        ),
    ),
    Table(
        "arrests",
        Arrest,
        (
            "child",
            "arrested_at",
            "released_at",
            "result",
            "source",
            "source_reference",
            *RECORDED,
        ),
    ),
    Table(
        "referrals",
        Referral,
        (
            "id",
            "child",
            "programme",
            "team",
            "source",
            "received_on",
            "released_at",
            "reason",
            "eligibility",
            "ineligible_reason",
            "undecided_reason",
            "eligibility_decided_by",
            "eligibility_decided_on",
            "eligibility_decision_reason",
            "stage",
            *RECORDED,
        ),
    ),
    Table("referral_offences", Referral.offences.through, ("referral", "offence")),
    Table(
        "screenings",
        Screening,
        (
            "referral",
            "concerns",
            "decision",
            "agency",
            "tier",
            "decided_by",
            "decided_on",
            "notes",
            *RECORDED,
        ),
    ),
    Table(
        "offers",
        Offer,
        (
            "referral",
            "offered_on",
            "child_decision",
            "child_decided_on",
            "parent_decision",
            "parent_decided_on",
            "decline_reason",
            "withdrawn_on",
            "withdrawal_reason",
            "lawful_basis",
            *RECORDED,
        ),
    ),
    Table(
        "episodes",
        Episode,
        (
            "id",
            "child",
            "programme",
            "referral",
            "team",
            "worker",
            "order_type",
            "tier",
            "start_date",
            "end_date",
            "successfully_completed",
            "closure_reason",
            "exit_plan",
            "reopened_count",
            "completion_reason",
            "completion_pending",
            "completion_asked_by",
            "completion_decided_by",
            "completion_decided_on",
            *RECORDED,
        ),
    ),
    Table("episode_offences", Episode.offences.through, ("episode", "offence")),
    Table(
        "assessments",
        Assessment,
        (
            "episode",
            "assessed_on",
            "needs",
            "strengths",
            "child_view",
            "exploitation_risk",
            "summary",
            *VERSION,
            *RECORDED,
        ),
    ),
    Table(
        "plans",
        Plan,
        (
            "id",
            "episode",
            "agreed_on",
            "goals",
            "planned_sessions",
            "target_end_date",
            *VERSION,
            *RECORDED,
        ),
    ),
    Table("plan_reviews", PlanReview, ("plan", "reviewed_on", "notes", *RECORDED)),
    Table(
        "sessions",
        Session,
        (
            "episode",
            "date",
            "duration_minutes",
            "type",
            "place",
            "topics",
            "attendance",
            "worker",
            "notes",
            *RECORDED,
        ),
    ),
    Table(
        "onward_referrals",
        OnwardReferral,
        (
            "episode",
            "service",
            "referred_on",
            "status",
            "status_on",
            *RECORDED,
        ),
    ),
    Table(
        "scores",
        MeasureScore,
        (
            "episode",
            "instrument",
            "item",
            "timepoint",
            "taken_on",
            "value",
            *RECORDED,
        ),
    ),
    Table(
        "checkpoints",
        FollowUpCheckpoint,
        (
            "child",
            "referral",
            "anchor",
            "anchor_date",
            "months",
            "due_on",
            "group",
            "status",
            "proven_reoffence",
            "further_outcome",
            "further_arrest",
            "completed_on",
            *RECORDED,
        ),
    ),
    Table(
        "victims",
        Victim,
        (
            "offence",
            "kind",
            "consented_to_contact",
            "views_captured",
            "rj_offered",
            "rj_engaged",
            "support_requested",
            "support_given",
            "safe_at_start",
            "safe_at_end",
            "views",
            *RECORDED,
        ),
    ),
    Table("care_statuses", CareStatus, ("child", "kind", *DATED, *RECORDED)),
    Table("accommodations", Accommodation, ("child", "type", "suitability", *DATED, *RECORDED)),
    Table(
        "ete_statuses",
        ETEStatus,
        (
            "child",
            "provision",
            "part_time_timetable",
            "excluded",
            "hours_offered",
            "hours_attended",
            "suitability",
            *DATED,
            *RECORDED,
        ),
    ),
    Table("send_statuses", SENDStatus, ("child", "need", "plan", *DATED, *RECORDED)),
    Table(
        "mental_health_needs",
        MentalHealthNeed,
        (
            "child",
            "screened",
            "offered_on",
            "attending_from",
            "provider",
            *DATED,
            *RECORDED,
        ),
    ),
    Table(
        "substance_needs",
        SubstanceMisuseNeed,
        (
            "child",
            "level",
            "offered_on",
            "attending_from",
            "provider",
            *DATED,
            *RECORDED,
        ),
    ),
    Table(
        "population",
        Population,
        (
            "organisation",
            "year",
            "area_code",
            "age",
            "sex",
            "ethnic_group",
            "count",
            "source",
        ),
    ),
    Table(
        "board_meetings",
        BoardMeeting,
        ("organisation", "date", "social_care", "education", "police", "probation", "health"),
    ),
)
TABLE_KEYS = tuple(t.key for t in TABLES)
# Tables whose ids the generator assigns, so other rows can point at them.
NUMBERED = {
    "children": Child,
    "offences": Offence,
    "referrals": Referral,
    "episodes": Episode,
    "plans": Plan,
}


def is_postgresql() -> bool:
    """True when the default database is PostgreSQL."""
    return connection.vendor == "postgresql"


class Ids:
    """Primary keys handed out in Python, above anything already in the tables."""

    def __init__(self):
        self.next: dict[str, int] = {}
        with connection.cursor() as cursor:
            for key, model in NUMBERED.items():
                table = model._meta.db_table
                highest = model.objects.aggregate(highest=Max("id"))["highest"] or 0
                if is_postgresql():
                    cursor.execute(
                        "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
                        [table],
                    )
                    highest = max(highest, cursor.fetchone()[0] or 0)
                self.next[key] = highest + 1

    def new(self, key: str) -> int:
        """The next id for a row of `key`."""
        value = self.next[key]
        self.next[key] = value + 1
        return value

    def sync_sequences(self) -> None:
        """Move PostgreSQL sequences past the ids used (SQLite keeps up by itself)."""
        if not is_postgresql():
            return
        with connection.cursor() as cursor:
            for key, model in NUMBERED.items():
                if self.next[key] > 1:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                        [model._meta.db_table, self.next[key] - 1],
                    )


@dataclass
class LoadStats:
    """Rows written and seconds spent per table."""

    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, key: str, rows: int, seconds: float) -> None:
        """Count rows written to a table and the time it took."""
        self.rows[key] += rows
        self.seconds[key] += seconds


def write_rows(table: Table, rows: list[tuple], stats: LoadStats, chunk: int = 5000) -> None:
    """Write rows to one table through the bulk path of the current database."""
    if not rows:
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if is_postgresql():
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.db_table),
                sql.SQL(", ").join(sql.Identifier(c) for c in table.columns),
            )
            with cursor.copy(statement) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        else:
            # Identifiers come from model metadata, quoted; values are parameters.
            quote = connection.ops.quote_name
            statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                quote(table.db_table),
                ", ".join(quote(c) for c in table.columns),
                ", ".join(["%s"] * len(table.columns)),
            )
            positions = table.datetime_positions
            adapt = connection.ops.adapt_datetimefield_value
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                if positions:
                    part = [_adapted(row, positions, adapt) for row in part]
                cursor.executemany(statement, part)
    stats.add(table.key, len(rows), time.perf_counter() - started)


def _adapted(row: tuple, positions: list[int], adapt) -> tuple:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = adapt(values[i])
    return tuple(values)


def analyze() -> None:
    """Refresh planner statistics after a bulk load."""
    with connection.cursor() as cursor:
        if is_postgresql():
            for table in TABLES:
                cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.db_table)))
        else:
            cursor.execute("PRAGMA optimize")
