"""Named actions for organisations, teams and users. Each is atomic and audited."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from divert.accounts.models import (
    ApiToken,
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
from divert.core.crypto import keyed_hash
from divert.core.errors import DomainError

# An organisation's short name, as used in --org and URLs.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@transaction.atomic
def create_organisation(*, by, name: str, slug: str, **fields) -> Organisation:
    """Create an organisation (a tenant)."""
    if not name.strip():
        raise DomainError("Give the organisation a name.", field="name")
    if not SLUG.fullmatch(slug or ""):
        raise DomainError(
            "The short name must be lower-case letters, digits and hyphens, e.g. 'northbridge-yjs'.",
            field="slug",
        )
    if fields.get("kind", Organisation.Kind.YJS) not in Organisation.Kind.values:
        raise DomainError(f"The kind must be one of {', '.join(Organisation.Kind.values)}.", field="kind")
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
    """Deactivate a leaver: their sessions end and their API tokens stop working at once.

    (An inactive user's session is refused on its next request anyway; deleting the stored
    sessions as well leaves nothing to revive if the account is ever reactivated.)"""
    _same_organisation(by, user)
    if by is not None and by.pk == user.pk:
        raise DomainError("You cannot deactivate your own account: ask another administrator.")
    if not user.is_active:
        raise DomainError("This account is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens = user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    ended = _end_sessions(user)
    record_event(
        by=by, verb="deactivated_user", obj=user, organisation=user.organisation_id,
        details={"tokens_revoked": tokens, "sessions_ended": ended},
    )
    return user


def _end_sessions(user: User) -> int:
    """Delete every stored session signed in as `user`; returns how many ended.

    Sessions live at most the idle timeout, so the stored ones are few (those of people
    signed in now); each is decoded to find its user.
    """
    ended = [
        s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _same_organisation(by, user: User) -> None:
    """Administrators manage their own organisation's users only."""
    if by is not None and getattr(by, "organisation_id", None) != user.organisation_id:
        raise DomainError("You can only manage users in your own organisation.")


ADMINISTRABLE_ROLES = [r for r in Role if r != Role.COMMISSIONER]


@transaction.atomic
def set_user_roles(*, by, user: User, roles: Iterable[str], teams: Iterable[Team] = ()) -> User:
    """Replace a user's roles and team memberships."""
    _same_organisation(by, user)
    roles = sorted({Role(r) for r in roles})
    if not roles:
        raise DomainError("Choose at least one role.", field="roles")
    if Role.COMMISSIONER in roles and user.commissioner_id is None:
        raise DomainError("Only a commissioner's user can hold the commissioner role.", field="roles")
    if by is not None and by.pk == user.pk and Role.ADMINISTRATOR not in roles:
        raise DomainError("You cannot remove your own administrator role: ask another administrator.",
                          field="roles")
    if by is not None and by.pk == user.pk and set(roles) - set(user.roles):
        # Separation of duties: an administrator sees no child's record, and must not be able
        # to grant themselves a role that does.
        raise DomainError("You cannot give yourself a new role: ask another administrator.", field="roles")
    teams = list(teams)
    if any(t.organisation_id != user.organisation_id for t in teams):
        raise DomainError("A user can only join teams in their own organisation.", field="teams")
    before = sorted(user.roles)
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles if r not in existing])
    user.teams.set(teams)
    user.__dict__.pop("roles", None)  # the cached property
    record_event(
        by=by, verb="changed_user_roles", obj=user, organisation=user.organisation_id,
        details={"before": before, "after": [str(r) for r in roles], "teams": [t.pk for t in teams]},
    )
    return user


@transaction.atomic
def reset_user_mfa(*, by, user: User) -> User:
    """Remove a user's authenticator app and recovery codes (a lost phone) and end their sessions.

    If their organisation requires MFA they set it up again at their next sign-in."""
    _same_organisation(by, user)
    if by is not None and by.pk == user.pk:
        # Their own is removed from their security page, which asks them to confirm it is them.
        raise DomainError("You cannot reset your own two-factor authentication: ask another administrator.")
    removed, _ = Authenticator.objects.filter(user=user).delete()
    ended = _end_sessions(user)
    record_event(
        by=by, verb="reset_user_mfa", obj=user, organisation=user.organisation_id,
        details={"authenticators_removed": removed, "sessions_ended": ended},
    )
    return user


@transaction.atomic
def set_user_password(*, by, user: User, password: str) -> User:
    """Give a user a new password (a forgotten one) and end their sessions."""
    _same_organisation(by, user)
    if by is not None and by.pk == user.pk:
        # Changing one's own password asks for the current one (account/password/).
        raise DomainError("You cannot set your own password here: change it from your sign-in security page.",
                          field="password")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error
    user.set_password(password)
    user.save(update_fields=["password"])
    ended = _end_sessions(user)
    record_event(
        by=by, verb="set_user_password", obj=user, organisation=user.organisation_id,
        details={"sessions_ended": ended},
    )
    return user


@transaction.atomic
def set_mfa_required(*, by, organisation: Organisation, required: bool) -> Organisation:
    """Require (or stop requiring) two-factor authentication for everyone in an organisation."""
    if by is not None and getattr(by, "organisation_id", None) != organisation.pk:
        raise DomainError("You can only change your own organisation's sign-in rules.")
    before = organisation.mfa_required
    organisation.mfa_required = required
    organisation.save(update_fields=["mfa_required"])
    record_event(
        by=by, verb="changed_mfa_rule", obj=organisation, organisation=organisation,
        details={"before": before, "after": required},
    )
    return organisation


TOKEN_PREFIX = "dvt_"  # noqa: S105 - a public prefix, not a secret


TOKEN_DAYS_RANGE = range(1, 366)


def issue_token(*, user, name: str, days: int | None = None, now=None) -> tuple[ApiToken, str]:
    """Create a token for `user` lasting `days` (1-365; default the setting); the secret is shown once."""
    if days is None:
        days = settings.API_TOKEN_DAYS
    if days not in TOKEN_DAYS_RANGE:
        raise DomainError(
            f"A token must last between {TOKEN_DAYS_RANGE.start} and {TOKEN_DAYS_RANGE.stop - 1} days.",
            field="days",
        )
    now = now or timezone.now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=keyed_hash(secret, purpose="api-token"),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, secret
