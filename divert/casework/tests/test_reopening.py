"""Reopening a closed episode: follow-up re-anchored on the new closure; never after consent was withdrawn."""

import datetime as dt

import pytest

from divert.casework import actions as cw
from divert.core.errors import DomainError
from divert.referrals import actions as ref

D = dt.date
TODAY = D(2025, 6, 30)


def test_close_reopen_close_as_completed_again(personas, open_work):
    episode = open_work["episode"]
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 5, 1), today=TODAY,
                     reason="completed", successfully_completed=True)
    cw.reopen_episode(by=personas.team_manager, episode=episode, reason="Closed too early")
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 6, 1), today=TODAY,
                     reason="completed", successfully_completed=True)
    current = episode.referral.checkpoints.current().filter(anchor="closure")
    assert sorted(c.anchor_date for c in current) == [D(2025, 6, 1)] * 4


def test_reopen_refuses_after_withdrawal(personas, open_work):
    episode = ref.withdraw_consent(by=personas.worker_a, episode=open_work["episode"], withdrawn_on=D(2025, 4, 1),
                                  today=TODAY, reason="Moved school")
    with pytest.raises(DomainError, match="withdrew"):
        cw.reopen_episode(by=personas.team_manager, episode=episode, reason="Try again")
