"""Decline and withdrawal reasons become encrypted text like the other narratives.

Existing plain values are encrypted in place (values already encrypted are left alone), so
no reason is lost and none stays readable in the database or its backups.
"""

from django.db import migrations

import divert.core.fields

COLUMNS = ("decline_reason", "withdrawal_reason")


def encrypt_existing(apps, schema_editor):
    from divert.core.crypto import PREFIX, encrypt_text

    table = apps.get_model("referrals", "Offer")._meta.db_table
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608 - fixed names
                f"WHERE {quote(column)} <> '' AND {quote(column)} NOT LIKE %s",
                [PREFIX + "%"],
            )
            rows = cursor.fetchall()
            for start in range(0, len(rows), 1000):
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                    [(encrypt_text(value), pk) for pk, value in rows[start : start + 1000]],
                )


class Migration(migrations.Migration):

    dependencies = [
        ("referrals", "0001_referrals_screening_offers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="offer",
            name="decline_reason",
            field=divert.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="offer",
            name="withdrawal_reason",
            field=divert.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
