"""What a backup gives someone who steals it without the keys, and that a backup restores.

SQLite only: the test database is copied with SQLite's online backup (what
`sqlite3 var/divert.sqlite3 ".backup FILE"` does), then the copy is read with plain
sqlite3, as a thief would, and opened again to check it restores.
"""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from divert.accounts.actions import issue_token
from divert.casework import actions as cw
from tests.security.conftest import TODAY

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's online backup"),
    # Committed data: SQLite will not copy a database while the test's own transaction is open.
    pytest.mark.django_db(transaction=True),
]

NOTE = "Said his uncle is dealing from the flat"


@pytest.fixture
def backup(tmp_path, personas, open_work):
    """A backup file of the database with a session note, an API token and the personas in it."""
    cw.record_session(by=personas.worker_a, episode=open_work["episode"], date=TODAY, today=TODAY,
                      type="one_to_one", attendance="attended", notes=NOTE)
    _, secret = issue_token(user=personas.worker_a, name="laptop")
    connection.ensure_connection()
    path = tmp_path / "backup.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return path, secret


def test_a_stolen_backup_without_the_keys_holds_no_notes_tokens_or_passwords(backup):
    path, secret = backup
    raw = path.read_bytes()
    assert NOTE.encode() not in raw
    assert secret.encode() not in raw
    db = sqlite3.connect(path)
    notes = [n for (n,) in db.execute("SELECT notes FROM casework_session WHERE notes != ''")]
    assert notes and all(n.startswith("enc1:") for n in notes)
    passwords = [p for (p,) in db.execute("SELECT password FROM accounts_user WHERE password != ''")]
    assert passwords and all("$" in p for p in passwords)  # hashes, never the password
    # Names and dates of birth are ordinary columns (so search works): the backup must be kept
    # encrypted and off the host, as docs/security.md says.
    assert db.execute("SELECT count(*) FROM people_child WHERE first_name = 'Alfie'").fetchone()[0] == 1


def test_a_backup_restores_with_every_row(backup, tmp_path):
    path, _ = backup
    restored = sqlite3.connect(tmp_path / "restored.sqlite3")
    sqlite3.connect(path).backup(restored)
    original = sqlite3.connect(path)
    for table in ("people_child", "casework_session", "audit_auditevent", "accounts_apitoken"):
        count = f"SELECT count(*) FROM {table}"  # noqa: S608 - fixed table names
        assert restored.execute(count).fetchone() == original.execute(count).fetchone()
    assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
