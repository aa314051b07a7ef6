"""The status questions asked at assessment and at closure, and how answers become records."""

from __future__ import annotations

import datetime as dt

from django import forms

from divert.people.actions import end_status, record_status
from divert.people.models import (
    Accommodation,
    CareStatus,
    ETEStatus,
    SENDStatus,
    SubstanceMisuseNeed,
    Suitability,
)

BLANK = [("", "No change")]
YES_NO = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]


def add_status_fields(form: forms.Form, *, current: dict) -> None:
    """Add the status questions to a form, starting from the child's current statuses."""
    f = form.fields
    f["accommodation_type"] = forms.ChoiceField(label="Where the child lives", choices=BLANK + Accommodation.Type.choices,
                                                required=False)
    f["accommodation_suitability"] = forms.ChoiceField(label="Is the accommodation suitable?",
                                                       choices=BLANK + Suitability.choices, required=False)
    f["ete_provision"] = forms.ChoiceField(label="Education, training or employment",
                                           choices=BLANK + ETEStatus.Provision.choices, required=False)
    f["ete_hours_offered"] = forms.DecimalField(label="Hours offered a week (optional)", min_value=0, max_value=60,
                                                required=False, decimal_places=1)
    f["ete_hours_attended"] = forms.DecimalField(label="Hours attended a week (optional)", min_value=0, max_value=60,
                                                 required=False, decimal_places=1)
    f["ete_suitability"] = forms.ChoiceField(label="Is the education, training or employment suitable?",
                                             choices=BLANK + Suitability.choices, required=False)
    f["care"] = forms.MultipleChoiceField(label="Care and support from children's services now",
                                          choices=CareStatus.Kind.choices, widget=forms.CheckboxSelectMultiple,
                                          required=False, initial=current.get("care", []),
                                          help_text="Select all that apply today")
    f["send_need"] = forms.ChoiceField(label="Special educational needs or disability",
                                       choices=BLANK + SENDStatus.Need.choices, required=False)
    f["send_plan"] = forms.ChoiceField(label="Formal plan", choices=BLANK + SENDStatus.Plan.choices, required=False)
    f["mental_health_need"] = forms.ChoiceField(label="Mental health or emotional wellbeing need identified?",
                                                choices=YES_NO, required=False)
    f["mental_health_offered"] = forms.ChoiceField(label="Mental health support offered or referred?",
                                                   choices=YES_NO, required=False)
    f["substance_need"] = forms.ChoiceField(label="Substance use need identified?", choices=YES_NO, required=False)
    f["substance_level"] = forms.ChoiceField(label="Level of substance use support",
                                             choices=BLANK + SubstanceMisuseNeed.Level.choices, required=False)


def current_statuses(child, day: dt.date) -> dict:
    """The child's current statuses, to start the form from."""
    return {"care": list(CareStatus.objects.current_on(day).filter(child=child).values_list("kind", flat=True))}


def apply_status_answers(*, by, child, data: dict, day: dt.date, today: dt.date, source: str) -> int:
    """Turn the answers into dated status records (via the people actions); returns how many changed."""
    changed = 0
    if data.get("accommodation_type"):
        record_status(by=by, child=child, status="accommodation", start_date=day, today=today, source=source,
                      type=data["accommodation_type"],
                      suitability=data.get("accommodation_suitability") or Suitability.UNKNOWN)
        changed += 1
    if data.get("ete_provision"):
        record_status(by=by, child=child, status="ete", start_date=day, today=today, source=source,
                      provision=data["ete_provision"], suitability=data.get("ete_suitability") or Suitability.UNKNOWN,
                      hours_offered=data.get("ete_hours_offered"), hours_attended=data.get("ete_hours_attended"))
        changed += 1
    if "care" in data:
        wanted = set(data.get("care") or [])
        current = {r.kind: r for r in CareStatus.objects.current_on(day).filter(child=child)}
        for kind in wanted - set(current):
            record_status(by=by, child=child, status="care", start_date=day, today=today, source=source, kind=kind)
            changed += 1
        for kind in set(current) - wanted:
            end_status(by=by, record=current[kind], end_date=max(day - dt.timedelta(days=1), current[kind].start_date),
                       today=today)
            changed += 1
    if data.get("send_need"):
        record_status(by=by, child=child, status="send", start_date=day, today=today, source=source,
                      need=data["send_need"], plan=data.get("send_plan") or SENDStatus.Plan.NONE)
        changed += 1
    if data.get("mental_health_need") == "yes":
        offered = day if data.get("mental_health_offered") == "yes" else None
        record_status(by=by, child=child, status="mental_health", start_date=day, today=today, source=source,
                      offered_on=offered)
        changed += 1
    if data.get("substance_need") == "yes":
        record_status(by=by, child=child, status="substance", start_date=day, today=today, source=source,
                      level=data.get("substance_level") or "")
        changed += 1
    return changed

