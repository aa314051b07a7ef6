"""Unpacking a case-level bundle sent as a zip file, safely.

A zip from outside is untrusted: its names may climb out of the folder (`../`, absolute
paths, drive letters, backslashes), it may hold links, encrypted entries or far more data
than its size suggests (a "zip bomb"). Only the bundle's own files are taken, flattened
into one folder, and the bytes actually unpacked are counted as they are written, not
taken from the archive's headers.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings

from divert.core.errors import DomainError
from divert.core.files import open_private, private_folder
from divert.imports.bundle import MANIFEST, SPECS

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024  # unpacked; a city's bundle is a few hundred MB
DEFAULT_MAX_ENTRIES = 500
CHUNK = 1024 * 1024


def bundle_file_names() -> set[str]:
    """The names a bundle's files may have."""
    return {MANIFEST, *(spec.file_name for spec in SPECS)}


def unpack_bundle_zip(archive_path: Path, into: Path, *, max_bytes: int | None = None,
                      max_entries: int | None = None) -> list[str]:
    """Unpack the bundle files in a zip into the folder `into`; returns notices (entries left out).

    Raises DomainError (with a plain reason) for an archive that is not a zip, has too
    many entries, unpacks to too many bytes, or holds an unsafe name, a link or an
    encrypted entry. The files may sit at the top of the zip or in one folder.
    """
    max_bytes = max_bytes or int(getattr(settings, "DIVERT_BUNDLE_MAX_BYTES", DEFAULT_MAX_BYTES))
    max_entries = max_entries or int(getattr(settings, "DIVERT_BUNDLE_MAX_ENTRIES", DEFAULT_MAX_ENTRIES))
    wanted = bundle_file_names()
    notices: list[str] = []
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError):
        raise DomainError("The file is not a zip archive.") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise DomainError(f"The zip holds {len(entries)} entries; a bundle has at most {max_entries}.")
        chosen: dict[str, zipfile.ZipInfo] = {}
        folders: set[tuple[str, ...]] = set()
        for entry in entries:
            name = entry.filename
            path = PurePosixPath(name)
            if name.startswith("/") or "\\" in name or ":" in name or ".." in path.parts:
                raise DomainError(f"The zip holds an unsafe name ({name[:80]!r}): nothing was unpacked.")
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise DomainError(f"The zip holds a link ({name[:80]!r}): nothing was unpacked.")
            if entry.flag_bits & 0x1:
                raise DomainError("The zip is encrypted: send the bundle as a plain zip on a secure channel.")
            if entry.is_dir():
                continue
            if path.name not in wanted:
                notices.append(f"'{name[:80]}' is not a bundle file and was left out.")
                continue
            if path.name in chosen:
                raise DomainError(f"The zip holds {path.name} twice.")
            chosen[path.name] = entry
            folders.add(path.parts[:-1])
        if len(folders) > 1:
            raise DomainError("The bundle's files must be together: at the top of the zip or in one folder.")
        private_folder(into)
        unpacked = 0
        for file_name, entry in chosen.items():
            with archive.open(entry) as source, open_private(into / file_name, "wb") as target:
                while block := source.read(CHUNK):
                    unpacked += len(block)
                    if unpacked > max_bytes:
                        raise DomainError(f"The bundle unpacks to more than {max_bytes // (1024 * 1024)} MB.")
                    target.write(block)
    return notices
