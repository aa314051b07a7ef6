"""Subject access export: every section, escaped HTML in the PDF, scoped, audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib

import pypdf
import pytest
from django.core.management import call_command
from django.utils import timezone

from divert.audit.models import AuditEvent
from divert.core.pdf import LocalOnlyFetcher
from divert.people.actions import create_child
from divert.people.models import DetailChange
from divert.privacy.actions import merge_children
from divert.privacy.retention import child_relations
from divert.privacy.sar import (
    COVERED,
    FORMAT_VERSION,
    subject_access_data,
    subject_access_html,
    subject_access_pdf,
)

from .conftest import XSS

pytestmark = pytest.mark.django_db

SECTIONS = {
    "format", "version", "generated_at", "generated_by", "organisation", "child", "status_records",
    "referrals", "episodes", "contacts", "follow_up_checkpoints", "management_oversight", "case_audits", "offences", "arrests", "merge_history",
    "rectification_history", "allocations", "restrictions", "audit_trail", "withheld",
}


def _page_count(pdf: bytes) -> int:
    """The page tree's /Count, read from the PDF's (compressed) object streams."""
    counts = [int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf)]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)", zlib.decompress(match.group(1)))]
        except zlib.error:
            continue
    return max(counts, default=0)


def _url(child, suffix=""):
    return f"/privacy/children/{child.pk}/{suffix}"


def _data(personas):
    return subject_access_data(personas.child_a, generated_by=personas.service_manager,
                               generated_at=dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC))


def test_every_model_holding_child_records_is_in_the_export_or_withheld_on_purpose():
    missing = {m._meta.label_lower for m in child_relations()} - set(COVERED)
    assert not missing, f"Add {sorted(missing)} to the subject access export (sar.COVERED)"


def test_json_contains_every_section(personas, pathway):
    data = _data(personas)
    assert set(data) == SECTIONS
    assert data["version"] == FORMAT_VERSION
    assert data["child"]["first_name"] == "Alfie" and data["child"]["date_of_birth"] == "2010-03-14"
    assert data["child"]["ethnic_group"] == "White"
    referral = data["referrals"][0]
    assert referral["screening"]["decision"] == "Prevention worker support"
    assert referral["offer"]["child_decision"] == "Accepted"
    episode = data["episodes"][0]
    assert episode["assessments"][0]["child_view"] == f"In my words: {XSS}"
    assert episode["plans"][0]["reviews"][0]["notes"] == "Going well"
    assert episode["sessions"][0]["notes"] == "Session notes"
    assert episode["onward_referrals"][0]["service"] == "CAMHS"
    assert episode["scores"][0]["value"] == 4
    assert data["follow_up_checkpoints"]
    assert data["offences"][0]["outcomes"][0]["disposal"] == "Community Resolution"
    assert any(e["what"] == "Created child" for e in data["audit_trail"])
    json.dumps(data)  # plain JSON, nothing else


def test_codes_are_given_in_words_in_the_json_and_the_pdf(personas, pathway):
    data = _data(personas)
    episode = data["episodes"][0]
    assert data["referrals"][0]["screening"]["concerns"] == ["Persistent school absence"]
    assert episode["assessments"][0]["needs"] == {"Friends and exploitation": "High"}
    assert episode["sessions"][0]["topics"] == ["Emotional regulation and anger"]
    assert {s["item"] for s in episode["scores"]} == {"Confidence", "Managing anger"}
    html = subject_access_html(data)
    for words in ["Persistent school absence", "Friends and exploitation: High", "Emotional regulation and anger",
                  "Managing anger"]:
        assert words in html, words
    for code in ["managing_anger", "school_absence", "emotions", "peers"]:
        assert code not in html, code


def test_victims_details_are_withheld(personas, pathway):
    data = _data(personas)
    offence = data["offences"][0]
    assert offence["victims_recorded"] == 1
    assert "Vera" not in json.dumps(data)


def test_rectification_and_merge_history_are_included(personas, pathway, today):
    DetailChange.objects.create(child=personas.child_a, field="last_name", old_value="Testchilde",
                                new_value="Testchild", reason="Spelling", changed_by=personas.team_manager)
    duplicate = create_child(by=personas.worker_a, organisation=personas.north, today=today, team=personas.team_a,
                             first_name="Alfred", last_name="Testchild", date_of_birth=dt.date(2010, 3, 14),
                             sex="male", ethnicity="WBRI")
    merge_children(by=personas.team_manager, keep=personas.child_a, duplicate=duplicate, reason="Same child")
    data = _data(personas)
    assert data["rectification_history"][0]["old_value"] == "Testchilde"
    assert data["merge_history"][0]["first_name"] == "Alfred" and data["merge_history"][0]["merged_at"]


def test_html_payload_is_escaped_in_the_pdf(personas, pathway):
    html = subject_access_html(_data(personas))
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "The child&#x27;s own view, in their words" in html


def test_the_payload_reads_back_from_the_pdf_as_plain_text(personas, pathway):
    """Read the PDF's text back: the markup is printed as words, never interpreted."""
    reader = pypdf.PdfReader(io.BytesIO(subject_access_pdf(_data(personas))))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert '<script>alert("x")</script>' in " ".join(text.split())


@pytest.mark.parametrize("persona", ["team_manager", "service_manager"])
def test_managers_download_pdf_and_json_and_each_download_is_audited(client, personas, pathway, persona):
    user = personas.all_users()[persona]
    client.force_login(user)
    page = client.get(_url(personas.child_a))
    assert page.status_code == 200 and "Download as PDF" in page.content.decode()
    pdf = client.get(_url(personas.child_a, "subject-access.pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF")
    assert _page_count(body) > 0
    assert "attachment" in pdf["Content-Disposition"] and "Alfie" not in pdf["Content-Disposition"]
    js = client.get(_url(personas.child_a, "subject-access.json"))
    assert js.status_code == 200 and json.loads(js.content)["child"]["first_name"] == "Alfie"
    events = AuditEvent.objects.filter(verb="exported_subject_access", child_id=personas.child_a.pk)
    assert sorted(e.details["format"] for e in events) == ["json", "pdf"]
    assert all(e.actor_id == user.pk for e in events)


@pytest.mark.parametrize("persona", ["other_org_worker", "worker_b", "performance_officer"])
def test_out_of_scope_or_other_roles_cannot_export(client, personas, persona):
    client.force_login(personas.all_users()[persona])
    for suffix in ("", "subject-access.json", "subject-access.pdf"):
        response = client.get(_url(personas.child_a, suffix))
        assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(verb="exported_subject_access").exists()


def test_a_manager_in_another_organisation_gets_404(client, personas):
    client.force_login(personas.service_manager)
    assert client.get(_url(personas.other_org_child)).status_code == 404
    assert client.get(_url(personas.other_org_child, "subject-access.json")).status_code == 404


def test_team_manager_of_another_team_gets_404(client, personas):
    client.force_login(personas.team_manager)  # team A
    assert client.get(_url(personas.child_b, "subject-access.json")).status_code == 404


def test_command_writes_and_audits(personas, pathway, tmp_path):
    out = tmp_path / "export.json"
    call_command("sar", "--child", str(personas.child_a.pk), "--org", "north", "--format", "json", str(out),
                 "--by", "service_manager")
    assert set(json.loads(out.read_text())) == SECTIONS
    event = AuditEvent.objects.get(verb="exported_subject_access")
    assert event.details == {"format": "json", "via": "command line"}
    with pytest.raises(Exception, match="No child"):
        call_command("sar", "--child", str(personas.other_org_child.pk), "--org", "north", str(out))


def test_the_pdf_fetches_nothing_remote(personas):
    fetcher = LocalOnlyFetcher()
    with pytest.raises(Exception, match="Refused"):
        fetcher.fetch("https://example.org/x.css")
    with pytest.raises(Exception, match="Refused"):
        fetcher.fetch("file:///etc/passwd")
    assert timezone.now()  # the export is stamped by the caller, not inside
