"""Narratives: who writes, approves and publishes them, and publishing freezes the pack."""

from __future__ import annotations

import pytest

from divert.audit.models import AuditEvent
from divert.core.errors import DomainError
from divert.reports import actions
from divert.reports.models import NARRATIVE_MAX_LENGTH, Narrative, PackFile, Publication
from divert.reports.tests.helpers import NOW, Q1


def write(personas, section="kpis", text="Completion rose after the new evening sessions.", **kwargs):
    kwargs.setdefault("by", personas.service_manager)
    return actions.write_narrative(organisation=personas.north, period="2025-26Q1", section=section, text=text,
                                   now=NOW, **kwargs)


def test_the_service_manager_writes_and_approves_a_narrative(personas):
    narrative = write(personas)
    assert narrative.status == Narrative.Status.DRAFT
    narrative = actions.approve_narrative(by=personas.service_manager, narrative=narrative, now=NOW)
    assert narrative.status == Narrative.Status.APPROVED and narrative.approved_by == personas.service_manager
    verbs = list(AuditEvent.objects.filter(object_type="reports.narrative", object_id=narrative.pk).values_list("verb", flat=True))
    assert verbs == ["wrote_narrative", "approved_narrative"]


@pytest.mark.parametrize("persona", ["performance_officer", "board_member", "commissioner", "team_manager",
                                     "other_org_worker"])
def test_only_the_service_manager_writes_narratives(personas, persona):
    with pytest.raises(DomainError, match="service managers"):
        write(personas, by=getattr(personas, persona))


def test_a_narrative_is_plain_text_of_limited_length(personas):
    with pytest.raises(DomainError, match="2,000 characters or fewer"):
        write(personas, text="x" * (NARRATIVE_MAX_LENGTH + 1))
    with pytest.raises(DomainError, match="Enter what this section shows"):
        write(personas, text=" \x00 ")
    with pytest.raises(DomainError, match="Choose a section"):
        write(personas, section="nonsense")
    with pytest.raises(DomainError, match="financial quarter"):
        actions.write_narrative(by=personas.service_manager, organisation=personas.north, period="2025-26",
                                section="kpis", text="x", now=NOW)
    assert write(personas, text="  Line one\r\nLine two\x07  ").text == "Line one\nLine two"


def test_changing_an_approved_narrative_needs_approval_again(personas):
    narrative = actions.approve_narrative(by=personas.service_manager, narrative=write(personas), now=NOW)
    again = write(personas, text="Revised.")
    assert again.pk == narrative.pk and again.status == Narrative.Status.DRAFT and again.approved_by is None


def test_a_pack_with_a_draft_narrative_cannot_be_published(personas):
    write(personas)
    with pytest.raises(DomainError, match="Approve the draft narrative for The ten key performance indicators"):
        actions.publish_pack(by=personas.performance_officer, organisation=personas.north, period=Q1, now=NOW,
                             formats=())


def test_publishing_freezes_the_moment_and_the_narratives(personas):
    actions.approve_narrative(by=personas.service_manager, narrative=write(personas), now=NOW)
    publication = actions.publish_pack(by=personas.performance_officer, organisation=personas.north, period=Q1,
                                       now=NOW, formats=("pdf", "xlsx"))
    assert publication.known_on == NOW and str(publication.as_at) == "2025-07-31"
    assert publication.narratives == {"kpis": "Completion rose after the new evening sessions."}
    assert Narrative.objects.get().status == Narrative.Status.PUBLISHED
    assert sorted(PackFile.objects.filter(publication=publication).values_list("format", flat=True)) == [
        "pdf", "xlsx"]
    assert AuditEvent.objects.filter(verb="published_pack", object_id=publication.pk).exists()
    with pytest.raises(DomainError, match="has been published"):
        write(personas, text="Too late.")
    with pytest.raises(DomainError, match="has been published"):
        actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1, now=NOW)
    assert Publication.objects.count() == 1


def test_a_pack_is_published_only_once_its_figures_are(personas):
    early = NOW.replace(month=7, day=30)
    with pytest.raises(DomainError, match="published on 31 July 2025"):
        actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1, now=early)


@pytest.mark.parametrize("persona", ["board_member", "commissioner", "team_manager", "worker_a"])
def test_only_managers_and_performance_officers_publish(personas, persona):
    with pytest.raises(DomainError, match="service managers and performance officers"):
        actions.publish_pack(by=getattr(personas, persona), organisation=personas.north, period=Q1, now=NOW)


def test_a_programme_pack_has_its_own_narratives_and_publication(personas):
    actions.approve_narrative(by=personas.service_manager, narrative=write(personas), now=NOW)
    mine = write(personas, programme=personas.programme, text="For the programme.")
    assert Narrative.objects.count() == 2
    with pytest.raises(DomainError, match="Approve the draft"):
        actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1,
                             programme=personas.programme, now=NOW, formats=())
    actions.approve_narrative(by=personas.service_manager, narrative=mine, now=NOW)
    programme_pack = actions.publish_pack(by=personas.service_manager, organisation=personas.north, period=Q1,
                                          programme=personas.programme, now=NOW, formats=())
    assert programme_pack.narratives == {"kpis": "For the programme."}
    assert Narrative.objects.get(programme__isnull=True).status == Narrative.Status.APPROVED


def test_a_schedule_is_set_and_stopped_by_a_manager(personas):
    schedule = actions.set_pack_schedule(by=personas.performance_officer, organisation=personas.north,
                                         formats=["xlsx", "pdf"])
    assert schedule.formats == ["pdf", "xlsx"]
    assert actions.set_pack_schedule(by=personas.service_manager, organisation=personas.north, formats=[]) is None
    with pytest.raises(DomainError):
        actions.set_pack_schedule(by=personas.board_member, organisation=personas.north, formats=["pdf"])
    assert AuditEvent.objects.filter(verb="set_pack_schedule").count() == 2
