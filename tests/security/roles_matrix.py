"""The roles matrix in docs/security.md, generated from the URL configuration's declarations.

    DIVERT_ENV=test .venv/bin/python -m tests.security.roles_matrix          # print it
    DIVERT_ENV=test .venv/bin/python -m tests.security.roles_matrix --write  # update the doc

`test_roles_matrix.py` fails when the table in the doc and the code disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START, END = "<!-- roles-matrix:start -->", "<!-- roles-matrix:end -->"
COLUMNS = [
    ("case_worker", "Case worker"),
    ("team_manager", "Team manager"),
    ("service_manager", "Service manager"),
    ("performance_officer", "Performance officer"),
    ("board_member", "Board member"),
    ("commissioner", "Commissioner"),
    ("administrator", "Administrator"),
]


def _route(route: str) -> str:
    """A URL pattern as a person reads it: `/children/<id>/`."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route)
    return "/" + route.replace("<pk>", "<id>")


def rows() -> list[tuple[str, tuple[str, ...]]]:
    """(route, declared roles) for every route, API format-suffix variants left out."""
    # Imported here: run as a script, this module loads before django.setup() (see __main__).
    from divert.core.access import declared_access
    from tests.security.conftest import walk_urls

    seen: dict[str, tuple[str, ...]] = {}
    for route, callback in walk_urls():
        if "(?P<format>" in route:
            continue
        seen.setdefault(_route(route), tuple(str(r) for r in declared_access(callback) or ()))
    return sorted(seen.items())


def table() -> str:
    """The matrix as a Markdown table."""
    # Imported here: run as a script, this module loads before django.setup() (see __main__).
    from divert.core.access import PUBLIC, SIGNED_IN

    lines = ["| Page or endpoint | " + " | ".join(label for _, label in COLUMNS) + " |",
             "| --- | " + " | ".join("---" for _ in COLUMNS) + " |"]
    for route, roles in rows():
        if PUBLIC in roles:
            cells = ["anyone, signed in or not"] + [""] * (len(COLUMNS) - 1)
        elif SIGNED_IN in roles:
            cells = ["any signed-in user"] + [""] * (len(COLUMNS) - 1)
        else:
            cells = ["yes" if code in roles else "" for code, _ in COLUMNS]
        lines.append(f"| `{route}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def documented() -> str:
    """The table as it stands in docs/security.md."""
    text = DOC.read_text()
    if START not in text or END not in text:
        return ""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def write() -> None:
    """Put the generated table between the markers in docs/security.md."""
    text = DOC.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(f"{before}{START}\n{table()}\n{END}{after}")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
    sys.path.insert(0, str(DOC.parents[1]))
    django.setup()
    if "--write" in sys.argv:
        write()
    else:
        print(table())
