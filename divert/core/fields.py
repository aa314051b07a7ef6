"""Model fields: encrypted free text for sensitive narrative."""

from __future__ import annotations

from django.db import models

from divert.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Free text encrypted at rest (case notes, narratives, the child's own words).

    Values are Fernet tokens in the database and plain strings in Python. Such a field
    cannot be searched or filtered on; names and identifiers use ordinary fields.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        """Decrypt on the way out of the database."""
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        """Encrypt on the way into the database."""
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)

    def get_lookup(self, lookup_name):
        """Only null/empty checks make sense on ciphertext."""
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)
