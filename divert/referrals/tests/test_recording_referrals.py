"""Recording a referral and its screening: one of each, and offences checked before anything is kept."""

import datetime as dt

import pytest

from divert.core.errors import DomainError
from divert.offending.models import OffenceType
from divert.referrals import actions as ref

D = dt.date
TODAY = D(2025, 6, 30)


def test_referral_double_submit_is_refused(personas):
    kwargs = dict(by=personas.worker_a, child=personas.child_a, programme=personas.programme, source="school",
                  received_on=D(2025, 6, 1), today=TODAY)
    ref.create_referral(**kwargs)
    with pytest.raises(DomainError, match="already been recorded"):
        ref.create_referral(**kwargs)


def test_screening_twice_is_a_clear_error(personas, open_work):
    with pytest.raises(DomainError):
        ref.screen_referral(by=personas.worker_a, referral=open_work["referral"], decision="opt_in",
                            decided_on=D(2025, 3, 4), today=TODAY)


def test_offence_on_a_referral_is_checked_and_audited(client, personas):
    ot = OffenceType.objects.create(code="CD01", description="Criminal damage", yjb_category="criminal_damage",
                                    seriousness=2)
    client.force_login(personas.worker_a)
    future = dt.date.today() + dt.timedelta(days=30)
    page = client.post(f"/children/{personas.child_a.pk}/referrals/new/", {
        "programme": personas.programme.pk, "source": "police_cr", "received_on_0": "1", "received_on_1": "6",
        "received_on_2": "2025", "offence_type": ot.pk, "offence_date_0": str(future.day),
        "offence_date_1": str(future.month), "offence_date_2": str(future.year)}).content.decode()
    assert "cannot be in the future" in page
    assert not personas.child_a.offences.exists()
