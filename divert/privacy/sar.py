"""Subject access export: everything held about one child, as JSON (versioned) and PDF.

The JSON structure is documented in docs/operations.md ("Subject access"). Every record
about the child is included, voided ones too (marked), with the audit trail of who has
seen or changed the record. Third parties' data is withheld: victims' details (only the
number of victims recorded is given), other children considered as possible matches, and
who a record was restricted from and why. The `withheld` list says so in the export.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from divert.audit.models import AuditEvent
from divert.core.pdf import html_to_pdf
from divert.people.models import Child

FORMAT_NAME = "divert-subject-access"
FORMAT_VERSION = 1

# Links to the parent record: the export nests records under their parent instead.
PARENT_FIELDS = {"child", "episode", "referral", "plan", "offence", "run"}
# Fields that say nothing to the reader (generated or internal).
SKIP_FIELDS = {"seal_id"}

LABELS = {
    "id": "Reference",
    "child_view": "The child's own view, in their words",
    "goals": "Goals, in the child's own words",
    "ho_outcome_type": "Home Office outcome type",
    "yjb_category": "YJB offence category",
    "ete": "Education, training or employment",
    "send": "Special educational needs or disability",
    "police_id": "Police (PNC) identifier",
    "local_id": "Local identifier",
    "recorded_at": "Recorded",
    "recorded_by": "Recorded by",
    "voided_at": "Marked as recorded in error",
    "voided_by": "Marked in error by",
    "void_reason": "Reason it was marked in error",
}

WITHHELD = [
    "Victims' details are about other people: the export says how many victims were recorded "
    "for each offence, and nothing else about them.",
    "Other children the service considered as possible matches for police data are not included.",
    "Where a record was restricted from a member of staff, the export gives the dates only, "
    "not who it was restricted from or why (that is about the member of staff).",
    "Free-text notes are included in full; check them for information about other people "
    "(family members, other children) before sending the export.",
]


# Every model holding records about a child, and where the export puts it (a test checks
# this against the relations from Child, so a new model gets a decision here).
COVERED = {
    "people.carestatus": "status_records", "people.accommodation": "status_records",
    "people.etestatus": "status_records", "people.sendstatus": "status_records",
    "people.mentalhealthneed": "status_records", "people.substancemisuseneed": "status_records",
    "people.recordrestriction": "restrictions (dates only)",
    "people.processingrestriction": "restrictions", "people.detailchange": "rectification_history",
    "people.allocation": "allocations",
    "people.duplicateattempt": "withheld: details someone entered for a new child who matched this "
                               "record (they may be about another child; a manager decides)",
    "referrals.referral": "referrals", "referrals.screening": "referrals", "referrals.offer": "referrals",
    "casework.episode": "episodes", "casework.assessment": "episodes", "casework.plan": "episodes",
    "casework.planreview": "episodes", "casework.session": "episodes", "casework.contact": "contacts",
    "casework.onwardreferral": "episodes", "casework.measurescore": "episodes",
    "casework.followupcheckpoint": "follow_up_checkpoints",
    "offending.offence": "offences", "offending.outcome": "offences", "offending.arrest": "arrests",
    "victims.victim": "withheld (third party): count per offence only",
    "imports.matchreview": "withheld: police rows waiting for or used in matching, with other children",
    "privacy.anonymisation": "not included: a retention marker, the record is already anonymised",
    "oversight.oversight": "management_oversight", "oversight.caseaudit": "case_audits",
    "oversight.auditgrade": "case_audits", "oversight.audittheme": "case_audits",
    "oversight.auditaction": "case_audits",
}


def _value(obj: models.Model, field: models.Field) -> Any:
    """A field's value as plain JSON: choice labels, names of people, ISO dates."""
    if field.is_relation:
        related = getattr(obj, field.name)
        if related is None:
            return None
        if hasattr(related, "display_name"):
            return related.display_name
        return getattr(related, "name", None) or str(related)
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    output = getattr(field, "output_field", None)
    if output is not None and output.choices:  # a generated column, e.g. the ethnic group
        return dict(output.choices).get(value, value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


# Fields holding codes in a list or map, and the model property giving them in words (the
# labels live with the codes: casework.codes, referrals.codes, the instrument's items).
IN_WORDS = {"topics": "topic_labels", "concerns": "concern_labels", "needs": "need_rows", "item": "item_label"}


def _in_words(obj: models.Model, name: str) -> Any:
    words = getattr(obj, IN_WORDS[name])
    if name == "needs":
        return dict(words)  # domain -> level, both in words
    return words


def record(obj: models.Model, **nested: Any) -> dict[str, Any]:
    """One record: every field (parent links left out), then any nested records."""
    row = {
        field.name: _in_words(obj, field.name) if hasattr(type(obj), IN_WORDS.get(field.name, "-"))
        else _value(obj, field)
        for field in obj._meta.concrete_fields
        if field.name not in PARENT_FIELDS and field.name not in SKIP_FIELDS
    }
    if "batch" in row:
        row["batch"] = f"Import or bulk operation {obj.batch_id}" if obj.batch_id else None
    row.update(nested)
    return row


def _records(queryset, **nested_for) -> list[dict[str, Any]]:
    return [record(obj, **{k: f(obj) for k, f in nested_for.items()}) for obj in queryset]


def _one(obj) -> dict | None:
    return record(obj) if obj is not None else None


def _related_one(obj: models.Model, name: str):
    try:
        return getattr(obj, name)
    except models.ObjectDoesNotExist:
        return None


def subject_access_data(child, *, generated_by, generated_at: dt.datetime) -> dict[str, Any]:
    """Everything held about `child`, as a versioned, JSON-ready dict."""
    merged = list(Child._base_manager.filter(merged_into=child).order_by("pk"))
    child_ids = [child.pk, *(m.pk for m in merged)]
    statuses = {
        "care": child.care_statuses.order_by("start_date", "pk"),
        "accommodation": child.accommodations.order_by("start_date", "pk"),
        "ete": child.ete_statuses.order_by("start_date", "pk"),
        "send": child.send_statuses.order_by("start_date", "pk"),
        "mental_health": child.mental_health_needs.order_by("start_date", "pk"),
        "substance_misuse": child.substance_needs.order_by("start_date", "pk"),
    }
    events = (
        AuditEvent.objects.filter(organisation_id=child.organisation_id, child_id__in=child_ids)
        .select_related("actor").order_by("at", "id")
    )
    merge_events = {
        e.child_id: e.at for e in events if e.verb == "merged_into"
    }
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generated_at": generated_at.isoformat(),
        "generated_by": getattr(generated_by, "display_name", None) or "Command line",
        "organisation": child.organisation.name,
        "child": record(child),
        "status_records": {kind: _records(qs) for kind, qs in statuses.items()},
        "referrals": _records(
            child.referrals.select_related("programme").order_by("received_on", "pk"),
            screening=lambda r: _one(_related_one(r, "screening")),
            offer=lambda r: _one(_related_one(r, "offer")),
        ),
        "episodes": _records(
            child.episodes.select_related("programme", "worker").order_by("start_date", "pk"),
            assessments=lambda e: _records(e.assessments.order_by("assessed_on", "pk")),
            plans=lambda e: _records(e.plans.order_by("agreed_on", "pk"),
                                     reviews=lambda p: _records(p.reviews.order_by("reviewed_on", "pk"))),
            sessions=lambda e: _records(e.sessions.select_related("worker").order_by("date", "pk")),
            onward_referrals=lambda e: _records(e.onward_referrals.order_by("referred_on", "pk")),
            scores=lambda e: _records(e.scores.select_related("instrument").order_by("taken_on", "item", "pk")),
        ),
        "contacts": _records(child.contacts.select_related("worker").order_by("contacted_at", "pk")),
        "follow_up_checkpoints": _records(child.checkpoints.order_by("anchor_date", "months", "pk")),
        "management_oversight": _records(child.oversights.select_related("recorded_by").order_by("decided_on", "pk")),
        "case_audits": _records(
            child.case_audits.select_related("template", "worker", "auditor").order_by("quarter_start", "pk"),
            grades=lambda a: _records(a.grades.select_related("domain").order_by("domain__position")),
            themes=lambda a: [t.theme for t in a.themes.order_by("theme")],
            actions=lambda a: _records(a.actions.select_related("worker", "done_by").order_by("due_on", "pk")),
        ),
        "offences": _records(
            child.offences.order_by("committed_on", "pk"),
            outcomes=lambda o: _records(o.outcomes.order_by("outcome_date", "pk")),
            victims_recorded=lambda o: o.victims.count(),
        ),
        "arrests": _records(child.arrests.order_by("arrested_at", "pk")),
        "merge_history": [
            {**record(m), "merged_at": merge_events[m.pk].isoformat() if m.pk in merge_events else None}
            for m in merged
        ],
        "rectification_history": _records(child.detail_changes.order_by("changed_at", "pk")),
        "allocations": _records(child.allocations.select_related("team", "worker", "from_team", "from_worker")
                                .order_by("allocated_at", "pk")),
        "restrictions": {
            "processing": _records(child.processing_restrictions.order_by("created_at", "pk")),
            "record": [
                {"created_at": r.created_at.isoformat(),
                 "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None}
                for r in child.record_restrictions.order_by("created_at", "pk")
            ],
        },
        "audit_trail": [
            {"at": e.at.isoformat(), "who": e.actor.display_name if e.actor else "System",
             "what": e.verb_label, "record": f"{e.object_type} {e.object_id or ''}".strip()}
            for e in events
        ],
        "withheld": WITHHELD,
    }


# ---- PDF ------------------------------------------------------------------------------

SECTION_HEADINGS = [
    ("child", "About you"),
    ("status_records", "Care, accommodation, education, needs"),
    ("referrals", "Referrals, screening and the offer of support"),
    ("episodes", "Support you received"),
    ("contacts", "Contacts with you, your family and other services"),
    ("follow_up_checkpoints", "Follow-up checks"),
    ("management_oversight", "Decisions managers made about your support"),
    ("case_audits", "Checks managers made of the work with you (case audits)"),
    ("offences", "Offences and their outcomes"),
    ("arrests", "Arrests"),
    ("merge_history", "Records joined with this one"),
    ("rectification_history", "Corrections to your details"),
    ("allocations", "Your team and worker, and why they changed"),
    ("restrictions", "Restrictions on how your record is used"),
    ("audit_trail", "Who has seen or changed your record"),
]


def label(key: str) -> str:
    """A field name as a plain English label."""
    return LABELS.get(key) or key.replace("_", " ").capitalize()


# Shown in the PDF only when they hold something (most records were never voided).
QUIET_WHEN_EMPTY = {"voided_at", "voided_by", "void_reason", "batch", "merged_into"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return f"{dt.date.fromisoformat(value):%-d %B %Y}"
    if isinstance(value, str) and ISO_DATETIME.match(value):
        moment = timezone.localtime(dt.datetime.fromisoformat(value))
        return f"{moment:%-d %B %Y at %H:%M}"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "None"
    return str(value)


def tree(value: Any) -> list[dict[str, Any]]:
    """Turn a record into rows the PDF template renders: plain values, nested records, lists."""
    rows = []
    for key, item in value.items():
        if key in QUIET_WHEN_EMPTY and item in (None, ""):
            continue
        is_record = isinstance(item, dict) and ("id" in item or any(
            isinstance(v, dict | list) for v in item.values()))
        if is_record:
            rows.append({"label": label(key), "children": tree(item)})
        elif isinstance(item, list) and item and all(isinstance(v, dict) for v in item):
            rows.append({"label": label(key), "records": [tree(v) for v in item]})
        elif isinstance(item, list) and not item and key not in ("topics", "concerns"):
            rows.append({"label": label(key), "value": "None recorded"})
        else:
            rows.append({"label": label(key), "value": _shown(item)})
    return rows


def subject_access_html(data: dict[str, Any]) -> str:
    """The export as an HTML page for printing (every value escaped by the template)."""
    sections = []
    for key, heading in SECTION_HEADINGS:
        value = data[key]
        if isinstance(value, list):
            body = {"records": [tree(v) for v in value]} if value else {"empty": True}
        else:
            body = {"rows": tree(value)}
        sections.append({"heading": heading, **body})
    return render_to_string("privacy/subject_access_pdf.html", {"data": data, "sections": sections, "produced": _shown(data["generated_at"])})


def subject_access_pdf(data: dict[str, Any]) -> bytes:
    """The export as a PDF (WeasyPrint; local fonts, no network)."""
    return html_to_pdf(subject_access_html(data))
