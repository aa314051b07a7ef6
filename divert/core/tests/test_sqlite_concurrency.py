"""The embedded SQLite database copes with a page view and a background write at once."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="checks the embedded SQLite configuration"
)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own file databases, outside the test database."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path):
    config = {**settings.DATABASES["default"], "NAME": str(path)}
    config.setdefault("TIME_ZONE", None)
    config.setdefault("CONN_HEALTH_CHECKS", False)
    config.setdefault("CONN_MAX_AGE", 0)
    config.setdefault("AUTOCOMMIT", True)
    config.setdefault("ATOMIC_REQUESTS", False)
    return DatabaseWrapper(config, alias=f"probe-{id(config)}")


def test_configured_for_wal_and_immediate_transactions(tmp_path):
    db = _wrapper(tmp_path / "probe.sqlite3")
    with db.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    db.close()


def test_reader_and_second_writer_do_not_get_database_locked(tmp_path):
    path = tmp_path / "shared.sqlite3"
    setup = _wrapper(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        cursor.execute("INSERT INTO t (v) VALUES ('existing')")
    setup.close()

    import_started = threading.Event()
    errors: list[Exception] = []

    def long_import():
        db = _wrapper(path)
        try:
            with db.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("INSERT INTO t (v) VALUES ('import')")
                import_started.set()
                time.sleep(0.8)
                cursor.execute("COMMIT")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.close()

    worker = threading.Thread(target=long_import)
    worker.start()
    assert import_started.wait(5)
    page = _wrapper(path)
    with page.cursor() as cursor:
        # A page view reads while the import holds the write lock (WAL).
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 1
        # A page that writes (an audit event) waits for the lock instead of failing.
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("INSERT INTO t (v) VALUES ('audit event')")
        cursor.execute("COMMIT")
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 3
    page.close()
    worker.join()
    assert errors == []
