"""Named actions for organisations, teams and users. Each is atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from divert.accounts.models import (
    Commissioner,
    Organisation,
    Programme,
    Role,
    RoleGrant,
    Team,
    Tier,
    User,
)
from divert.audit.actions import record_event
from divert.core.errors import DomainError


@transaction.atomic
def create_organisation(*, by, name: str, slug: str, **fields) -> Organisation:
    """Create an organisation (a tenant)."""
    if Organisation.objects.filter(slug=slug).exists():
        raise DomainError(f"An organisation with the short name '{slug}' already exists.", field="slug")
    organisation = Organisation.objects.create(name=name, slug=slug, **fields)
    record_event(by=by, verb="created_organisation", obj=organisation, organisation=organisation)
    return organisation


@transaction.atomic
def create_commissioner(*, by, name: str, slug: str) -> Commissioner:
    """Create a commissioner (e.g. a Violence Reduction Unit)."""
    commissioner = Commissioner.objects.create(name=name, slug=slug)
    record_event(by=by, verb="created_commissioner", obj=commissioner)
    return commissioner


@transaction.atomic
def create_programme(
    *, by, organisation: Organisation, name: str, slug: str, tiers: Iterable[tuple[str, int, int]] = (),
    funded_by: Iterable[Commissioner] = (), **fields
) -> Programme:
    """Create a programme with its tiers: (name, planned sessions, planned weeks)."""
    programme = Programme.objects.create(organisation=organisation, name=name, slug=slug, **fields)
    for number, (tier_name, sessions, weeks) in enumerate(tiers, start=1):
        Tier.objects.create(
            programme=programme, number=number, name=tier_name,
            planned_sessions=sessions, planned_weeks=weeks,
        )
    programme.funded_by.set(list(funded_by))
    record_event(by=by, verb="created_programme", obj=programme, organisation=organisation)
    return programme


@transaction.atomic
def create_team(*, by, organisation: Organisation, name: str, programmes: Iterable[Programme] = ()) -> Team:
    """Create a team in an organisation."""
    team = Team.objects.create(organisation=organisation, name=name)
    programmes = list(programmes)
    if any(p.organisation_id != organisation.pk for p in programmes):
        raise DomainError("A team can only work on its own organisation's programmes.")
    team.programmes.set(programmes)
    record_event(by=by, verb="created_team", obj=team, organisation=organisation)
    return team


@transaction.atomic
def create_user(
    *,
    by,
    username: str,
    password: str | None,
    roles: Iterable[str],
    organisation: Organisation | None = None,
    commissioner: Commissioner | None = None,
    teams: Iterable[Team] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with roles and team memberships."""
    roles = [Role(r) for r in roles]
    if organisation and commissioner:
        raise DomainError("A user belongs to an organisation or a commissioner, not both.")
    if Role.COMMISSIONER in roles and commissioner is None:
        raise DomainError("A commissioner user must belong to a commissioner.")
    teams = list(teams)
    if any(t.organisation_id != getattr(organisation, "pk", None) for t in teams):
        raise DomainError("A user can only join teams in their own organisation.")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"The username '{username}' is taken.", field="username")
    user = User(
        username=username, organisation=organisation, commissioner=commissioner,
        first_name=first_name, last_name=last_name, email=email,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    user.teams.set(teams)
    record_event(
        by=by, verb="created_user", obj=user,
        organisation=organisation, details={"roles": [str(r) for r in roles]},
    )
    return user


@transaction.atomic
def deactivate_user(*, by, user: User) -> User:
    """Deactivate a leaver: they can no longer sign in and their API tokens stop working."""
    from django.utils import timezone

    user.is_active = False
    user.save(update_fields=["is_active"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(by=by, verb="deactivated_user", obj=user, organisation=user.organisation_id)
    return user
