"""The `divert` console script, run as an operator would run it."""

import io
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from divert.accounts.models import Organisation
from divert.audit.models import AuditEvent


def test_a_missing_setting_is_one_plain_line_not_a_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVERT_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "from divert.cli import main; main(['check'])"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "DIVERT_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def divert(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """Run `divert ARGS` in a fresh process with no Divert or Django settings at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVERT_", "DJANGO_"))}
    env.update(env_extra or {})
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", f"from divert.cli import main; main({list(args)!r})"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_divert_help_lists_divert_commands_first_one_line_each():
    result = divert("--help")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    own, _, django = out.partition("Django's commands")
    for name in ("kpis", "tracker", "bundle", "import", "keys", "org", "token", "demo"):
        lines = [line for line in own.splitlines() if line.strip().startswith(f"{name} ")]
        assert len(lines) == 1, name
    assert "migrate" in django and "migrate" not in own
    assert divert().stdout == out  # `divert` alone says the same


def test_every_command_help_works_with_no_settings():
    listing = divert("--help").stdout.partition("Divert's commands:")[2].partition("Django's commands")[0]
    names = [line.split()[0] for line in listing.splitlines() if line.strip()]
    assert "kpis" in names
    asked = [(name, "--help") for name in names] + [("kpis", "-h"), ("help", "kpis"), ("migrate", "--help")]
    for args in asked:
        result = divert(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert f"usage: divert {args[0] if args[0] != 'help' else args[1]}" in result.stdout


def test_help_never_relaxes_the_settings_for_a_real_run():
    # A help flag after `--` is an argument, not a request for help: the settings still apply.
    result = divert("kpis", "--org", "x", "--", "--help")
    assert result.returncode == 2
    assert "DIVERT_SECRET_KEY is not set" in result.stderr
    assert divert("kpis", "--org", "x").returncode == 2


def test_keys_new_works_before_any_key_exists():
    result = divert("keys", "new")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert Fernet(key.encode()).encrypt(b"x")  # a usable field key


@pytest.mark.django_db
def test_org_list_names_every_slug(personas):
    out = io.StringIO()
    call_command("org", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["north", "south"]
    assert "Northbridge Youth Justice Service" in lines[0]


@pytest.mark.django_db
def test_org_create_is_an_audited_action(personas):
    out = io.StringIO()
    call_command("org", "create", "eastfield-yjs", "--name", "Eastfield Youth Justice Service", stdout=out)
    organisation = Organisation.objects.get(slug="eastfield-yjs")
    assert "Created Eastfield Youth Justice Service (eastfield-yjs)" in out.getvalue()
    assert AuditEvent.objects.filter(verb="created_organisation", organisation=organisation).count() == 1
    with pytest.raises(CommandError, match="already exists"):
        call_command("org", "create", "eastfield-yjs", "--name", "Again")
    with pytest.raises(CommandError, match="lower-case letters"):
        call_command("org", "create", "Not A Slug", "--name", "Bad")
    assert Organisation.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command",
    [
        ("kpis", "--period", "2025-26Q1"),
        ("tracker",),
        ("extract", "research", "--out", "x.csv"),
        ("bundle", "export", "somewhere"),
        ("retention",),
        ("sar", "x.json", "--child", "1", "--format", "json"),
        ("import", "options", "--source", "Police"),
        ("audit", "verify"),
    ],
)
def test_an_unknown_org_lists_the_valid_slugs(personas, command):
    with pytest.raises(CommandError) as error:
        call_command(*command, "--org", "nope")
    assert "No organisation with slug 'nope'. Valid slugs: north, south." in str(error.value)
