"""Decline and withdrawal reasons are encrypted at rest, including those written before."""

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from divert.referrals.models import Offer

migration = importlib.import_module(
    "divert.referrals.migrations.0002_encrypt_decline_and_withdrawal_reasons"
)


def _raw(offer_id: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM referrals_offer WHERE id = %s", [offer_id])  # noqa: S608
        return cursor.fetchone()[0]


def test_reasons_are_stored_encrypted_and_read_back_plain(open_work):
    offer = Offer.objects.get(pk=open_work["referral"].offer.pk)
    offer.decline_reason = "Busy with college"
    offer.withdrawal_reason = "Family moved away"
    offer.save()
    assert _raw(offer.pk, "decline_reason").startswith("enc1:")
    assert "college" not in _raw(offer.pk, "decline_reason")
    offer.refresh_from_db()
    assert offer.decline_reason == "Busy with college"
    assert offer.withdrawal_reason == "Family moved away"


def test_the_migration_encrypts_reasons_written_in_plain_and_leaves_the_rest(open_work):
    offer = Offer.objects.get(pk=open_work["referral"].offer.pk)
    offer.withdrawal_reason = "Already encrypted"
    offer.save()
    already = _raw(offer.pk, "withdrawal_reason")
    with connection.cursor() as cursor:  # as a database from before the change holds it
        cursor.execute("UPDATE referrals_offer SET decline_reason = %s WHERE id = %s",
                       ["Does not want to take part", offer.pk])
    # The step needs only the editor's connection and quoting (SQLite refuses a real schema
    # editor inside the test's transaction).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.encrypt_existing(apps, editor)
    assert _raw(offer.pk, "decline_reason").startswith("enc1:")
    assert _raw(offer.pk, "withdrawal_reason") == already
    offer.refresh_from_db()
    assert offer.decline_reason == "Does not want to take part"
