"""The layer order holds: the import-linter contracts of pyproject.toml ([tool.importlinter],
explained in docs/architecture.md) pass. `lint-imports` runs the same check in the lint stage."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_apps_import_only_apps_below_them_and_nothing_imports_in_a_circle(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
