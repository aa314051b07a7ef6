"""Contacts: recorded by one action (page and API alike), shown in full on the child's record
and timeline, and counted as the child's last contact everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from divert.accounts.actions import issue_token
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import Contact, last_contact_on
from divert.core.errors import DomainError
from divert.people.models import Child
from divert.web.work import due_items

pytestmark = pytest.mark.usefixtures("frozen")
NOW = timezone.make_aware(dt.datetime(2025, 6, 30, 12, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _contact(personas, **overrides) -> Contact:
    details = {"by": personas.worker_a, "child": personas.child_a, "contacted_at": _at(dt.date(2025, 6, 2)),
               "now": NOW, "type": "home_visit", "with_whom": "parent_carer",
               "summary": "Talked with mum about school mornings.", "duration_minutes": 45}
    return cw.record_contact(**{**details, **overrides})


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_a_contact_joins_the_open_episode_and_is_audited_with_ids_only(personas, open_work):
    contact = _contact(personas, others_present="Aunt Jo")
    assert contact.episode == open_work["episode"]
    assert contact.worker == personas.worker_a
    event = AuditEvent.objects.get(verb="recorded_contact")
    assert event.child_id == personas.child_a.pk and event.object_id == contact.pk
    assert event.details == {"type": "home_visit", "with": "parent_carer"}
    # The summary and the names of others present are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary, others_present FROM casework_contact WHERE id = %s", [contact.pk])
        summary, others = cursor.fetchone()
    assert "school" not in summary and "Jo" not in others
    assert Contact.objects.get(pk=contact.pk).summary == "Talked with mum about school mornings."


def test_a_contact_before_any_support_belongs_to_the_child(personas):
    contact = _contact(personas, type="phone", with_whom="child")
    assert contact.episode is None and contact.child == personas.child_a


@pytest.mark.parametrize(("overrides", "field"), [
    ({"type": "carrier_pigeon"}, "type"),
    ({"with_whom": "neighbour"}, "with_whom"),
    ({"summary": "  "}, "summary"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 601}, "duration_minutes"),
    ({"contacted_at": NOW + dt.timedelta(hours=1)}, "contacted_at"),
])
def test_record_contact_refuses_what_is_not_allowed(personas, open_work, overrides, field):
    with pytest.raises(DomainError) as refused:
        _contact(personas, **overrides)
    assert refused.value.field == field
    assert not Contact.objects.exists()


def test_the_page_records_a_contact_shown_in_full_on_the_record_and_timeline(client, personas, open_work):
    client.force_login(personas.worker_a)
    child_page = f"/children/{personas.child_a.pk}/"
    assert f"/children/{personas.child_a.pk}/contacts/new/" in client.get(child_page).content.decode()
    response = client.post(f"/children/{personas.child_a.pk}/contacts/new/", {
        **_date("contacted_at", dt.date(2025, 6, 20)), "time": "14:30", "type": "school",
        "with_whom": "partner_agency", "others_present": "Head of year", "duration_minutes": "30",
        "summary": "Agreed a reduced timetable for two weeks."})
    contact = Contact.objects.get()
    assert response.status_code == 302 and response.url == f"{child_page}#contact-{contact.pk}"
    assert timezone.localtime(contact.contacted_at) == _at(dt.date(2025, 6, 20), 14) + dt.timedelta(minutes=30)
    page = client.get(child_page).content.decode()
    assert f'id="contact-{contact.pk}"' in page
    assert "Agreed a reduced timetable for two weeks." in page  # in full, folded in details
    assert "govuk-details" in page and "Head of year" in page and "30 minutes" in page
    assert f'href="#contact-{contact.pk}">Contact: At school or college</a>' in page  # the timeline links to it


def test_the_page_shows_the_actions_refusal_on_the_form(client, personas, open_work):
    client.force_login(personas.worker_a)
    response = client.post(f"/children/{personas.child_a.pk}/contacts/new/", {
        **_date("contacted_at", dt.date(2025, 6, 20)), "time": "14:30", "type": "fax",
        "with_whom": "child", "summary": "Note"})
    assert response.status_code == 200
    assert "Choose how the contact took place from the list." in response.content.decode()
    assert not Contact.objects.exists()


def test_other_teams_cannot_record_or_see_a_contact(client, personas, open_work):
    contact = _contact(personas)
    client.force_login(personas.worker_b)
    assert client.get(f"/children/{personas.child_a.pk}/contacts/new/").status_code == 404
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=personas.worker_b, name='t')[1]}"}
    assert client.get(f"/api/contacts/{contact.pk}/", **headers).status_code == 404
    response = client.post("/api/contacts/", {
        "child": personas.child_a.pk, "contacted_at": "2025-06-20T10:00:00+01:00", "type": "phone",
        "with_whom": "child", "summary": "Call"}, content_type="application/json", **headers)
    assert response.status_code == 404
    assert Contact.objects.count() == 1


def test_the_api_records_and_lists_contacts_with_the_same_rules(client, personas, open_work):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=personas.worker_a, name='t')[1]}"}
    body = {"child": personas.child_a.pk, "contacted_at": "2025-06-20T10:00:00+01:00", "type": "message",
            "with_whom": "parent_carer", "summary": "Texted dad the session time."}
    created = client.post("/api/contacts/", body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["episode"] == open_work["episode"].pk
    listed = client.get("/api/contacts/", **headers).json()["results"]
    assert [c["summary"] for c in listed] == ["Texted dad the session time."]
    refused = client.post("/api/contacts/", {**body, "with_whom": "neighbour"}, content_type="application/json",
                          **headers)
    assert refused.status_code == 400
    assert refused.json() == {"with_whom": ["Choose who the contact was with from the list."]}


def test_last_contact_is_the_latest_session_or_contact(personas, open_work):
    def last():
        return Child.objects.annotate(last=last_contact_on()).get(pk=personas.child_a.pk).last

    assert last() == dt.date(2025, 3, 10)  # the session in open_work
    _contact(personas, contacted_at=_at(dt.date(2025, 6, 2)))
    assert last() == dt.date(2025, 6, 2)
    assert Child.objects.annotate(last=last_contact_on()).get(pk=personas.child_b.pk).last is None


def test_a_contact_restarts_the_session_gap_on_my_work(personas, open_work):
    today = dt.date(2025, 6, 30)
    children = Child.objects.filter(pk=personas.child_a.pk)

    def session_due():
        items, _ = due_items(user=personas.worker_a, children=children, today=today)
        return next(item.due_on for item in items if item.task == "Session")

    assert session_due() == dt.date(2025, 3, 24)  # 14 days after the session on 10 March
    _contact(personas, contacted_at=_at(dt.date(2025, 6, 25)))
    assert session_due() == dt.date(2025, 7, 9)  # 14 days after the contact


def test_a_contact_can_be_marked_as_recorded_in_error(client, personas, open_work):
    contact = _contact(personas)
    client.force_login(personas.worker_a)
    response = client.post(f"/recorded-in-error/contact/{contact.pk}/", {"reason": "Wrong child"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_void
