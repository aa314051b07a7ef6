"""`divert keys`: rotate every encrypted value to the newest key, then the old key can go."""

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from divert.accounts.management.commands.keys import encrypted_fields
from divert.audit.models import AuditEvent
from divert.casework.models import Session
from divert.core.crypto import decrypt_text
from divert.people.models import Child
from divert.referrals.models import Referral

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def keys(*args) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
        return cursor.fetchone()[0]


@pytest.fixture
def written_with_a(settings, personas, open_work):
    """A referral reason and session notes written with key A only, and one value stored before encryption."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    referral = open_work["referral"]
    Referral.objects.filter(pk=referral.pk).update(reason="Worried about older friends")  # encrypted by the field
    Session.objects.filter(pk=open_work["session"].pk).update(notes="Talked about football and school")
    with connection.cursor() as cursor:  # as if written before the field was encrypted
        cursor.execute("UPDATE casework_episode SET exit_plan = %s WHERE id = %s",
                       ["Plain old plan", open_work["episode"].pk])
    return open_work


@pytest.mark.django_db
def test_rotate_moves_everything_to_the_new_key_and_the_old_key_can_then_go(settings, written_with_a):
    referral, session, episode = written_with_a["referral"], written_with_a["session"], written_with_a["episode"]
    before = stored("referrals_referral", "reason", referral.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    with pytest.raises(CommandError, match="not under the newest key"):
        keys("check")
    dry = keys("rotate", "--dry-run")
    assert "referrals.Referral.reason: 1 values (1 older key); would re-encrypt 1" in dry
    assert "casework.Episode.exit_plan: 1 values (1 not encrypted); would re-encrypt 1" in dry
    assert stored("referrals_referral", "reason", referral.pk) == before

    out = keys("rotate", "--batch-size", "1")
    assert "referrals.Referral.reason: 1 values (1 older key); re-encrypted 1" in out
    assert "casework.Session.notes: 1 values (1 older key); re-encrypted 1" in out
    assert stored("referrals_referral", "reason", referral.pk) != before
    assert stored("casework_episode", "exit_plan", episode.pk).startswith("enc1:")
    event = AuditEvent.objects.get(verb="rotated_field_keys")
    assert event.details["re_encrypted"] == 3 and event.details["unreadable"] == 0

    # Idempotent: nothing left to do.
    again = keys("rotate")
    assert "re-encrypted 1" not in again
    assert " 0 not, 0 unreadable" in again
    keys("check")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert Referral.objects.get(pk=referral.pk).reason == "Worried about older friends"
    assert Session.objects.get(pk=session.pk).notes == "Talked about football and school"
    assert Referral.objects.get(pk=referral.pk).episode.exit_plan == "Plain old plan"


@pytest.mark.django_db
def test_values_no_key_can_read_make_the_command_fail_and_are_left_alone(settings, written_with_a):
    referral = written_with_a["referral"]
    before = stored("referrals_referral", "reason", referral.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # key A removed too early
    with pytest.raises(CommandError, match="cannot be read with any key"):
        keys("rotate")
    assert stored("referrals_referral", "reason", referral.pk) == before


@pytest.mark.django_db
def test_names_and_identifiers_are_not_encrypted_so_search_works(personas):
    encrypted = {f"{m._meta.label}.{f.name}" for m, f in encrypted_fields()}
    assert "referrals.Referral.reason" in encrypted and "casework.Session.notes" in encrypted
    for name in ("first_name", "last_name", "date_of_birth", "local_id", "police_id", "postcode"):
        assert f"people.Child.{name}" not in encrypted
    assert stored("people_child", "first_name", personas.child_a.pk) == "Alfie"
    assert list(Child.objects.filter(organisation=personas.north).search("N-0001")) == [personas.child_a]
    assert personas.child_a in Child.objects.search("alfie")


def test_new_prints_a_usable_key():
    key = keys("new").strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


@pytest.mark.django_db
def test_rotate_moves_two_factor_secrets_too_so_sign_in_survives_removing_the_old_key(settings, personas):
    """Authenticator apps' secrets and recovery-code seeds are encrypted with the field keys
    (accounts/adapters.py), so rotation must re-encrypt them before the old key is removed."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    secret = generate_totp_secret()
    totp = TOTP.activate(personas.worker_a, secret)
    codes = RecoveryCodes.activate(personas.worker_a)
    first_codes = codes.generate_codes()

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="not under the newest key"):
        keys("check")
    out = keys("rotate")
    assert "mfa.Authenticator.data: 2 values (2 older key); re-encrypted 2" in out
    keys("check")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    stored_totp = Authenticator.objects.get(pk=totp.instance.pk)
    assert decrypt_text(stored_totp.data["secret"]) == secret
    assert RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk)).generate_codes() == first_codes
