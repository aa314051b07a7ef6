"""Small explicit data for the tracker: children offered support on chosen dates."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from divert.casework.actions import close_episode
from divert.imports.actions import get_or_create_source
from divert.imports.formats import LONDON
from divert.offending.models import Arrest, Offence, Outcome
from divert.people.actions import create_child
from divert.referrals import actions as ref
from divert.referrals.models import Referral

D = dt.date
TODAY = D(2027, 1, 4)
_names = itertools.count(1)


@pytest.fixture
def north_data(personas):
    """Helpers that build the north organisation's follow-up data through the actions."""
    return Builder(personas)


class Builder:
    """Children offered support, what the police later recorded, and how complete the data is."""

    def __init__(self, personas):
        self.p = personas
        self.outcomes_source = get_or_create_source(
            by=None, organisation=personas.north, name="Crime outcomes"
        )
        self.arrests_source = get_or_create_source(
            by=None, organisation=personas.north, name="Custody releases", kind="custody_releases"
        )

    def complete_to(self, outcomes: dt.date | None, arrests: dt.date | None = None):
        """Set how far each police source is complete."""
        self.outcomes_source.complete_to = outcomes
        self.outcomes_source.save()
        self.arrests_source.complete_to = arrests if arrests is not None else outcomes
        self.arrests_source.save()

    def child(self, *, offered_on: dt.date, decision: str = "accepted", org=None):
        """A child offered support on `offered_on` who accepted, declined or did not respond."""
        p = self.p
        org = org or p.north
        north = org == p.north
        worker = p.worker_a if north else p.other_org_worker
        child = create_child(
            by=None,
            organisation=org,
            today=TODAY,
            team=p.team_a if north else None,
            worker=worker if north else None,
            first_name=f"Child{next(_names)}",
            last_name="Tracked",
            date_of_birth=D(2010, 5, 1),
            sex="female",
            ethnicity="WBRI",
        )
        programme = p.programme if north else org.programmes.first()
        referral = ref.create_referral(
            by=worker,
            child=child,
            programme=programme,
            source="police_cr",
            received_on=offered_on - dt.timedelta(days=2),
            today=TODAY,
        )
        ref.screen_referral(
            by=worker,
            referral=referral,
            decision="support",
            tier=programme.tiers.order_by("number").last(),
            decided_on=offered_on - dt.timedelta(days=1),
            today=TODAY,
        )
        offer = ref.offer_support(by=worker, referral=referral, offered_on=offered_on, today=TODAY)
        ref.record_consent(
            by=worker,
            offer=offer,
            child_decision=decision,
            parent_decision=decision,
            decided_on=offered_on,
            today=TODAY,
            reason="" if decision == "accepted" else "Not interested",
        )
        child.referral = referral
        return child

    def offence(
        self, child, committed_on: dt.date, *outcomes: tuple[str, dt.date], recorded_at=None
    ):
        """An offence with its outcomes as (disposal, outcome date)."""
        recorded_at = recorded_at or timezone.now()
        offence = Offence.objects.create(
            child=child,
            committed_on=committed_on,
            source=self.outcomes_source,
            recorded_at=recorded_at,
        )
        for disposal, outcome_date in outcomes:
            Outcome.objects.create(
                child=child,
                offence=offence,
                disposal=disposal,
                outcome_date=outcome_date,
                source=self.outcomes_source,
                recorded_at=recorded_at,
            )
        return offence

    def arrest(self, child, day: dt.date):
        """An arrest at noon on `day`."""
        return Arrest.objects.create(
            child=child,
            arrested_at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=LONDON),
            source=self.arrests_source,
        )

    def close(self, child, end_date: dt.date, *, completed=True):
        """Close the child's episode."""
        episode = Referral.objects.get(pk=child.referral.pk).episode
        return close_episode(
            by=self.p.worker_a,
            episode=episode,
            end_date=end_date,
            today=TODAY,
            reason="completed" if completed else "disengaged",
            successfully_completed=completed,
        )
