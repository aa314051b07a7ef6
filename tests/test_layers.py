"""The layer order holds: the import-linter contracts of pyproject.toml ([tool.importlinter],
explained in docs/architecture.md) pass. `lint-imports` runs the same check in the lint stage."""

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_apps_import_only_apps_below_them_and_nothing_imports_in_a_circle(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0



def _import_blocks_in_functions(tree: ast.AST):
    """Each run of adjacent import statements inside a function or method (at any depth)."""
    blocks, in_function = [], {id(tree): False}
    for node in ast.walk(tree):
        inside = in_function[id(node)] or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            in_function[id(child)] = inside
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(node, field, None)
            if not inside or not isinstance(statements, list):
                continue
            run: list[ast.stmt] = []
            for statement in [*statements, None]:
                if isinstance(statement, ast.Import | ast.ImportFrom):
                    run.append(statement)
                elif run:
                    blocks.append(run)
                    run = []
    return blocks


def _unexplained_imports(path: Path) -> list[int]:
    """Lines of imports inside functions with no `#` comment on the line or the line above.

    A comment on the first line of a block of adjacent imports, or directly above it, explains
    the whole block."""
    source = path.read_text()
    lines = ["", *source.splitlines()]  # lines[n] is line n
    unexplained = []
    for block in _import_blocks_in_functions(ast.parse(source, filename=str(path))):
        first = block[0].lineno
        if lines[first - 1].lstrip().startswith("#") or "#" in lines[first]:
            continue
        unexplained += [each.lineno for each in block if "#" not in lines[each.lineno]]
    return unexplained


def test_imports_sit_at_the_top_of_modules_unless_a_comment_says_why():
    files = [ROOT / "conftest.py", *(ROOT / "divert").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    unexplained = [
        f"{path.relative_to(ROOT)}:{lineno}"
        for path in sorted(files)
        if "migrations" not in path.parts
        for lineno in _unexplained_imports(path)
    ]
    assert not unexplained, "Imports inside functions with no comment saying why:\n" + "\n".join(
        unexplained
    )
