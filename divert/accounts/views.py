"""Administrators' pages: list, add and change users; deactivate leavers; reset two-factor."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from divert.accounts import actions
from divert.accounts.forms import ConfirmForm, MfaRuleForm, NewUserForm, RolesForm, SetPasswordForm
from divert.accounts.mfa import has_totp
from divert.accounts.models import Role, User
from divert.core.access import allow
from divert.core.pages import form_page

FORM = "accounts/form_page.html"


def _users(admin):
    """The users an administrator manages: their own organisation's, nobody else's."""
    if admin.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=admin.organisation_id)


def _user_or_404(admin, user_id: int) -> User:
    try:
        return _users(admin).get(pk=user_id)
    except User.DoesNotExist as exc:
        raise Http404("Not found") from exc


def _organisation(admin):
    if admin.organisation_id is None:
        raise Http404("Not found")
    return admin.organisation


@allow(Role.ADMINISTRATOR)
def user_list(request: HttpRequest) -> HttpResponse:
    """The organisation's users, with their roles, teams and two-factor status."""
    organisation = _organisation(request.user)
    totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
    users = list(
        _users(request.user).annotate(has_totp=Exists(totp))
        .prefetch_related("teams", "role_grants").order_by("-is_active", "last_name", "first_name", "username")
    )
    for u in users:
        u.role_list = [Role(g.role).label for g in sorted(u.role_grants.all(), key=lambda g: g.role)]
    return render(request, "accounts/user_list.html", {"users": users, "organisation": organisation})


@allow(Role.ADMINISTRATOR)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One user: roles, teams, sign-in security, and what an administrator can do."""
    person = _user_or_404(request.user, user_id)
    return render(request, "accounts/user_detail.html", {"person": person, "has_totp": has_totp(person)})


@allow(Role.ADMINISTRATOR)
def new_user(request: HttpRequest) -> HttpResponse:
    """Add a member of staff to the organisation."""
    organisation = _organisation(request.user)
    return form_page(
        request, NewUserForm, heading="Add a user", template=FORM,
        form_kwargs={"organisation": organisation},
        save=lambda d: actions.create_user(
            by=request.user, organisation=organisation, username=d["username"],
            password=d["password"] or None, roles=d["roles"], teams=d["teams"],
            first_name=d["first_name"], last_name=d["last_name"], email=d["email"],
        ),
        success_url=lambda u: reverse("accounts:user_detail", args=[u.pk]),
        success_message="User added.", submit_label="Add user", back_url=reverse("accounts:user_list"),
    )


@allow(Role.ADMINISTRATOR)
def user_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change a user's roles and teams."""
    person = _user_or_404(request.user, user_id)
    initial = {"roles": sorted(person.roles), "teams": list(person.teams.all())}
    return form_page(
        request, RolesForm, heading="Change roles and teams", caption=person.display_name, template=FORM,
        form_kwargs={"organisation": person.organisation, "initial": initial},
        save=lambda d: actions.set_user_roles(by=request.user, user=person, roles=d["roles"], teams=d["teams"]),
        success_url=reverse("accounts:user_detail", args=[person.pk]),
        success_message="Roles and teams changed.", back_url=reverse("accounts:user_detail", args=[person.pk]),
    )


@allow(Role.ADMINISTRATOR)
def deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate a leaver: signed out everywhere at once, API tokens stopped."""
    person = _user_or_404(request.user, user_id)
    return form_page(
        request, ConfirmForm, heading=f"Deactivate {person.display_name}", template=FORM,
        intro="They will be signed out at once, on every device, and their API tokens will stop working. "
              "Their records stay in Divert.",
        save=lambda d: actions.deactivate_user(by=request.user, user=person),
        success_url=reverse("accounts:user_detail", args=[person.pk]),
        success_message="Account deactivated.", submit_label="Deactivate", danger=True,
        back_url=reverse("accounts:user_detail", args=[person.pk]),
    )


@allow(Role.ADMINISTRATOR)
def reset_mfa(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset a user's two-factor authentication (a lost or replaced phone)."""
    person = _user_or_404(request.user, user_id)
    return form_page(
        request, ConfirmForm, heading="Reset two-factor authentication", caption=person.display_name,
        template=FORM,
        intro="Their authenticator app and recovery codes stop working and they are signed out. "
              "If your organisation requires two-factor authentication, they set it up again when they next sign in.",
        warning="Check it is really them asking, in person or by a phone number you already hold.",
        save=lambda d: actions.reset_user_mfa(by=request.user, user=person),
        success_url=reverse("accounts:user_detail", args=[person.pk]),
        success_message="Two-factor authentication reset.", submit_label="Reset", danger=True,
        back_url=reverse("accounts:user_detail", args=[person.pk]),
    )


@allow(Role.ADMINISTRATOR)
def set_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """Give a user a new password (a forgotten one); their sessions end."""
    person = _user_or_404(request.user, user_id)
    return form_page(
        request, SetPasswordForm, heading="Set a new password", caption=person.display_name, template=FORM,
        warning="Check it is really them asking, in person or by a phone number you already hold.",
        save=lambda d: actions.set_user_password(by=request.user, user=person, password=d["password"]),
        success_url=reverse("accounts:user_detail", args=[person.pk]),
        success_message="Password changed.", submit_label="Set password",
        back_url=reverse("accounts:user_detail", args=[person.pk]),
    )


@allow(Role.ADMINISTRATOR)
def mfa_rule(request: HttpRequest) -> HttpResponse:
    """Whether everyone in the organisation must use two-factor authentication."""
    organisation = _organisation(request.user)
    initial = {"mfa_required": "yes" if organisation.mfa_required else "no"}
    return form_page(
        request, MfaRuleForm, heading="Two-factor authentication", caption=organisation.name, template=FORM,
        intro="With two-factor authentication, signing in needs a code from an app on the person's phone "
              "as well as their password. It stops most attacks on stolen or guessed passwords.",
        form_kwargs={"initial": initial},
        save=lambda d: actions.set_mfa_required(by=request.user, organisation=organisation,
                                                required=d["mfa_required"]),
        success_url=reverse("accounts:user_list"), success_message="Sign-in rule saved.",
        back_url=reverse("accounts:user_list"),
    )
