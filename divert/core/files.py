"""Files and folders Divert writes are readable by its own user only.

Uploads, rejected-row files, bundles (which hold decrypted narratives), extracts, subject
access exports and the embedded database all carry personal data. Every place that writes
one goes through these helpers, so the modes do not depend on the process umask: files are
0600 and folders 0700. `divert/settings.py` also sets the umask to 077, which covers what
other libraries create (SQLite's journal files, temporary files).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Make `path` (and any missing parents) a folder only its owner can open; returns it."""
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)
    return path


def open_private(path: Path, mode: str = "w", **options: Any) -> IO:
    """Open `path` for writing (like `Path.open`), created or truncated with mode 0600."""
    if not set(mode) & {"w", "a", "x"}:
        raise ValueError("open_private is for writing")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    if "x" in mode:
        flags |= os.O_EXCL
    descriptor = os.open(path, flags, FILE_MODE)
    os.chmod(path, FILE_MODE)  # an existing file keeps its old mode through os.open
    return os.fdopen(descriptor, mode, **options)


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` with mode 0600; returns the path."""
    with open_private(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_private_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` with mode 0600; returns the path."""
    with open_private(path, "w", encoding=encoding) as handle:
        handle.write(text)
    return Path(path)


def make_private(path: Path) -> Path:
    """Give an existing file mode 0600 (e.g. one a library created, such as the database)."""
    if Path(path).exists():
        os.chmod(path, FILE_MODE)
    return Path(path)
