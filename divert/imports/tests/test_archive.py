"""A bundle sent as a zip is unpacked safely: only its own files, no climbing out, no bombs."""

from __future__ import annotations

import datetime as dt
import io
import stat
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from divert.accounts.actions import create_organisation
from divert.core.errors import DomainError
from divert.imports.archive import unpack_bundle_zip
from divert.imports.bundle import export_bundle
from divert.people.models import Child

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def make_zip(path, entries: dict[str, bytes], *, link: str | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("name", ["../manifest.json", "/manifest.json", "bundle/../../children.csv",
                                  "C:/manifest.json", "bundle\\\\manifest.json"])
def test_names_that_climb_out_of_the_folder_are_refused(tmp_path, name):
    archive = make_zip(tmp_path / "b.zip", {name: b"{}"})
    with pytest.raises(DomainError, match="unsafe name"):
        unpack_bundle_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "manifest.json").exists()


def test_links_and_too_many_entries_are_refused(tmp_path):
    with pytest.raises(DomainError, match="link"):
        unpack_bundle_zip(make_zip(tmp_path / "l.zip", {}, link="children.csv"), tmp_path / "out")
    many = make_zip(tmp_path / "m.zip", {f"x{i}.txt": b"" for i in range(20)})
    with pytest.raises(DomainError, match="20 entries"):
        unpack_bundle_zip(many, tmp_path / "out", max_entries=10)


def test_a_zip_bomb_stops_at_the_limit_counting_bytes_actually_unpacked(tmp_path):
    bomb = make_zip(tmp_path / "bomb.zip", {"children.csv": b"0" * 5_000_000})
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DomainError, match="more than 1 MB"):
        unpack_bundle_zip(bomb, tmp_path / "out", max_bytes=1024 * 1024)


def test_files_in_one_folder_are_taken_and_others_left_out_with_a_notice(tmp_path):
    archive = make_zip(tmp_path / "b.zip", {"north/manifest.json": b"{}", "north/children.csv": b"id\n",
                                            "north/notes.txt": b"hello"})
    notices = unpack_bundle_zip(archive, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["children.csv", "manifest.json"]
    assert notices == ["'north/notes.txt' is not a bundle file and was left out."]
    split = make_zip(tmp_path / "s.zip", {"a/manifest.json": b"{}", "b/children.csv": b"id\n"})
    with pytest.raises(DomainError, match="together"):
        unpack_bundle_zip(split, tmp_path / "out2")
    (tmp_path / "not.zip").write_bytes(b"PK but not really")
    with pytest.raises(DomainError, match="not a zip"):
        unpack_bundle_zip(tmp_path / "not.zip", tmp_path / "out3")


def test_the_command_imports_a_zipped_bundle(personas, tmp_path):
    export_bundle(organisation=personas.north, directory=tmp_path / "bundle", now=NOW)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (tmp_path / "bundle").iterdir():
            archive.write(path, f"north-bundle/{path.name}")
    (tmp_path / "north.zip").write_bytes(buffer.getvalue())
    copy = create_organisation(by=None, name="Copy", slug="copy")
    call_command("bundle", "import", str(tmp_path / "north.zip"), "--org", "copy", stdout=StringIO(),
                 stderr=StringIO())
    assert Child.objects.filter(organisation=copy).count() == Child.objects.filter(
        organisation=personas.north).count()
    with pytest.raises(CommandError, match="not a zip"):
        (tmp_path / "broken.zip").write_bytes(b"nope")
        create_organisation(by=None, name="Third", slug="third")
        call_command("bundle", "import", str(tmp_path / "broken.zip"), "--org", "third", stdout=StringIO())
