"""The narratives, publishing and files pages: who may do what, and what each audience sees."""

from __future__ import annotations

import pytest
from django.urls import reverse

from divert.audit.models import AuditEvent
from divert.reports import actions
from divert.reports.models import Narrative, PackFile, Publication
from divert.reports.tests.helpers import NOW, Q1

QUERY = "?quarter=2025-26Q1"


def url(name, *args, query=QUERY):
    return reverse(f"reports:{name}", args=args) + query


def publish(personas):
    narrative = actions.write_narrative(by=personas.service_manager, organisation=personas.north, period=Q1,
                                        section="summary", text="Better than last year.", now=NOW)
    actions.approve_narrative(by=personas.service_manager, narrative=narrative, now=NOW)
    return actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1, now=NOW,
                                formats=("pdf",))


def ready(file, data=b"%PDF-1.7 test"):
    PackFile.objects.filter(pk=file.pk).update(status=PackFile.Status.READY, content=data, size=len(data))


def test_the_service_manager_writes_approves_and_publishes_through_the_pages(client, personas):
    client.force_login(personas.service_manager)
    form = client.get(url("narrative", "kpis"))
    assert form.status_code == 200 and "What this shows, what we are doing" in form.content.decode()
    token = form.context["form_token"]
    saved = client.post(url("narrative", "kpis"), {"text": "Completion is up.", "form_token": token})
    assert saved.status_code == 302 and saved["Location"] == url("narratives")
    page = client.get(url("narratives")).content.decode()
    assert "Completion is up." in page and "Draft" in page and "Approve the draft narrative for" in page
    client.post(url("narrative_approve", "kpis"))
    assert Narrative.objects.get().status == Narrative.Status.APPROVED
    refused = client.post(url("publish"))
    assert refused.status_code == 302 and not Publication.objects.exists()
    published = client.post(url("publish"), {"confirm": "yes"})
    assert published["Location"] == url("files")
    assert Publication.objects.get().narratives == {"kpis": "Completion is up."}
    files = client.get(url("files")).content.decode()
    assert "Published pack" in files and "Refresh to see progress" in files


def test_an_empty_narrative_is_shown_in_the_error_summary(client, personas):
    client.force_login(personas.service_manager)
    token = client.get(url("narrative", "kpis")).context["form_token"]
    page = client.post(url("narrative", "kpis"), {"text": "  ", "form_token": token}).content.decode()
    assert "There is a problem" in page and "Enter what this section shows" in page


@pytest.mark.parametrize("persona", ["performance_officer", "board_member", "commissioner", "worker_a"])
def test_only_the_service_manager_may_write(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(url("narrative", "kpis")).status_code == 403


@pytest.mark.parametrize("persona", ["board_member", "commissioner", "team_manager"])
def test_board_members_and_commissioners_never_see_unpublished_narratives(client, personas, persona):
    actions.write_narrative(by=personas.service_manager, organisation=personas.north, period=Q1, section="kpis",
                            text="Draft thinking.", now=NOW)
    client.force_login(getattr(personas, persona))
    assert client.get(url("narratives")).status_code == 403


def test_a_board_member_downloads_only_the_published_pack(client, personas):
    working = actions.request_pack_files(by=personas.service_manager, organisation=personas.north, period=Q1,
                                         formats=["pdf"], suppressed=False, now=NOW)[0]
    ready(working)
    client.force_login(personas.board_member)
    before = client.get(url("files")).content.decode()
    assert "has not been published" in before and "Make the files" not in before
    assert client.get(url("download", working.pk, query="")).status_code == 404

    publication = publish(personas)
    published = PackFile.objects.get(publication=publication)
    ready(published)
    page = client.get(url("files")).content.decode()
    assert "Published pack" in page and "Working copy" not in page and "Make the files" in page
    assert "A working copy" not in page
    got = client.get(url("download", published.pk, query=""))
    assert got.status_code == 200 and got.content == b"%PDF-1.7 test"
    assert got["Content-Disposition"] == 'attachment; filename="board-pack-north-2025-26Q1-published.pdf"'
    assert AuditEvent.objects.filter(verb="downloaded_pack_file", object_id=published.pk,
                                     actor=personas.board_member).exists()


def test_a_board_member_may_only_ask_for_the_published_pack(client, personas):
    publish(personas)
    client.force_login(personas.board_member)
    token = client.get(url("files")).context["form_token"]
    page = client.post(url("files"), {"kind": "working", "formats": ["xlsx"], "form_token": token})
    assert "Choose which pack to make" in page.content.decode()
    client.post(url("files"), {"kind": "published", "formats": ["xlsx"], "form_token": token})
    made = PackFile.objects.get(format="xlsx")
    assert made.publication is not None and made.requested_by == personas.board_member


def test_a_commissioner_sees_the_published_packs_of_the_programmes_it_funds(client, personas):
    actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1,
                         programme=personas.programme, now=NOW, formats=("pdf",))
    file = PackFile.objects.get()
    ready(file)
    client.force_login(personas.commissioner)
    assert client.get(url("files")).status_code == 404  # a commissioner names the programme
    page = client.get(url("files", query=f"{QUERY}&programme={personas.programme.pk}"))
    assert page.status_code == 200 and "Published pack" in page.content.decode()
    assert client.get(url("download", file.pk, query="")).status_code == 200


def test_another_organisations_manager_cannot_download_the_pack(client, personas):
    publish(personas)
    file = PackFile.objects.get()
    ready(file)
    other = personas.other_org_worker
    client.force_login(other)
    assert client.get(url("download", file.pk, query="")).status_code in (403, 404)


@pytest.mark.parametrize("query", ["?quarter=2025-26", "?quarter=rubbish", "?quarter=2025-26Q1&programme=999999",
                                   "?quarter=2025-26Q1&programme=x"])
def test_a_bad_quarter_or_programme_is_not_found(client, personas, query):
    client.force_login(personas.service_manager)
    assert client.get(url("files", query=query)).status_code == 404


def test_a_board_member_cannot_ask_for_an_unpublished_quarter(client, personas):
    client.force_login(personas.board_member)
    assert client.get(url("files", query="?quarter=2099-00Q1")).status_code == 404


def test_the_schedule_is_set_from_the_files_page(client, personas):
    client.force_login(personas.performance_officer)
    client.post(url("schedule"), {"formats": ["pdf"]})
    assert "made as PDF" in client.get(url("files")).content.decode()


def test_the_pack_page_shows_drafts_to_managers_and_only_published_narratives_to_the_board(client, personas):
    actions.write_narrative(by=personas.service_manager, organisation=personas.north, period=Q1, section="kpis",
                            text="Draft thinking.", now=NOW)
    client.force_login(personas.board_member)
    page = client.get(reverse("reports:pack") + QUERY).content.decode()
    assert "Draft thinking." not in page and "Narratives and publishing" not in page
    assert "Download as PDF" not in page  # nothing published yet
    client.force_login(personas.service_manager)
    page = client.get(reverse("reports:pack") + QUERY).content.decode()
    assert "Draft thinking." in page and "Draft, not published" in page and "Narratives and publishing" in page


def test_the_board_reads_the_published_narratives_on_the_pack_page(client, personas):
    publish(personas)
    client.force_login(personas.board_member)
    page = client.get(reverse("reports:pack") + QUERY).content.decode()
    assert "Better than last year." in page and "This pack was published on 1 September 2025" in page
    assert "Download as PDF or spreadsheet" in page and "not published" not in page
