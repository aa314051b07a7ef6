"""Encryption of sensitive free text and keyed hashes (tokens, blind indexes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

PREFIX = "enc1:"


def _derived_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"divert-field:{secret}".encode()).digest())


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def field_keys() -> tuple[str, ...]:
    """The keys for encrypted fields, newest first (demo and test: one derived from the secret key)."""
    return tuple(settings.FIELD_ENCRYPTION_KEYS) or (_derived_key(settings.SECRET_KEY).decode(),)


def field_fernet() -> MultiFernet:
    """The MultiFernet for encrypted fields: newest key encrypts, any key decrypts."""
    return _fernet(field_keys())


def encrypt_text(value: str) -> str:
    """Encrypt a string for storage."""
    return PREFIX + field_fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(stored: str) -> str:
    """Decrypt a stored string; text stored before encryption is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    return field_fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")


def keyed_hash(value: str, *, purpose: str) -> str:
    """An HMAC-SHA256 of `value` for one purpose (token storage, blind index)."""
    key = f"{purpose}:{settings.HMAC_KEY}".encode()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
