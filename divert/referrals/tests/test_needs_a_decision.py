"""Unknown is not "no": a referral the rules cannot decide waits for a manager's decision."""

import datetime as dt
from types import SimpleNamespace

import pytest

from divert.api.tests.test_api_pathway import _auth
from divert.audit.models import AuditEvent
from divert.core.errors import DomainError
from divert.referrals import actions as ref
from divert.referrals.eligibility import check_eligibility
from divert.referrals.models import Referral

D = dt.date
TODAY = D(2025, 6, 30)


@pytest.fixture
def area_programme(personas):
    personas.programme.area_codes = ["E05000001", "E05000002"]
    personas.programme.save(update_fields=["area_codes"])
    return personas.programme


def _refer(personas, **kw):
    args = dict(by=personas.worker_a, child=personas.child_a, programme=personas.programme, source="school",
                received_on=D(2025, 6, 1), today=TODAY)
    return ref.create_referral(**{**args, **kw})


def test_blank_area_needs_a_decision_not_a_no(personas, area_programme):
    referral = _refer(personas)
    assert (referral.eligibility, referral.stage) == ("undecided", "received")
    assert "area is not recorded" in referral.undecided_reason
    assert Referral.objects.needing_decision().filter(pk=referral.pk).exists()
    assert Referral.objects.on_queue().filter(pk=referral.pk).exists()
    with pytest.raises(DomainError, match="Only an eligible referral"):
        ref.screen_referral(by=personas.worker_a, referral=referral, decision="opt_in", decided_on=TODAY,
                            today=TODAY)


def test_a_rule_that_decides_wins_over_an_unknown(personas, area_programme):
    personas.child_a.date_of_birth = D(2000, 1, 1)
    personas.child_a.save(update_fields=["date_of_birth"])
    referral = _refer(personas)
    assert referral.eligibility == "ineligible" and not referral.undecided_reason


def test_manager_decides_with_a_reason_kept_encrypted_and_audited_by_id(personas, area_programme):
    referral = _refer(personas)
    with pytest.raises(DomainError, match="team or service manager"):
        ref.decide_eligibility(by=personas.worker_a, referral=referral, eligible=True, reason="x", today=TODAY)
    with pytest.raises(DomainError, match="reason"):
        ref.decide_eligibility(by=personas.team_manager, referral=referral, eligible=True, reason=" ", today=TODAY)
    ref.decide_eligibility(by=personas.team_manager, referral=referral, eligible=True,
                           reason="Lives on the border estate we cover", today=TODAY)
    referral.refresh_from_db()
    assert (referral.eligibility, referral.stage) == ("eligible", "received")
    assert referral.eligibility_decided_by == personas.team_manager
    event = AuditEvent.objects.filter(verb="decided_eligibility").get()
    assert "border" not in str(event.details)
    raw = Referral.objects.filter(pk=referral.pk).values_list("eligibility_decision_reason", flat=True)
    assert "border" not in str(list(raw.query.get_compiler("default").execute_sql()))  # stored encrypted
    with pytest.raises(DomainError, match="does not need"):
        ref.decide_eligibility(by=personas.team_manager, referral=referral, eligible=False, reason="x",
                               today=TODAY)


def test_manager_decides_not_eligible_through_the_page(client, personas, area_programme):
    referral = _refer(personas)
    client.force_login(personas.team_manager)
    queue = client.get("/queue/").content.decode()
    assert "Needs a decision" in queue and f"/referrals/{referral.pk}/decide/" in queue
    page = client.post(f"/referrals/{referral.pk}/decide/", {"eligible": "no", "reason": ""}).content.decode()
    assert "Give the reason for the decision" in page
    assert client.post(f"/referrals/{referral.pk}/decide/",
                       {"eligible": "no", "reason": "Moved out of the area"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.eligibility, referral.stage) == ("ineligible", "ineligible")
    assert f"/referrals/{referral.pk}/decide/" not in client.get("/queue/").content.decode()


def test_a_worker_cannot_open_the_decision_page(client, personas, area_programme):
    referral = _refer(personas)
    client.force_login(personas.worker_a)
    assert client.get(f"/referrals/{referral.pk}/decide/").status_code == 403


def test_correcting_the_area_rechecks_open_referrals_through_the_page(client, personas, area_programme):
    referral = _refer(personas)
    client.force_login(personas.worker_a)
    page = client.get(f"/children/{personas.child_a.pk}/details/")
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    dob = data.pop("date_of_birth")
    data.update({"date_of_birth_0": dob.day, "date_of_birth_1": dob.month, "date_of_birth_2": dob.year,
                 "area_code": "E05000001", "reason": "Area was missed at referral"})
    response = client.post(f"/children/{personas.child_a.pk}/details/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    referral.refresh_from_db()
    assert (referral.eligibility, referral.stage) == ("eligible", "received")
    assert AuditEvent.objects.filter(verb="rechecked_eligibility").count() == 1


def test_correcting_to_an_area_outside_makes_it_not_eligible_and_recording_again_is_no_duplicate(
        personas, area_programme):
    referral = _refer(personas)
    ref.correct_child_details(by=personas.worker_a, child=personas.child_a, today=TODAY, area_code="E09999999",
                              reason="Area found")
    referral.refresh_from_db()
    assert referral.eligibility == "ineligible"
    # Corrected again to an area inside: recording the same referral again is not refused.
    ref.correct_child_details(by=personas.worker_a, child=personas.child_a, today=TODAY, area_code="E05000002",
                              reason="Wrong ward typed")
    again = _refer(personas)
    assert again.eligibility == "eligible"


def test_a_decided_referral_is_not_rechecked(personas, area_programme):
    referral = _refer(personas)
    ref.decide_eligibility(by=personas.service_manager, referral=referral, eligible=True, reason="Known family",
                           today=TODAY)
    ref.correct_child_details(by=personas.worker_a, child=personas.child_a, today=TODAY, area_code="E09999999",
                              reason="Area found")
    referral.refresh_from_db()
    assert referral.eligibility == "eligible"


def test_unknown_date_of_birth_is_undecided():
    programme = SimpleNamespace(min_age=10, max_age=17, area_codes=[], referral_sources=[], once_only=False,
                                exclusions=[])
    result = check_eligibility(programme=programme, date_of_birth=None, area_code="", source="school",
                               received_on=TODAY, has_open_work=False, has_taken_part_before=False)
    assert result.undecided and not result.eligible and "date of birth" in result.unknown


def test_api_records_a_referral_that_needs_a_decision(client, personas, area_programme):
    r = client.post("/api/referrals/", {"child": personas.child_a.pk, "programme": personas.programme.pk,
                                        "source": "school", "received_on": "2025-06-01"},
                    content_type="application/json", **_auth(personas.worker_a))
    assert r.status_code == 201, r.content
    assert r.json()["eligibility"] == "undecided"
    assert "area is not recorded" in r.json()["undecided_reason"]


def test_api_decision_uses_the_same_action(client, personas, area_programme):
    referral = _refer(personas)
    url = f"/api/referrals/{referral.pk}/decide/"
    body = {"eligible": True, "reason": "Lives on the border estate we cover"}
    assert client.post(url, body, content_type="application/json", **_auth(personas.worker_a)).status_code == 403
    r = client.post(url, {"eligible": True, "reason": ""}, content_type="application/json",
                    **_auth(personas.team_manager))
    assert r.status_code == 400 and "Give the reason" in str(r.json())
    r = client.post(url, body, content_type="application/json", **_auth(personas.team_manager))
    assert r.status_code == 200, r.content
    assert (r.json()["eligibility"], r.json()["stage"]) == ("eligible", "received")


def test_the_child_record_offers_no_screening_before_the_decision(client, personas, area_programme):
    referral = _refer(personas)
    client.force_login(personas.worker_a)
    screen = f"/referrals/{referral.pk}/screen/"
    page = client.get(f"/children/{personas.child_a.pk}/").content.decode()
    assert "needs a decision" in page and screen not in page
    ref.decide_eligibility(by=personas.team_manager, referral=referral, eligible=True, reason="Known family",
                           today=TODAY)
    assert screen in client.get(f"/children/{personas.child_a.pk}/").content.decode()


def test_my_work_asks_for_no_screening_before_the_decision(client, personas, area_programme):
    _refer(personas)
    client.force_login(personas.worker_a)
    assert not any(i.task == "Screening" for i in client.get("/my-work/").context["items"])
