"""The audit hash chain: sealing, verification naming each kind of tampering, the command."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from divert.audit.actions import record_event
from divert.audit.chain import seal_all, seal_events, verify_chain
from divert.audit.models import AuditEvent, AuditSeal

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def _raw(sql, params):
    # Tampering goes straight to the database, as an attacker with SQL access would.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _kinds(report):
    return {(p.kind, p.event_id) for p in report.problems}


def test_sealing_then_verifying_a_clean_chain(personas):
    expected = AuditEvent.objects.filter(organisation=personas.north).count()
    seals = seal_all(organisation=personas.north, now=NOW)
    assert [s.sequence for s in seals] == [1]
    assert seals[0].event_count == expected
    assert len(seals[0].hash) == 64 and seals[0].previous_hash == ""
    assert not AuditEvent.objects.filter(organisation=personas.north, seal_id__isnull=True).exists()
    report = verify_chain(organisation=personas.north)
    assert report.ok, report.problems
    assert (report.seals, report.events, report.unsealed) == (1, expected, 0)


def test_nothing_to_seal_makes_no_seal(personas):
    seal_all(organisation=personas.north, now=NOW)
    assert seal_events(organisation=personas.north, now=NOW) is None
    assert AuditSeal.objects.filter(organisation=personas.north).count() == 1


def test_events_written_after_a_seal_go_into_the_next_one(personas):
    first = seal_events(organisation=personas.north, now=NOW)
    event = record_event(
        by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
    )
    assert verify_chain(organisation=personas.north).unsealed == 1
    second = seal_events(organisation=personas.north, now=NOW + dt.timedelta(minutes=5))
    assert second.sequence == 2 and second.previous_hash == first.hash
    assert second.event_count == 1 and second.first_event_id == event.pk
    event.refresh_from_db()
    assert event.seal_id == second.pk
    assert verify_chain(organisation=personas.north).ok


def test_a_large_backlog_is_sealed_over_several_seals(personas):
    for _ in range(5):
        record_event(
            by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
        )
    while seal_events(organisation=personas.north, now=NOW, limit=3):
        pass
    assert AuditSeal.objects.filter(organisation=personas.north).count() > 1
    assert verify_chain(organisation=personas.north).ok


def test_organisations_seal_independently(personas):
    seal_all(organisation=personas.north, now=NOW)
    south_unsealed = AuditEvent.objects.filter(
        organisation=personas.south, seal_id__isnull=True
    ).count()
    assert south_unsealed > 0
    south = seal_all(organisation=personas.south, now=NOW)
    assert [s.sequence for s in south] == [1] and south[0].previous_hash == ""
    assert south[0].event_count == south_unsealed
    north_ids = set(
        AuditEvent.objects.filter(organisation=personas.north).values_list("seal_id", flat=True)
    )
    assert north_ids.isdisjoint({s.pk for s in south})
    # Tampering with one organisation's trail does not show up in the other's.
    event = AuditEvent.objects.filter(organisation=personas.south).first()
    _raw("UPDATE audit_auditevent SET verb = %s WHERE id = %s", ["nothing_happened", event.pk])
    assert verify_chain(organisation=personas.north).ok
    assert not verify_chain(organisation=personas.south).ok


EDITS = {
    "verb": ("UPDATE audit_auditevent SET verb = %s WHERE id = %s", "nothing_happened"),
    "details": ("UPDATE audit_auditevent SET details = %s WHERE id = %s", '{"fields": []}'),
}


@pytest.mark.parametrize("column", EDITS)
def test_an_edited_event_is_named(personas, column):
    event = record_event(
        by=personas.worker_a,
        verb="updated_child",
        obj=personas.child_a,
        child=personas.child_a,
        details={"fields": ["school"]},
    )
    seal = seal_all(organisation=personas.north, now=NOW)[0]
    sql, value = EDITS[column]
    _raw(sql, [value, event.pk])
    report = verify_chain(organisation=personas.north)
    assert _kinds(report) == {("edited_event", event.pk)}
    assert report.problems[0].seal_sequence == seal.sequence
    assert f"Event {event.pk} in seal 1 has been edited" in report.problems[0].message


def test_an_edited_time_is_named(personas):
    event = AuditEvent.objects.filter(organisation=personas.north).latest("id")
    seal_all(organisation=personas.north, now=NOW)
    AuditEvent.objects.filter(pk=event.pk).update(at=event.at - dt.timedelta(days=1))
    assert _kinds(verify_chain(organisation=personas.north)) == {("edited_event", event.pk)}


def test_a_deleted_event_is_named(personas):
    event = record_event(
        by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
    )
    seal_all(organisation=personas.north, now=NOW)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    report = verify_chain(organisation=personas.north)
    assert _kinds(report) == {("deleted_event", event.pk)}


def test_a_deleted_event_dropped_from_its_seal_breaks_the_seal(personas):
    event = record_event(
        by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
    )
    seal = seal_all(organisation=personas.north, now=NOW)[0]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    digests = [d for d in seal.event_digests if d[0] != event.pk]
    AuditSeal.objects.filter(pk=seal.pk).update(event_digests=digests, event_count=len(digests))
    kinds = {p.kind for p in verify_chain(organisation=personas.north).problems}
    assert "seal_altered" in kinds


def test_a_rewritten_seal_breaks_the_link_to_the_next(personas):
    first = seal_events(organisation=personas.north, now=NOW)
    record_event(
        by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
    )
    seal_events(organisation=personas.north, now=NOW)
    AuditSeal.objects.filter(pk=first.pk).update(hash="0" * 64)
    kinds = {(p.kind, p.seal_sequence) for p in verify_chain(organisation=personas.north).problems}
    assert kinds == {("seal_altered", 1), ("broken_link", 2)}


def test_an_event_stamped_with_a_seal_it_is_not_in_is_named(personas):
    seal = seal_all(organisation=personas.north, now=NOW)[0]
    event = record_event(
        by=personas.worker_a, verb="viewed_child", obj=personas.child_a, child=personas.child_a
    )
    AuditEvent.objects.filter(pk=event.pk).update(seal_id=seal.pk)
    assert _kinds(verify_chain(organisation=personas.north)) == {("stamped_not_in_seal", event.pk)}
    AuditEvent.objects.filter(pk=event.pk).update(seal_id=seal.pk + 1000)
    assert _kinds(verify_chain(organisation=personas.north)) == {
        ("stamped_with_unknown_seal", event.pk)
    }


def test_seal_command_seals_every_organisation_and_verify_says_ok(personas, capsys):
    call_command("audit", "seal")
    assert not AuditEvent.objects.filter(organisation__isnull=False, seal_id__isnull=True).exists()
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "north: OK" in out and "south: OK" in out


def test_seal_command_for_one_organisation(personas):
    call_command("audit", "seal", "--org", "south")
    assert AuditSeal.objects.filter(organisation=personas.south).exists()
    assert not AuditSeal.objects.filter(organisation=personas.north).exists()


def test_verify_command_exits_non_zero_naming_the_problem(personas, capsys):
    call_command("audit", "seal", "--org", "north")
    event = AuditEvent.objects.filter(organisation=personas.north).latest("id")
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify", "--org", "north")
    assert raised.value.returncode == 2
    assert f"Event {event.pk} in seal 1 has been deleted" in capsys.readouterr().out


def test_command_rejects_an_unknown_organisation(personas):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("audit", "verify", "--org", "nowhere")
