"""The case-level bundle: an organisation's records as a documented, versioned set of CSV files.

`export_bundle` writes one CSV per kind of record plus `manifest.json` (format, version,
row counts and columns); `import_bundle` validates every file (every problem by file,
row and column) and, only if all is valid, writes everything into an empty organisation
in one transaction under one audit batch. Format: docs/data-format.md, "Case-level bundle".

Every row has a bundle id: its position among the organisation's records of that kind in
database order (1, 2, 3...). Relations between files use these ids (`child_id`,
`referral_id`...), so they survive the move; an import creates rows in file order, so
exporting the imported organisation again gives the same ids and identical files.
Values are written as stored: nothing is altered for spreadsheet safety, and encrypted
narratives are written decrypted (the bundle is sensitive).

Some relations are carried by a natural key instead of a bundle id (`Lookup`): offence
types and instruments by code (the organisation's own, in the bundle, or the shipped
defaults), workers by username (users are not moved: a username is matched to a user of
the importing organisation, else left blank with a notice) and funders by the
commissioner's slug (else the link is left out with a notice).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from divert.audit.actions import finish_batch, record_event, start_batch
from divert.audit.models import Batch
from divert.casework.actions import new_checkpoints
from divert.casework.codes import Anchor, FollowUpGroup
from divert.casework.models import FollowUpCheckpoint
from divert.core.errors import DomainError
from divert.core.files import open_private, private_folder, write_private_text
from divert.imports.followup import complete_checkpoints
from divert.imports.parsing import FileRefused, check_no_nul
from divert.referrals.codes import Decision

FORMAT = "divert-bundle"
VERSION = 2  # 2: casework, allocation, teams, funders, offence links, completeness history
MANIFEST = "manifest.json"
# Never carried: database keys, who recorded or voided a row, the batch (the import's own
# batch replaces it).
NOT_CARRIED = {"id", "organisation", "recorded_by", "voided_by", "batch"}
SHARED, OWN, ANY = "shared", "own", "any"


@dataclass(frozen=True)
class Lookup:
    """A relation carried by the referenced row's natural key (a code, username or slug)."""

    model_label: str
    key: str
    scope: str  # SHARED: the organisation's own rows or the shipped defaults; OWN: its own; ANY: all
    required: bool = True  # an unknown key is a problem; otherwise it is left out with a notice
    missing: str = "{key!r} is not known here."

    @property
    def model(self) -> type[models.Model]:
        """The referenced model."""
        return apps.get_model(self.model_label)

    def keys(self, organisation) -> dict[str, int]:
        """Key -> id of the rows in scope (the organisation's own override shared defaults)."""
        manager = self.model._default_manager
        if self.scope == ANY:
            return dict(manager.values_list(self.key, "pk"))
        found = {} if self.scope == OWN else dict(
            manager.filter(organisation__isnull=True).values_list(self.key, "pk"))
        found.update(manager.filter(organisation=organisation).values_list(self.key, "pk"))
        return found


OFFENCE_TYPE = Lookup("offending.OffenceType", "code", SHARED,
                      missing="The offence code {key!r} is not in the offence reference.")
INSTRUMENT = Lookup("casework.Instrument", "code", SHARED,
                    missing="The instrument {key!r} is not in instruments.csv or Divert's own instruments.")
USER = Lookup("accounts.User", "username", OWN, required=False,
              missing="No user {key!r} in this organisation: left blank.")
COMMISSIONER = Lookup("accounts.Commissioner", "slug", ANY, required=False,
                      missing="No commissioner {key!r} in Divert: that funding link is left out.")


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of the bundle: which model, how it reaches the organisation, its relations."""

    name: str
    model_label: str
    org_path: str
    refs: dict[str, str] = field(default_factory=dict)  # field name -> file it refers to
    codes: dict[str, Lookup] = field(default_factory=dict)  # field name -> natural-key lookup

    @property
    def model(self) -> type[models.Model]:
        """The Django model."""
        return apps.get_model(self.model_label)

    @property
    def file_name(self) -> str:
        """The CSV file's name."""
        return f"{self.name}.csv"

    def fields(self) -> list[models.Field]:
        """The model fields carried, in model order."""
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in NOT_CARRIED and not getattr(f, "generated", False)
        ]

    def column(self, f: models.Field) -> str:
        """The CSV column for a field."""
        if f.name in self.codes:
            return f"{f.name}_{self.codes[f.name].key}"
        if f.name in self.refs:
            return f"{f.name}_id"
        return f.name

    def columns(self) -> list[str]:
        """Every column, id first."""
        return ["id", *(self.column(f) for f in self.fields())]


CHILD = "child__organisation"
EPISODE = "episode__child__organisation"
WORKER = {"worker": USER}
SPECS: tuple[FileSpec, ...] = (
    FileSpec("programmes", "accounts.Programme", "organisation"),
    FileSpec("programme_funders", "accounts.Programme_funded_by", "programme__organisation",
             refs={"programme": "programmes"}, codes={"commissioner": COMMISSIONER}),
    FileSpec("tiers", "accounts.Tier", "programme__organisation", refs={"programme": "programmes"}),
    FileSpec("teams", "accounts.Team", "organisation"),
    FileSpec("team_programmes", "accounts.Team_programmes", "team__organisation",
             refs={"team": "teams", "programme": "programmes"}),
    FileSpec("data_sources", "offending.DataSource", "organisation"),
    FileSpec("data_source_completeness", "offending.SourceCompleteness", "source__organisation",
             refs={"source": "data_sources"}),
    FileSpec("offence_reference", "offending.OffenceType", "organisation"),
    FileSpec("instruments", "casework.Instrument", "organisation"),
    FileSpec("population", "reference.Population", "organisation"),
    FileSpec("children", "people.Child", "organisation", refs={"merged_into": "children", "team": "teams"},
             codes=WORKER),
    FileSpec("care_statuses", "people.CareStatus", CHILD, refs={"child": "children"}),
    FileSpec("accommodation", "people.Accommodation", CHILD, refs={"child": "children"}),
    FileSpec("ete_statuses", "people.ETEStatus", CHILD, refs={"child": "children"}),
    FileSpec("send_statuses", "people.SENDStatus", CHILD, refs={"child": "children"}),
    FileSpec("mental_health_needs", "people.MentalHealthNeed", CHILD, refs={"child": "children"}),
    FileSpec(
        "substance_misuse_needs", "people.SubstanceMisuseNeed", CHILD, refs={"child": "children"}
    ),
    FileSpec(
        "referrals",
        "referrals.Referral",
        CHILD,
        refs={"child": "children", "programme": "programmes", "team": "teams"},
        codes={"eligibility_decided_by": USER},
    ),
    FileSpec(
        "screenings",
        "referrals.Screening",
        "referral__child__organisation",
        refs={"referral": "referrals", "tier": "tiers"},
        codes={"decided_by": USER},
    ),
    FileSpec(
        "offers", "referrals.Offer", "referral__child__organisation", refs={"referral": "referrals"}
    ),
    FileSpec(
        "episodes",
        "casework.Episode",
        CHILD,
        refs={
            "child": "children",
            "programme": "programmes",
            "referral": "referrals",
            "tier": "tiers",
            "team": "teams",
        },
        codes={**WORKER, "completion_asked_by": USER, "completion_decided_by": USER},
    ),
    FileSpec("sessions", "casework.Session", EPISODE, refs={"episode": "episodes"}, codes=WORKER),
    FileSpec("assessments", "casework.Assessment", EPISODE,
             refs={"episode": "episodes", "supersedes": "assessments"}),
    FileSpec("plans", "casework.Plan", EPISODE, refs={"episode": "episodes", "supersedes": "plans"}),
    FileSpec("plan_reviews", "casework.PlanReview", "plan__episode__child__organisation", refs={"plan": "plans"}),
    FileSpec("onward_referrals", "casework.OnwardReferral", EPISODE, refs={"episode": "episodes"}),
    FileSpec("measure_scores", "casework.MeasureScore", EPISODE, refs={"episode": "episodes"},
             codes={"instrument": INSTRUMENT}),
    FileSpec(
        "follow_up_checkpoints",
        "casework.FollowUpCheckpoint",
        CHILD,
        refs={"child": "children", "referral": "referrals"},
    ),
    FileSpec(
        "offences",
        "offending.Offence",
        CHILD,
        refs={"child": "children", "source": "data_sources"},
        codes={"offence_type": OFFENCE_TYPE},
    ),
    FileSpec("referral_offences", "referrals.Referral_offences", "referral__child__organisation",
             refs={"referral": "referrals", "offence": "offences"}),
    FileSpec("episode_offences", "casework.Episode_offences", "episode__child__organisation",
             refs={"episode": "episodes", "offence": "offences"}),
    FileSpec(
        "outcomes",
        "offending.Outcome",
        CHILD,
        refs={"child": "children", "offence": "offences", "source": "data_sources"},
    ),
    FileSpec(
        "arrests", "offending.Arrest", CHILD, refs={"child": "children", "source": "data_sources"}
    ),
    FileSpec(
        "victims", "victims.Victim", "offence__child__organisation", refs={"offence": "offences"}
    ),
)
BY_NAME = {s.name: s for s in SPECS}


# ---- values as text ---------------------------------------------------------------------


def to_text(f: models.Field, value) -> str:
    """A stored value as bundle text (empty for none)."""
    if value is None:
        return ""
    if isinstance(f, models.JSONField):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("must be JSON, e.g. [] or {}") from None


def _boolean(text: str) -> bool:
    if text not in {"true", "false"}:
        raise ValueError("must be true or false")
    return text == "true"


def _datetime(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date and time like 2025-01-31T14:05:00+00:00") from None
    if value.tzinfo is None:
        raise ValueError("must include the offset from UTC, e.g. +00:00")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date like 2025-01-31") from None


def _decimal(text: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError("must be a number") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("must be a whole number") from None


# How a non-empty cell is read, by field type (the first that matches; DateTimeField
# before DateField, which it extends). Any other field keeps the text.
READERS = (
    (models.JSONField, _json),
    (models.BooleanField, _boolean),
    (models.DateTimeField, _datetime),
    (models.DateField, _date),
    (models.DecimalField, _decimal),
    (models.IntegerField | models.ForeignKey, _integer),
)


def _empty(f: models.Field):
    """What an empty cell means for `f`: none, empty text, the field's default (as for a
    column left out), or a problem."""
    if f.null:
        return None
    if isinstance(f, models.CharField | models.TextField) and not isinstance(f, models.JSONField):
        return ""
    if f.has_default():
        return f.get_default()
    raise ValueError("is required")


def from_text(f: models.Field, text: str):
    """Bundle text as a value for `f`; raises ValueError with a plain message."""
    if text == "":
        return _empty(f)
    reader = next((read for kind, read in READERS if isinstance(f, kind)), None)
    return reader(text) if reader else text


# ---- export -----------------------------------------------------------------------------


def _queryset(spec: FileSpec, organisation):
    manager = spec.model._base_manager  # voided rows too: the bundle carries them with their reason
    return manager.filter(**{spec.org_path: organisation}).order_by("pk")


def export_bundle(*, organisation, directory: Path, now: dt.datetime, by=None) -> dict[str, int]:
    """Write the organisation's bundle into `directory` (audited); returns rows per file."""
    private_folder(directory)
    ids: dict[str, dict[int, int]] = {
        spec.name: {
            pk: n
            for n, pk in enumerate(_queryset(spec, organisation).values_list("pk", flat=True), 1)
        }
        for spec in SPECS
    }
    keys = {lookup: dict(lookup.model._default_manager.values_list("pk", lookup.key))
            for lookup in {lookup for spec in SPECS for lookup in spec.codes.values()}}
    counts = {}
    for spec in SPECS:
        fields = spec.fields()
        with open_private(directory / spec.file_name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(spec.columns())
            rows = _queryset(spec, organisation).values_list("pk", *(f.attname for f in fields))
            for pk, *values in rows.iterator(chunk_size=2000):
                out: list[int | str] = [ids[spec.name][pk]]
                for f, value in zip(fields, values, strict=True):
                    if f.name in spec.codes:
                        out.append(keys[spec.codes[f.name]].get(value, "") if value is not None else "")
                    elif f.name in spec.refs:
                        out.append(ids[spec.refs[f.name]][value] if value is not None else "")
                    else:
                        out.append(to_text(f, value))
                writer.writerow(out)
        counts[spec.name] = len(ids[spec.name])
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "organisation": organisation.slug,
        "exported_at": now.astimezone(dt.UTC).isoformat(),
        "files": {s.file_name: {"rows": counts[s.name], "columns": s.columns()} for s in SPECS},
    }
    write_private_text(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")

    record_event(by=by, verb="exported_bundle", organisation=organisation,
                 details={"kind": "case-level bundle", "rows": counts})
    return counts


# ---- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    """One problem with the bundle: a file, a row (as numbered in a spreadsheet) and a column."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class BundleImport:
    """What an import found and did."""

    problems: list[BundleProblem] = field(default_factory=list)
    notices: list[BundleProblem] = field(default_factory=list)  # things left out; nothing refused
    counts: dict[str, int] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        """No problems."""
        return not self.problems


class _DryRun(Exception):
    """Raised to roll back a dry run after writing."""


def import_bundle(*, by, organisation, directory: Path, dry_run: bool = False) -> BundleImport:
    """Validate the bundle in `directory` and, if it is all valid, write it into the empty organisation.

    Nothing is written unless every file is valid; the write is one transaction under one
    audit batch. A dry run validates and writes, then rolls everything back, so database
    rules are checked too.
    """
    result = BundleImport()
    if _has_records(organisation):
        raise DomainError("A bundle can only be imported into an organisation with no records yet.")
    parsed = _read_and_validate(directory, organisation, result)
    if result.problems:
        return result
    result.counts = {name: len(rows) for name, rows in parsed.items()}
    try:
        with transaction.atomic():
            _write(by=by, organisation=organisation, parsed=parsed, counts=result.counts)
            if dry_run:
                raise _DryRun
        result.written = True
    except _DryRun:
        pass
    except IntegrityError as exc:
        # The database's own rules (named constraints) caught something the row checks did not.
        result.problems.append(
            BundleProblem(
                "bundle", None, None, f"The database refused the data: {_constraint(exc)}"
            )
        )
        return result
    if not parsed["follow_up_checkpoints"] and result.counts.get("follow_up_checkpoints"):
        result.notices.append(BundleProblem(
            "follow_up_checkpoints.csv", None, None,
            f"The bundle has no follow-up checkpoints: {result.counts['follow_up_checkpoints']} were worked "
            "out from its offers and completed episodes.",
        ))
    return result


def _constraint(exc: IntegrityError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _has_records(organisation) -> bool:
    return any(
        _queryset(spec, organisation).exists() for spec in SPECS if spec.org_path == "organisation"
    )


Row = tuple[int, int, dict]  # (spreadsheet row, bundle id, values by field name)


def _read_and_validate(directory: Path, organisation, result: BundleImport) -> dict[str, list[Row]]:
    problems = result.problems
    manifest_path = directory / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(BundleProblem(MANIFEST, None, None, "The bundle has no manifest.json."))
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        problems.append(BundleProblem(MANIFEST, None, None, "manifest.json is not valid JSON."))
        return {}
    if not isinstance(manifest, dict):
        problems.append(BundleProblem(MANIFEST, None, None, "manifest.json must hold a JSON object."))
        return {}
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        problems.append(
            BundleProblem(
                MANIFEST,
                None,
                None,
                f"This is not a {FORMAT} version {VERSION} bundle (found {manifest.get('format')!r} "
                f"version {manifest.get('version')!r}).",
            )
        )
        return {}
    files = manifest.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(entry, dict) for entry in files.values()):
        problems.append(BundleProblem(MANIFEST, None, None,
                                      '"files" in manifest.json must map each file name to an object.'))
        return {}
    parsed: dict[str, list[Row]] = {}
    for spec in SPECS:
        parsed[spec.name] = _read_file(directory, spec, files.get(spec.file_name), problems)
    _check_references(parsed, organisation, result)
    if not result.problems:
        _check_same_child(parsed, result)
    return parsed


def _csv_rows(text: str, name: str, problems: list[BundleProblem]):
    """(row number, cells) of a bundle file; a broken CSV ends the file with a problem, not an error."""
    # Narratives have no length limit, so no field may be refused for its length alone.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, cells
    except csv.Error as exc:
        problems.append(BundleProblem(name, number + 1, None, f"The CSV is broken here ({exc})."))


def _read_text(path: Path, name: str, problems: list[BundleProblem]) -> str | None:
    """The file's text; None (no rows) when it is left out, or with a problem when it is not UTF-8."""
    if not path.exists():
        return None  # a file left out holds no rows
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(BundleProblem(name, None, None, "The file is not UTF-8 text."))
        return None


def _required(spec: FileSpec, f: models.Field) -> bool:
    """A column that may not be left out: an empty cell would be refused on every row."""
    if f.name in spec.codes:
        return False
    if f.name in spec.refs:
        return not f.null
    text = isinstance(f, models.CharField | models.TextField) and not isinstance(f, models.JSONField)
    return not f.null and not f.has_default() and not (text and f.blank)


def _check_header(spec: FileSpec, header: list[str], problems: list[BundleProblem]) -> bool:
    """Columns are matched by name, in any order. A column left out holds no values (the
    field's default, or empty); extra columns are refused, each named."""
    name = spec.file_name
    columns = spec.columns()
    required = {"id"} | {spec.column(f) for f in spec.fields() if _required(spec, f)}
    missing = [c for c in columns if c not in header and c in required]
    unknown = [c for c in header if c not in columns]
    for c in missing:
        problems.append(BundleProblem(name, 1, c, "This column is missing (every row needs a value in it)."))
    if unknown:
        problems.append(BundleProblem(
            name, 1, ", ".join(unknown),
            f"{'These columns are' if len(unknown) > 1 else 'This column is'} not part of the bundle format: "
            + ", ".join(unknown) + ".",
        ))
    duplicated = len(set(header)) != len(header)
    if duplicated:
        problems.append(BundleProblem(name, 1, None, "A column appears twice."))
    return not (missing or unknown or duplicated)


def _bundle_id(record: dict, seen: set[int], name: str, number: int, problems: list[BundleProblem]) -> int | None:
    """The row's bundle id, or None with a problem."""
    try:
        bundle_id = int(record["id"])
        if bundle_id < 1:
            raise ValueError
    except ValueError:
        problems.append(BundleProblem(name, number, "id", "must be a whole number from 1"))
        return None
    if bundle_id in seen:
        problems.append(BundleProblem(name, number, "id", f"id {bundle_id} appears twice in this file"))
        return None
    seen.add(bundle_id)
    return bundle_id


def _value(spec: FileSpec, f: models.Field, text_value: str):
    """One cell as a value; raises ValueError or ValidationError."""
    if f.name in spec.codes:
        return text_value or None
    value = from_text(f, text_value)
    if f.name not in spec.refs and value is not None:
        f.run_validators(value)
        f.validate(value, None)
    return value


def _row_values(spec: FileSpec, fields: dict, record: dict, number: int, problems: list[BundleProblem]) -> dict:
    """The row's values by field name; a column the file leaves out is left out here too."""
    values = {}
    for column, f in fields.items():
        if column not in record:
            continue
        try:
            values[f.name] = _value(spec, f, record[column])
        except ValueError as exc:
            problems.append(BundleProblem(spec.file_name, number, column, str(exc)))
        except ValidationError as exc:
            problems.append(BundleProblem(spec.file_name, number, column, " ".join(exc.messages)))
    return values


def _read_file(
    directory: Path, spec: FileSpec, expected: dict | None, problems: list[BundleProblem]
) -> list[Row]:
    name = spec.file_name
    text = _read_text(directory / name, name, problems)
    if text is None:
        if expected and expected.get("rows"):
            problems.append(BundleProblem(
                name, None, None, f"The manifest says {expected.get('rows')} rows; the file is missing."))
        return []
    reader = _csv_rows(text, name, problems)
    header = next(reader, (1, None))[1] or []
    if not _check_header(spec, header, problems):
        return []
    fields = {spec.column(f): f for f in spec.fields()}
    rows: list[Row] = []
    seen: set[int] = set()
    for number, cells in reader:
        if len(cells) != len(header):
            problems.append(BundleProblem(
                name, number, None, f"The row has {len(cells)} cells; the header has {len(header)}."))
            continue
        try:
            check_no_nul(number, header, cells)
        except FileRefused as exc:
            problems.append(BundleProblem(name, exc.row, exc.column, exc.message))
            continue
        record = dict(zip(header, cells, strict=True))
        bundle_id = _bundle_id(record, seen, name, number, problems)
        if bundle_id is not None:
            rows.append((number, bundle_id, _row_values(spec, fields, record, number, problems)))
    if expected is not None and expected.get("rows") != len(rows) and not any(p.file == name for p in problems):
        problems.append(BundleProblem(
            name, None, None, f"The manifest says {expected.get('rows')} rows; the file has {len(rows)}."))
    return rows


def _check_references(parsed: dict[str, list[Row]], organisation, result: BundleImport) -> None:
    ids = {name: {bundle_id for _, bundle_id, _ in rows} for name, rows in parsed.items()}
    known: dict[Lookup, set] = {}
    for spec in SPECS:
        for lookup in spec.codes.values():
            if lookup not in known:
                # Rows the bundle itself brings (an organisation's own codes), then Divert's.
                carried = [s for s in SPECS if s.model_label == lookup.model_label]
                known[lookup] = {v.get(lookup.key) for s in carried for _, _, v in parsed[s.name]}
                known[lookup] |= set(lookup.keys(organisation))
    for spec in SPECS:
        for number, _, values in parsed[spec.name]:
            for f_name, target in spec.refs.items():
                ref = values.get(f_name)
                if ref is not None and ref not in ids[target]:
                    result.problems.append(
                        BundleProblem(
                            spec.file_name,
                            number,
                            f"{f_name}_id",
                            f"There is no row with id {ref} in {target}.csv.",
                        )
                    )
            for f_name, lookup in spec.codes.items():
                key = values.get(f_name)
                if key is not None and key not in known[lookup]:
                    found = result.problems if lookup.required else result.notices
                    found.append(BundleProblem(spec.file_name, number, f"{f_name}_{lookup.key}",
                                               lookup.missing.format(key=key)))


def _check_same_child(parsed: dict[str, list[Row]], result: BundleImport) -> None:
    """A row and the rows it refers to are about one child (an outcome and its offence,
    a session and its episode, a referral and the offence it is linked to...)."""
    values_by_id = {name: {bundle_id: values for _, bundle_id, values in rows} for name, rows in parsed.items()}
    memo: dict[tuple[str, int], int | None] = {}

    def child_of(name: str, bundle_id) -> int | None:
        """The child a row is about: its own child, or that of the first row it refers to that has one."""
        if bundle_id is None or (name, bundle_id) in memo:
            return memo.get((name, bundle_id))
        memo[(name, bundle_id)] = None  # guards against a cycle of references
        values, spec = values_by_id[name].get(bundle_id), BY_NAME[name]
        found = None
        if values is not None:
            if "child" in spec.refs:
                found = values.get("child")
            else:
                found = next((c for f_name, target in spec.refs.items() if target != "children"
                              for c in [child_of(target, values.get(f_name))] if c is not None), None)
        memo[(name, bundle_id)] = found
        return found

    for spec in SPECS:
        if spec.name == "children":
            continue
        for number, _, values in parsed[spec.name]:
            own = values.get("child") if "child" in spec.refs else None
            for f_name, target in spec.refs.items():
                if target == "children":
                    continue
                other = child_of(target, values.get(f_name))
                if other is None:
                    continue
                if own is None:
                    own = other
                elif other != own:
                    result.problems.append(BundleProblem(
                        spec.file_name, number, f"{f_name}_id",
                        f"This row is about child {own}, but {target}.csv row {values.get(f_name)} is about "
                        f"child {other}: a record and what it refers to must be about the same child.",
                    ))
                    break


def _write(*, by, organisation, parsed: dict[str, list[Row]], counts: dict[str, int]) -> None:
    batch = start_batch(
        kind=Batch.Kind.BUNDLE_IMPORT,
        organisation=organisation,
        by=_user(by),
        description="Case-level bundle",
    )
    new_ids: dict[str, dict[int, int]] = {}
    for spec in SPECS:
        model = spec.model
        extra = {name: value for name, value in (("organisation", organisation), ("batch", batch))
                 if name in {f.name for f in model._meta.concrete_fields}}
        # Keys -> ids now, so codes the bundle brought (written above) are found too.
        keys = {name: lookup.keys(organisation) for name, lookup in spec.codes.items()}
        objects = []
        for _, bundle_id, values in parsed[spec.name]:
            attrs = _attributes(spec, values, keys, new_ids)
            if attrs is not None:
                objects.append((bundle_id, {**attrs, **extra}))
        created = model._default_manager.bulk_create([model(**attrs) for _, attrs in objects], batch_size=1000)
        new_ids[spec.name] = {
            bundle_id: obj.pk for (bundle_id, _), obj in zip(objects, created, strict=True)
        }
        _link_within(spec, parsed[spec.name], new_ids)
    if not parsed["follow_up_checkpoints"]:
        counts["follow_up_checkpoints"] = _work_out_checkpoints(
            by=by, organisation=organisation, parsed=parsed, new_ids=new_ids, batch=batch)
    finish_batch(batch, counts=counts, verb="imported_bundle")


def _attributes(spec: FileSpec, values: dict, keys: dict, new_ids: dict) -> dict | None:
    """A row's model attributes; None when an unknown key cannot be left blank (the row is
    left out, with a notice)."""
    attrs = {}
    for f in spec.fields():
        value = values.get(f.name)
        if f.name in spec.codes:
            attrs[f.attname] = keys[f.name].get(value) if value is not None else None
            if value is not None and attrs[f.attname] is None and not f.null:
                return None
        elif f.name in spec.refs:
            if spec.refs[f.name] != spec.name:  # a reference within the file is set after creating
                attrs[f.attname] = new_ids[spec.refs[f.name]][value] if value is not None else None
        elif f.name in values:  # a column the file leaves out keeps the model's default
            attrs[f.name] = value
    return attrs


def _link_within(spec: FileSpec, rows: list[Row], new_ids: dict) -> None:
    """References between rows of one file (a merged child), once they all exist."""
    for f_name, target in spec.refs.items():
        if target != spec.name:
            continue
        for _, bundle_id, values in rows:
            if values.get(f_name) is not None:
                spec.model._default_manager.filter(pk=new_ids[spec.name][bundle_id]).update(
                    **{f"{f_name}_id": new_ids[target][values[f_name]]}
                )


# Answers to the offer that put a child in a follow-up group (intention to treat).
FOLLOWED_UP = {Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE}


def _work_out_checkpoints(*, by, organisation, parsed: dict[str, list[Row]], new_ids: dict, batch) -> int:
    """A bundle without follow-up checkpoints gets them from its offers (and successfully
    completed episodes), as recording the answer (and closing the episode) would have set
    them, then completed as far as the police data covers them. Returns how many."""
    child_of_referral = {bundle_id: values["child"] for _, bundle_id, values in parsed["referrals"]}
    checkpoints = []
    for _, _, offer in parsed["offers"]:
        if offer.get("child_decision") in FOLLOWED_UP and offer.get("offered_on"):
            checkpoints += new_checkpoints(
                child_id=new_ids["children"][child_of_referral[offer["referral"]]],
                referral_id=new_ids["referrals"][offer["referral"]],
                anchor=Anchor.OFFER, anchor_date=offer["offered_on"],
                group=FollowUpGroup.PARTICIPANT if offer["child_decision"] == Decision.ACCEPTED
                else FollowUpGroup.COMPARISON,
                batch=batch,
            )
    for _, _, episode in parsed["episodes"]:
        if episode.get("successfully_completed") and episode.get("end_date") and episode.get("referral"):
            checkpoints += new_checkpoints(
                child_id=new_ids["children"][episode["child"]],
                referral_id=new_ids["referrals"][episode["referral"]],
                anchor=Anchor.CLOSURE, anchor_date=episode["end_date"], group=FollowUpGroup.PARTICIPANT,
                batch=batch,
            )
    FollowUpCheckpoint.objects.bulk_create(checkpoints, batch_size=1000)
    if checkpoints:
        complete_checkpoints(by=_user(by), organisation=organisation, today=timezone.localdate(), batch=batch)
    return len(checkpoints)


def _user(by):
    return by if getattr(by, "pk", None) else None
