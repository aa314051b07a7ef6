"""Sensitive narrative is encrypted at rest and readable through the model."""

import datetime as dt

from cryptography.fernet import Fernet
from django.db import connection

from divert.core.crypto import _derived_key
from divert.referrals.models import Referral


def test_reason_is_ciphertext_in_the_database_and_plain_in_python(personas):
    referral = Referral.objects.create(
        child=personas.child_a, programme=personas.programme, source="school",
        received_on=dt.date(2025, 6, 1), reason="Worried about friends he spends time with",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM referrals_referral WHERE id = %s", [referral.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:")
    assert "Worried" not in stored
    assert Referral.objects.get(pk=referral.pk).reason == "Worried about friends he spends time with"


def test_rotating_keys_still_reads_old_values(personas, settings):
    referral = Referral.objects.create(
        child=personas.child_a, programme=personas.programme, source="school",
        received_on=dt.date(2025, 6, 1), reason="old key text",
    )
    old = _derived_key(settings.SECRET_KEY).decode()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert Referral.objects.get(pk=referral.pk).reason == "old key text"


def test_empty_text_stays_empty(personas):
    referral = Referral.objects.create(
        child=personas.child_a, programme=personas.programme, source="school",
        received_on=dt.date(2025, 6, 1),
    )
    assert Referral.objects.filter(pk=referral.pk, reason="").exists()
