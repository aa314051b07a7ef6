"""Writing validated rows: matching to children, then offences, outcomes and arrests in bulk.

Called only from the actions in `divert.imports.actions`, inside their transaction. Rows
are keyed by (data source, source_reference), so writing the same rows twice changes
nothing. Every row written carries the import's batch.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.utils import timezone

from divert.core.errors import DomainError
from divert.core.models import in_parts
from divert.imports import matching
from divert.imports.formats import LONDON
from divert.imports.models import MatchReview
from divert.imports.validation import CustodyRow, OutcomeRow, PersonRow, ValidRow
from divert.offending.models import Arrest, Offence, OffenceType, Outcome
from divert.people.models import Child, DetailChange
from divert.referrals.actions import create_referral
from divert.referrals.models import Referral

FILLED_FROM_POLICE = "Filled in from a police extract"

CHUNK = 2000
COPY_FROM = 500  # rows: below this, bulk_create is as quick
PLAIN_FIELDS = {
    models.CharField, models.TextField, models.DateField, models.DateTimeField, models.BooleanField,
    models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SmallIntegerField,
    models.BigIntegerField, models.FloatField, models.ForeignKey,
}
OFFENCE_FIELDS = ("committed_on", "offence_code", "description", "offence_type_id", "yjb_category",
                  "seriousness", "gravity_score", "police_reference")
OUTCOME_FIELDS = ("disposal", "ho_outcome_type", "outcome_date", "custody_release_date")
OUTCOME_LOADED = (*OUTCOME_FIELDS, "offence_id")
ARREST_FIELDS = ("arrested_at", "released_at", "result")
CUSTODY_REFERRAL_SOURCES = {"rui": "custody_rui", "bail": "custody_bail", "nfa": "custody_nfa"}
# Only recent events open referrals: importing years of history must not fill the
# allocation queue with Community Resolutions or releases long past.
REFERRAL_WITHIN_DAYS = {"police_cr": 28, "custody": 7}
REFS = "divert_import_refs"  # a temporary table: the references in the file being written


def _user(by):
    return by if getattr(by, "pk", None) else None


def insert(model, records: list[dict]) -> None:
    """Insert new records (dicts of attribute values) and set each one's "id".

    On PostgreSQL the rows go in with COPY, several times faster than multi-row INSERT,
    with ids taken from the table's own sequence first so related rows can point at them.
    Elsewhere, bulk_create. Fields a record leaves out get their defaults.
    """
    if not records:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor != "postgresql" or len(records) < COPY_FROM:
        objs = [model(**{**defaults, **record}) for record in records]
        model.objects.bulk_create(objs, batch_size=CHUNK)
        for record, obj in zip(records, objs, strict=True):
            record["id"] = obj.pk
        return
    # Plain values (text, numbers, dates, ids) go to psycopg as they are; anything else
    # (JSON, encrypted text...) is prepared by its field, as Django would.
    plain = [f for f in fields if type(f) in PLAIN_FIELDS]
    prepared = [f for f in fields if type(f) not in PLAIN_FIELDS]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in [model._meta.pk, *plain, *prepared])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(records)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Table and column names come from the model, quoted; values go through COPY.
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            # One dict merge and one itemgetter per row (both in C): the plain values.
            plain_values = itemgetter("id", *(f.attname for f in plain))
            for record, pk in zip(records, ids, strict=True):
                record["id"] = pk
                complete = {**defaults, **record}
                row = plain_values(complete)
                if prepared:
                    row += tuple(f.get_db_prep_save(complete[f.attname], connection) for f in prepared)
                copy.write_row(row)


def temporary_table(name: str, columns: list[tuple[str, str]], rows: Iterable[list]) -> None:
    """(Re)create a temporary table and fill it: COPY on PostgreSQL, executemany elsewhere.

    The name and column definitions come from code; values go through COPY or parameters.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column, _ in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        definition = ", ".join(f"{quote(column)} {sql_type}" for column, sql_type in columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(name)} ({definition})")
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {quote(name)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {quote(name)}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(name)} ({names}) VALUES ({marks})"  # noqa: S608 - names from code
            cursor.executemany(sql, list(rows))


def update(model, records: list[dict], fields: list[str]) -> None:
    """Save changed fields of existing records (dicts with "id")."""
    if records:
        objs = [model(id=r["id"], **{f: r[f] for f in fields}) for r in records]
        model.objects.bulk_update(objs, fields, batch_size=CHUNK)


def staged(row: PersonRow) -> dict:
    """A validated row as JSON for the review queue (blank values left out, as when read)."""
    return {k: v for k, v in row.model_dump(mode="json").items() if v not in (None, "")}


class Writer:
    """Writes one file's valid rows for one data source.

    Records are handled as dicts of attribute values (building 100,000 model instances
    costs more than writing them); existing ones are loaded with `.values()`.
    """

    def __init__(self, *, organisation, source, kind: str, by, batch, run, today: dt.date,
                 options=None, progress: Callable[[str, int, int | None], None] | None = None,
                 received_on: dt.date | None = None):
        self.organisation = organisation
        self.source = source
        self.kind = kind
        self.by = by
        self.batch = batch
        self.run = run
        self.today = today
        # The day the rows reached Divert (for rows from the review queue, the day they were
        # queued): how recent an event must be to open a referral is measured from it.
        self.received_on = received_on or today
        self.options = options
        self.progress = progress or (lambda stage, done, total: None)
        self.counts: Counter = Counter()
        self.notices: list[tuple[int, str]] = []
        self.file_notices: list[str] = []
        self.timings: dict[str, float] = {}  # seconds per stage, for the benchmark
        self.new_outcomes: list[dict] = []
        self.new_arrests: list[dict] = []  # new, or newly released: may open a referral
        self.touched_children: set[int] = set()  # children whose records this write created or changed
        self.created_children: set[int] = set()  # children this write created (no follow-up yet)
        # Rows written by an import name its batch, which says who ran it and when; the
        # same person on each of 100,000 rows would cost a foreign-key check apiece.
        self.user_id = getattr(_user(by), "pk", None)
        self.stamp: dict[str, Any] = {"recorded_by_id": None if batch is not None else self.user_id,
                      "batch_id": getattr(batch, "pk", None), "recorded_at": timezone.now()}

    # ---- the plan: which child each row belongs to -------------------------------------

    def _existing(self, valid: list[ValidRow]):
        """Load the records this source already holds for the file's rows (not the source's whole history).

        The file's references go into a temporary table, so one semi-join finds them
        however many records the source has.
        """
        attributes = ["source_reference", "offence_key"] if self.kind == "outcome" else ["source_reference"]
        temporary_table(REFS, [(a, "text") for a in attributes],
                        ([getattr(item.data, a) for a in attributes] for item in valid))
        quote = connection.ops.quote_name

        def load(model, fields, attribute):
            in_file = RawSQL(f"SELECT {quote(attribute)} FROM {quote(REFS)}", ())  # noqa: S608, S611 - names from code
            return model.objects.filter(source=self.source, source_reference__in=in_file).values(
                "id", "child_id", "source_reference", *fields
            )

        if self.kind == "outcome":
            self.outcomes = {r["source_reference"]: r for r in load(Outcome, OUTCOME_LOADED, "source_reference")}
            # Offences are one per child and crime: co-offenders share the crime reference.
            self.offences = {(r["source_reference"], r["child_id"]): r
                             for r in load(Offence, OFFENCE_FIELDS, "offence_key")}
            elsewhere = {o["offence_id"] for o in self.outcomes.values()} - {o["id"] for o in self.offences.values()}
            for part in in_parts(elsewhere):
                for r in Offence.objects.filter(id__in=part).values("id", "child_id", "source_reference",
                                                                    *OFFENCE_FIELDS):
                    self.offences[(r["source_reference"], r["child_id"])] = r
            self.offence_by_id = {o["id"]: o for o in self.offences.values()}
            self.offence_by_key = {key: o for (key, _), o in self.offences.items()}
        else:
            self.arrests = {r["source_reference"]: r for r in load(Arrest, ARREST_FIELDS, "source_reference")}
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {quote(REFS)}")
        self.pending: dict[str, int] = {}  # reference -> the review it waits in
        for review_id, references in MatchReview.objects.pending().filter(source=self.source).values_list(
            "id", "source_references"
        ):
            self.pending.update(dict.fromkeys(references, review_id))
        # Rows a reviewer discarded ("not for this service") stay discarded while they are
        # the same; a row the police have changed since is matched again. Rows a reviewer
        # attached to a child stay with that child.
        self.discarded: dict[str, dict] = {}
        self.decided: dict[str, int] = {}
        for decision, child_id, rows in MatchReview.objects.filter(source=self.source).exclude(
            decision=MatchReview.Decision.PENDING
        ).order_by("decided_at").values_list("decision", "child_id", "rows"):
            for r in rows:
                reference = r["data"].get("source_reference")
                if decision == MatchReview.Decision.DISCARDED:
                    self.discarded[reference] = r["data"]
                    self.decided.pop(reference, None)
                elif child_id is not None:
                    self.decided[reference] = child_id
                    self.discarded.pop(reference, None)

    def _known_child(self, row: PersonRow) -> int | None:
        """The child a row already belongs to, known from the records its own reference wrote.

        A crime reference alone does not say whose a row is (co-offenders share it), so an
        offence is used only when it is keyed by this row's own reference.
        """
        if self.kind == "outcome":
            known = self.outcomes.get(row.source_reference)
            if known is None and isinstance(row, OutcomeRow) and row.offence_key == row.source_reference:
                known = self.offence_by_key.get(row.source_reference)
        else:
            known = self.arrests.get(row.source_reference)
        if known is not None:
            return known["child_id"]
        return self.decided.get(row.source_reference)

    def plan(self, valid: list[ValidRow], *, assigned_child=None) -> list[tuple[ValidRow, object]]:
        """Pair each row with its child (an id or a matcher entry); queue the uncertain ones."""
        started = time.perf_counter()
        self._existing(valid)
        assigned: list[tuple[ValidRow, object]] = []
        groups: dict[tuple, list[ValidRow]] = {}
        newer: dict[int, list[ValidRow]] = {}
        for item in valid:
            row = item.data
            if row.source_reference in self.pending and assigned_child is None:
                newer.setdefault(self.pending[row.source_reference], []).append(item)
                self.counts["queued"] += 1
                continue
            child_id = self._known_child(row)
            discarded = self.discarded.get(row.source_reference)
            if child_id is None and discarded is not None and assigned_child is None and discarded == staged(row):
                self.counts["unchanged"] += 1
                continue
            if child_id is not None:
                assigned.append((item, child_id))
            elif assigned_child is not None:
                assigned.append((item, assigned_child))
            else:
                groups.setdefault(row.person_key(), []).append(item)
        if groups:
            assigned.extend(self._match(groups))
        self._refresh_reviews(newer)
        self.timings["plan"] = time.perf_counter() - started
        return assigned

    def _match(self, groups: dict[tuple, list[ValidRow]]) -> list[tuple[ValidRow, object]]:
        index = matching.ChildIndex(
            matching.Known.of(id=pk, police_id=p, local_id=loc, first_name=f, last_name=la, date_of_birth=d)
            for pk, p, loc, f, la, d in Child.objects.filter(
                organisation=self.organisation, merged_into__isnull=True, voided_at__isnull=True
            ).values_list("id", "police_id", "local_id", "first_name", "last_name", "date_of_birth")
        )
        assigned: list[tuple[ValidRow, object]] = []
        new_children: list[dict] = []
        self.reviews: list[tuple[list[ValidRow], matching.Match]] = []
        police_ids: dict[int, str] = {}
        for number, rows in enumerate(groups.values(), start=1):
            if number % 1000 == 0:
                self.progress("Matching rows to children", number, len(groups))
            person = rows[0].data
            police_id = next((r.data.police_id for r in rows if r.data.police_id), "")
            local_id = next((r.data.local_id for r in rows if r.data.local_id), "")
            found = index.match(police_id=police_id, local_id=local_id, first_name=person.first_name,
                                last_name=person.last_name, date_of_birth=person.date_of_birth)
            if found.outcome in (matching.EXACT, matching.CERTAIN_MATCH):
                child = found.child
                assert child is not None, "an exact or certain match names its child"
                if police_id and not child.police_id and police_id.upper() not in index.by_police:
                    # Remember the police identifier, so the next file matches exactly.
                    child.police_id = police_id.upper()
                    index.by_police[child.police_id].append(child)
                    if child.id is not None:
                        police_ids[child.id] = police_id
                    elif child.obj is not None:
                        child.obj["police_id"] = police_id
                assigned.extend((r, child) for r in rows)
            elif found.outcome == matching.NEW:
                new = {
                    "organisation_id": self.organisation.pk, "first_name": person.first_name,
                    "last_name": person.last_name, "date_of_birth": person.date_of_birth, "sex": person.sex,
                    "ethnicity": person.ethnicity, "postcode": person.postcode, "police_id": police_id,
                    "local_id": local_id if local_id.upper() not in index.by_local else "",
                    "police_only": True, **self.stamp,
                }
                known = matching.Known.of(id=None, police_id=new["police_id"], local_id=new["local_id"],
                                          first_name=new["first_name"], last_name=new["last_name"],
                                          date_of_birth=new["date_of_birth"], obj=new)
                index.add(known)
                new_children.append(new)
                assigned.extend((r, known) for r in rows)
            else:
                self.reviews.append((rows, found))
                self.counts["queued"] += len(rows)
        insert(Child, new_children)
        self.created_children.update(c["id"] for c in new_children)
        self.counts["children_created"] += len(new_children)
        self.fill_police_ids(police_ids)
        self._save_reviews()
        return assigned

    def fill_police_ids(self, police_ids: dict[int, str]) -> None:
        """Record the file's police identifier on matched children that had none, so the
        next file matches exactly; each one goes into the child's history of changes."""
        filled = []
        for child_id, police_id in police_ids.items():
            if Child.objects.filter(pk=child_id, police_id="").update(police_id=police_id):
                filled.append(DetailChange(
                    child_id=child_id, field="police_id", old_value="", new_value=police_id,
                    reason=FILLED_FROM_POLICE, changed_by_id=self.user_id,
                    changed_at=self.stamp["recorded_at"], batch_id=self.stamp["batch_id"],
                ))
        DetailChange.objects.bulk_create(filled)

    def _refresh_reviews(self, newer: dict[int, list[ValidRow]]) -> None:
        """Rows still waiting for review that this file sends again: the newer version waits
        in their place, so what the reviewer decides on is what the police sent last."""
        changed = []
        reviews = [r for part in in_parts(newer) for r in MatchReview.objects.filter(pk__in=part).select_for_update()]
        for review in reviews:
            latest = {item.data.source_reference: {"row": item.row, "data": staged(item.data)}
                      for item in newer[review.pk]}
            rows = [latest[ref] if (ref := r["data"].get("source_reference")) in latest
                    and latest[ref]["data"] != r["data"] else r for r in review.rows]
            if rows != review.rows:
                review.rows = rows
                changed.append(review)
        MatchReview.objects.bulk_update(changed, ["rows"], batch_size=500)

    def _save_reviews(self) -> None:
        reviews = []
        for rows, found in self.reviews:
            candidates = [
                {"child": _child_id(known), "score": s, "why": why} for known, s, why in found.candidates
            ]
            reviews.append(MatchReview(
                organisation=self.organisation, run=self.run, source=self.source,
                source_references=[r.data.source_reference for r in rows],
                rows=[{"row": r.row, "data": staged(r.data)} for r in rows],
                candidates=candidates, best_score=found.best_score, received_on=self.received_on,
            ))
        MatchReview.objects.bulk_create(reviews, batch_size=500)

    # ---- writing ----------------------------------------------------------------------

    def write(self, assigned: list[tuple[ValidRow, object]]) -> None:
        """Create or update the records for each (row, child) pair."""
        started = time.perf_counter()
        total = len(assigned)
        self.progress("Writing records", 0, total)
        if self.kind == "outcome":
            self._write_outcomes(assigned)
        else:
            self._write_arrests(assigned)
        self.progress("Writing records", total, total)
        self.timings["write"] = time.perf_counter() - started

    def _offence_types(self) -> dict[str, OffenceType]:
        types = {}
        for t in OffenceType.objects.filter(organisation__isnull=True):
            types[t.code.upper()] = t
        for t in OffenceType.objects.filter(organisation=self.organisation):
            types[t.code.upper()] = t
        return types

    def _write_outcomes(self, assigned) -> None:
        types = self._offence_types()
        new_offences: list[dict] = []
        changed_offences: dict[int, dict] = {}
        states: list[str] = []
        offence_of_row: list[dict] = []
        seen_in_file: set[tuple[str, int]] = set()
        source_id = self.source.pk
        sole = self._sole_outcome_offences(assigned)
        for item, child in assigned:
            row: OutcomeRow = item.data
            child_id = _child_id(child)
            key = row.offence_key
            kind = types.get(row.offence_code.upper()) if row.offence_code else None
            values = {
                "committed_on": row.committed_on, "offence_code": row.offence_code,
                "description": row.offence_description or (kind.description if kind else ""),
                "offence_type_id": kind.pk if kind else None,
                "yjb_category": kind.yjb_category if kind else "",
                "seriousness": kind.seriousness if kind else None,
                "gravity_score": row.gravity_score, "police_reference": row.offence_reference,
            }
            offence = self.offences.get((key, child_id))
            outcome = self.outcomes.get(row.source_reference)
            if offence is None and outcome is not None and outcome["offence_id"] in sole:
                # The row's outcome is the only one stored under an offence keyed otherwise (the
                # police have since filled in or corrected the crime reference): that offence
                # takes the new key. An offence with other outcomes keeps its key, and this
                # outcome moves to an offence of its own (below).
                offence = self.offence_by_id[outcome["offence_id"]]
                sole.discard(offence["id"])
                self.offences.pop((offence["source_reference"], child_id), None)
                offence["source_reference"] = key
                self.offences[(key, child_id)] = offence
                changed_offences[offence["id"]] = offence
            state = "unchanged"
            if offence is None:
                offence = {"child_id": child_id, "source_id": source_id, "source_reference": key,
                           **self.stamp, **values}
                self.offences[(key, child_id)] = offence
                new_offences.append(offence)
                seen_in_file.add((key, child_id))
                state = "created"
            elif (key, child_id) not in seen_in_file:
                # The first row of an offence in the file describes it; later rows add outcomes.
                seen_in_file.add((key, child_id))
                if "id" in offence and (offence["id"] in changed_offences
                                        or any(offence[f] != v for f, v in values.items())):
                    offence.update(values)
                    changed_offences[offence["id"]] = offence
                    state = "updated"
            states.append(state)
            offence_of_row.append(offence)
        insert(Offence, new_offences)
        update(Offence, list(changed_offences.values()), [*OFFENCE_FIELDS, "source_reference"])
        self.progress("Writing records", len(assigned) // 2, len(assigned))

        new_outcomes: list[dict] = []
        changed_outcomes: list[dict] = []
        left: dict[int, dict] = {}  # offences an outcome moved away from -> the offence it moved to
        for (item, _child), offence, state in zip(assigned, offence_of_row, states, strict=True):
            row = item.data
            if row.disposal:
                values = {"disposal": row.disposal, "ho_outcome_type": row.ho_outcome_type,
                          "outcome_date": row.outcome_date, "custody_release_date": row.custody_release_date,
                          "offence_id": offence["id"]}
                outcome = self.outcomes.get(row.source_reference)
                if outcome is None:
                    outcome = {"child_id": offence["child_id"], "source_id": source_id,
                               "source_reference": row.source_reference, **self.stamp, **values}
                    self.outcomes[row.source_reference] = outcome
                    new_outcomes.append(outcome)
                    state = "created"
                elif any(outcome[f] != v for f, v in values.items()):
                    if outcome["offence_id"] != offence["id"]:
                        left[outcome["offence_id"]] = offence
                    outcome.update(values)
                    changed_outcomes.append(outcome)
                    state = "updated" if state == "unchanged" else state
            if state != "unchanged":
                self.touched_children.add(offence["child_id"])
            self.counts[state] += 1
        insert(Outcome, new_outcomes)
        update(Outcome, changed_outcomes, list(OUTCOME_LOADED))
        self.new_outcomes = new_outcomes
        self._void_emptied_offences(left)

    def _sole_outcome_offences(self, assigned) -> set[int]:
        """Offences whose one stored outcome is a row of this file now keyed to another offence."""
        moving = set()
        for item, child in assigned:
            outcome = self.outcomes.get(item.data.source_reference)
            if outcome is not None:
                offence = self.offence_by_id.get(outcome["offence_id"])
                if offence is not None and (offence["source_reference"], offence["child_id"]) != (
                    item.data.offence_key, _child_id(child)
                ):
                    moving.add(offence["id"])
        if not moving:
            return set()
        return {c["offence_id"] for part in in_parts(moving)
                for c in Outcome.objects.filter(offence_id__in=part).values("offence_id").annotate(n=Count("id"))
                if c["n"] == 1}

    def _void_emptied_offences(self, left: dict[int, dict]) -> None:
        """An offence whose outcomes all moved to another (the police gave them one crime
        reference) is voided, not deleted; its reference is freed and kept in the reason."""
        if not left:
            return
        still_used = {offence_id for part in in_parts(left) for offence_id in
                      Outcome.objects.current().filter(offence_id__in=part).values_list("offence_id", flat=True)}
        for offence_id in set(left) - still_used:
            old = self.offence_by_id.get(offence_id, {}).get("source_reference", "")
            Offence.objects.filter(pk=offence_id).update(
                voided_at=self.stamp["recorded_at"], source_reference="",
                void_reason=f"The same offence as {left[offence_id]['id']}: the police now give its outcomes "
                            f"crime reference {left[offence_id]['source_reference']} (this one was keyed {old}).",
            )

    def _write_arrests(self, assigned) -> None:
        new: list[dict] = []
        changed: list[dict] = []
        for item, child in assigned:
            row: CustodyRow = item.data
            values = {"arrested_at": row.arrested_at, "released_at": row.released_at, "result": row.result}
            arrest = self.arrests.get(row.source_reference)
            if arrest is None:
                arrest = {"child_id": _child_id(child), "source_id": self.source.pk,
                          "source_reference": row.source_reference, **self.stamp, **values}
                self.arrests[row.source_reference] = arrest
                new.append(arrest)
                self.counts["created"] += 1
            elif any(arrest[f] != v for f, v in values.items()):
                if arrest["released_at"] is None and values["released_at"] is not None:
                    # Listed while still held; this file brings the release.
                    self.new_arrests.append(arrest)
                arrest.update(values)
                changed.append(arrest)
                self.touched_children.add(arrest["child_id"])
                self.counts["updated"] += 1
            else:
                self.counts["unchanged"] += 1
        insert(Arrest, new)
        update(Arrest, changed, list(ARREST_FIELDS))
        self.new_arrests.extend(new)
        self.touched_children.update(arrest["child_id"] for arrest in new)

    @property
    def children_to_recheck(self) -> set[int]:
        """Children whose completed follow-up checks may no longer say what the data says."""
        return self.touched_children - self.created_children

    # ---- referrals the programme asks for --------------------------------------------

    def open_referrals(self) -> None:
        """Open referrals for new Community Resolutions and custody releases, if the source says so."""
        options = self.options
        if options is None:
            return
        wanted: list[tuple[int, object, dict]] = []
        too_old: Counter[str] = Counter()
        programme = options.community_resolution_programme
        if programme is not None:
            resolutions = [o for o in self.new_outcomes if o["disposal"] == "community_resolution"]
            since = self.received_on - dt.timedelta(days=REFERRAL_WITHIN_DAYS["police_cr"])
            too_old["Community Resolution"] = sum(o["outcome_date"] < since for o in resolutions)
            resolutions = [o for o in resolutions if o["outcome_date"] >= since]
            offences = Offence.objects.in_bulk([o["offence_id"] for o in resolutions])
            for outcome in resolutions:
                wanted.append((outcome["child_id"], programme, {
                    "source": "police_cr", "received_on": outcome["outcome_date"],
                    "offences": [offences[outcome["offence_id"]]],
                }))
        programme = options.custody_release_programme
        if programme is not None:
            since = self.received_on - dt.timedelta(days=REFERRAL_WITHIN_DAYS["custody"])
            for arrest in self.new_arrests:
                source = CUSTODY_REFERRAL_SOURCES.get(arrest["result"])
                if arrest["released_at"] is not None and source:
                    if arrest["released_at"].astimezone(LONDON).date() < since:
                        too_old["release from custody"] += 1
                        continue
                    wanted.append((arrest["child_id"], programme, {
                        "source": source, "received_on": arrest["released_at"].astimezone(LONDON).date(),
                        "released_at": arrest["released_at"],
                    }))
        for what, number in too_old.items():
            if number:
                days = REFERRAL_WITHIN_DAYS["police_cr" if what == "Community Resolution" else "custody"]
                self.file_notices.append(
                    f"{number} {what}{'s' if number != 1 else ''} dated more than {days} days before the import "
                    f"opened no referral: a file of past records fills in history, not today's work.")
        if not wanted:
            return
        children = Child.objects.in_bulk({child_id for child_id, _, _ in wanted})
        open_stages = ("received", "offered")
        for child_id, programme, details in wanted:
            child = children[child_id]
            if Referral.objects.current().filter(child=child, programme=programme, stage__in=open_stages).exists():
                continue
            try:
                create_referral(by=self.by, child=child, programme=programme, today=self.today, batch=self.batch,
                                **details)
            except DomainError as error:
                self.notices.append((child_id, error.message))
                continue
            self.counts["referrals_opened"] += 1


def _child_id(child) -> int:
    """The id of a child given as an id or a matcher entry (saved by now)."""
    if isinstance(child, int):
        return child
    return child.id if child.id is not None else child.obj["id"]
