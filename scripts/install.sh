#!/usr/bin/env bash
# Create .venv if it is missing, and (re)install Divert with its dev extras when
# pyproject.toml has changed since the last install (a content hash kept in .venv).
#
#   PYTHON=python3.12 scripts/install.sh    choose the interpreter for a new .venv
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
stamp=.venv/.divert-installed

if [[ ! -x .venv/bin/python ]]; then
  command -v "$python" >/dev/null || { echo "install: $python not found (Python 3.11+ is needed)" >&2; exit 1; }
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "install: $python is older than 3.11" >&2; exit 1; }
  echo "install: creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi

wanted=$(.venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.version.split()[0])')
if [[ -f $stamp && "$(cat "$stamp")" == "$wanted" ]] && .venv/bin/python -c 'import divert' 2>/dev/null; then
  echo "install: .venv is up to date"
  exit 0
fi

echo "install: pip install -e '.[dev]'"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
echo "$wanted" >"$stamp"
echo "install: done"
