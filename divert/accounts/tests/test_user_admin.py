"""Administrators' pages: users of their own organisation only, every change audited."""

from __future__ import annotations

import secrets

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.sessions.models import Session
from django.test import Client

from conftest import PASSWORD
from divert.accounts import actions
from divert.accounts.actions import issue_token
from divert.accounts.models import Role, User
from divert.audit.models import AuditEvent
from divert.core.errors import DomainError


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.administrator)
    return client


def post(client, url, data=None):
    return client.post(url, {"form_token": secrets.token_hex(8), **(data or {})})


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "service_manager", "performance_officer",
                                     "board_member", "commissioner", "other_org_worker"])
def test_only_administrators_reach_the_users_pages(client, personas, persona):
    client.force_login(getattr(personas, persona))
    assert client.get("/users/").status_code == 403
    assert client.get(f"/users/{personas.worker_a.pk}/").status_code == 403


def test_the_list_shows_own_organisation_only(admin_client, personas):
    page = admin_client.get("/users/").content.decode()
    assert "worker_a" in page and "team_manager" in page
    assert "other_org_worker" not in page and ">commissioner<" not in page
    assert admin_client.get(f"/users/{personas.other_org_worker.pk}/").status_code == 404
    assert admin_client.get(f"/users/{personas.other_org_worker.pk}/deactivate/").status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(admin_client, personas, django_assert_max_num_queries):
    for n in range(10):
        actions.create_user(by=None, username=f"extra{n}", password=None, roles=[Role.CASE_WORKER],
                            organisation=personas.north, teams=[personas.team_a])
    with django_assert_max_num_queries(12):
        admin_client.get("/users/")


def test_an_administrator_adds_a_user_with_roles_and_a_team(admin_client, personas):
    response = post(admin_client, "/users/new/", {
        "username": "new_worker", "first_name": "Nia", "last_name": "Newstarter",
        "email": "nia@north.example.gov.uk", "password": "a long passphrase about kites",
        "roles": ["case_worker"], "teams": [personas.team_a.pk],
    })
    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert user.organisation == personas.north and user.roles == {"case_worker"}
    assert list(user.teams.all()) == [personas.team_a]
    assert AuditEvent.objects.filter(verb="created_user", object_id=user.pk, actor=personas.administrator).exists()
    # They can sign in with the first password.
    admin_client.post("/sign-out/")
    assert admin_client.post("/sign-in/", {"username": "new_worker",
                                           "password": "a long passphrase about kites"}).status_code == 302


def test_adding_a_user_shows_errors_gov_uk_style(admin_client, personas):
    response = post(admin_client, "/users/new/", {"username": "worker_a", "password": "password1234",
                                                  "email": "not an email"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "govuk-error-message" in page
    assert "Choose at least one role" in page
    assert "Enter an email address in the correct format" in page
    assert "password1234" not in page  # a password is never echoed back


def test_a_taken_username_is_refused(admin_client, personas):
    response = post(admin_client, "/users/new/", {"username": "worker_a", "roles": ["case_worker"]})
    assert "The username &#x27;worker_a&#x27; is taken." in response.content.decode()


def test_an_administrator_changes_roles_and_teams(admin_client, personas):
    url = f"/users/{personas.worker_a.pk}/roles/"
    assert admin_client.get(url).status_code == 200
    response = post(admin_client, url, {"roles": ["case_worker", "team_manager"], "teams": [personas.team_b.pk]})
    assert response.status_code == 302
    worker = User.objects.get(pk=personas.worker_a.pk)
    assert worker.roles == {"case_worker", "team_manager"}
    assert list(worker.teams.all()) == [personas.team_b]
    event = AuditEvent.objects.get(verb="changed_user_roles", object_id=worker.pk)
    assert event.details["before"] == ["case_worker"]


def test_an_administrator_cannot_remove_their_own_administrator_role(admin_client, personas):
    url = f"/users/{personas.administrator.pk}/roles/"
    response = post(admin_client, url, {"roles": ["case_worker"]})
    assert response.status_code == 200
    assert "You cannot remove your own administrator role" in response.content.decode()


def test_deactivating_a_leaver_signs_them_out_at_once(client, admin_client, personas, django_capture_on_commit_callbacks):
    leaver = Client()
    leaver.force_login(personas.worker_a)
    assert leaver.get("/my-work/").status_code == 200
    _, secret = issue_token(user=personas.worker_a, name="laptop")
    sessions_before = Session.objects.count()

    response = post(admin_client, f"/users/{personas.worker_a.pk}/deactivate/")
    assert response.status_code == 302

    # Their next request is signed out, their stored session is gone, and their token is refused.
    response = leaver.get("/my-work/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert Session.objects.count() == sessions_before - 1
    assert leaver.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code in (401, 403)
    event = AuditEvent.objects.get(verb="deactivated_user", object_id=personas.worker_a.pk)
    assert event.details == {"tokens_revoked": 1, "sessions_ended": 1}
    # They cannot sign in again, and the answer is a wrong password's (it does not confirm the
    # password: test_signin_security covers the byte-for-byte comparison).
    response = leaver.post("/sign-in/", {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 200
    assert "closed" not in response.content.decode()
    assert leaver.get("/my-work/").status_code == 302


def test_an_administrator_cannot_deactivate_themselves(admin_client, personas):
    response = post(admin_client, f"/users/{personas.administrator.pk}/deactivate/")
    assert response.status_code == 200
    assert "You cannot deactivate your own account" in response.content.decode()


def test_resetting_mfa_removes_the_authenticator_and_is_audited(admin_client, personas):
    TOTP.activate(personas.worker_a, generate_totp_secret())
    RecoveryCodes.activate(personas.worker_a)
    assert "Reset" in admin_client.get(f"/users/{personas.worker_a.pk}/").content.decode()
    response = post(admin_client, f"/users/{personas.worker_a.pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=personas.worker_a).exists()
    event = AuditEvent.objects.get(verb="reset_user_mfa", object_id=personas.worker_a.pk)
    assert event.actor == personas.administrator and event.details["authenticators_removed"] == 2


def test_an_administrator_sets_a_new_password_which_must_follow_the_rules(admin_client, personas):
    url = f"/users/{personas.worker_a.pk}/password/"
    weak = post(admin_client, url, {"password": "short"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert post(admin_client, url, {"password": "another long passphrase"}).status_code == 302
    worker = User.objects.get(pk=personas.worker_a.pk)
    assert worker.check_password("another long passphrase")
    assert AuditEvent.objects.filter(verb="set_user_password", object_id=worker.pk).exists()


def test_an_administrator_sets_the_organisations_mfa_rule(admin_client, personas):
    assert admin_client.get("/users/two-factor-rule/").status_code == 200
    assert post(admin_client, "/users/two-factor-rule/", {"mfa_required": "yes"}).status_code == 302
    personas.north.refresh_from_db()
    assert personas.north.mfa_required is True
    event = AuditEvent.objects.get(verb="changed_mfa_rule")
    assert event.details == {"before": False, "after": True}
    # The rule now applies, to the administrator as well.
    assert admin_client.get("/users/").status_code == 302


def test_actions_refuse_users_of_another_organisation(personas):
    for action, kwargs in [
        (actions.deactivate_user, {}),
        (actions.reset_user_mfa, {}),
        (actions.set_user_roles, {"roles": ["case_worker"]}),
        (actions.set_user_password, {"password": "a long passphrase about kites"}),
    ]:
        with pytest.raises(DomainError):
            action(by=personas.administrator, user=personas.other_org_worker, **kwargs)
    with pytest.raises(DomainError):
        actions.set_mfa_required(by=personas.administrator, organisation=personas.south, required=True)


def test_an_administrator_cannot_reset_their_own_two_factor_from_the_users_pages(admin_client, personas):
    """Their own authenticator is removed only from their own security page (which asks them to
    confirm it is them, and refuses where the organisation requires two-factor)."""
    TOTP.activate(personas.administrator, generate_totp_secret())
    response = post(admin_client, f"/users/{personas.administrator.pk}/reset-two-factor/")
    assert response.status_code == 200
    assert "You cannot reset your own two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=personas.administrator).exists()
    assert not AuditEvent.objects.filter(verb="reset_user_mfa").exists()


def test_an_administrator_cannot_set_their_own_password_from_the_users_pages(admin_client, personas):
    """Changing one's own password asks for the current one (account/password/); this page does not."""
    response = post(admin_client, f"/users/{personas.administrator.pk}/password/",
                    {"password": "a brand new passphrase"})
    assert response.status_code == 200
    assert "You cannot set your own password here" in response.content.decode()
    assert User.objects.get(pk=personas.administrator.pk).check_password(PASSWORD)


def test_an_administrator_cannot_give_themselves_a_role_that_sees_children(admin_client, personas):
    """Administrators see no child's record; granting themselves a role that does needs another administrator."""
    url = f"/users/{personas.administrator.pk}/roles/"
    response = post(admin_client, url, {"roles": ["administrator", "performance_officer"]})
    assert response.status_code == 200
    assert "You cannot give yourself a new role" in response.content.decode()
    assert User.objects.get(pk=personas.administrator.pk).roles == {"administrator"}
