"""The local demo: synthetic data for a fictional city, and the logins to explore it."""

from __future__ import annotations

import datetime as dt

from divert.accounts.models import Organisation, Role, User
from divert.synth import organisations as orgs
from divert.synth.generator import DEFAULT_TODAY, generate
from divert.synth.organisations import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "demo_logins", "ensure_demo_data"]


def demo_logins() -> list[tuple[str, str]]:
    """(role, username) for each demo user that exists, in the order of the demo's plan."""
    planned = [(Role(c.user.role).label, c.user.username) for c in orgs.demo_commissioners()]
    for org_plan in orgs.demo_plans(children=0):
        planned.extend(
            (Role(s.role).label + (f" ({s.team})" if s.team else ""), s.username)
            for s in org_plan.staff
        )
    existing = set(
        User.objects.filter(username__in=[u for _, u in planned]).values_list("username", flat=True)
    )
    return [(role, username) for role, username in planned if username in existing]


def ensure_demo_data(*, today: dt.date | None = None, seed: int = 1) -> list[tuple[str, str]]:
    """Load the demo data if the database has no organisations; return the demo logins."""
    if not Organisation.objects.exists():
        generate(scale="demo", seed=seed, today=today or DEFAULT_TODAY)
    return demo_logins()
