#!/usr/bin/env bash
# Create .venv if it is missing, and (re)install Divert into it when pyproject.toml has
# changed since the last install (a content hash kept in .venv), in one of two modes:
#
#   scripts/install.sh demo   what the demo needs: Divert and its runtime dependencies
#   scripts/install.sh dev    the same plus the `dev` extras (pytest, Playwright, ruff, mypy...)
#                             (the default; `make test` and `make lint` use it)
#
#   PYTHON=python3.12 scripts/install.sh    choose the interpreter for a new .venv
#
# The stamp records the mode: a dev install also satisfies demo, and a demo install
# followed by a dev install adds the dev extras.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-dev}
case $mode in
  demo) target=. what="runtime dependencies only" ;;
  dev) target=".[dev]" what="runtime and dev dependencies" ;;
  *) echo "usage: scripts/install.sh [demo|dev]" >&2; exit 2 ;;
esac

python=${PYTHON:-python3}
stamp=.venv/.divert-installed
step() { echo "install: $1/3 $2"; }

if [[ ! -x .venv/bin/python ]]; then
  command -v "$python" >/dev/null || { echo "install: $python not found (Python 3.11+ is needed)" >&2; exit 1; }
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "install: $python is older than 3.11" >&2; exit 1; }
  step 1 "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
else
  step 1 ".venv exists ($(.venv/bin/python --version))"
fi

# The stamp: "<hash of pyproject.toml> <Python version> <mode>".
wanted=$(.venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.version.split()[0])')
stamped_hash="" stamped_python="" stamped_mode=""
[[ -f $stamp ]] && read -r stamped_hash stamped_python stamped_mode <"$stamp"
# A stamp from before the modes has no mode: it was a dev install.
if [[ "$stamped_hash $stamped_python" == "$wanted" ]] \
  && [[ ${stamped_mode:-dev} == dev || $mode == demo ]] \
  && .venv/bin/python -c 'import divert' 2>/dev/null; then
  echo "install: .venv is up to date (${stamped_mode:-dev})"
  exit 0
fi

# pip's own lines, one per package ("Collecting ...") and the summary, are the progress.
# Its warnings and errors go to stderr untouched. --no-compile: Python compiles each
# module the first time it is imported, so byte-compiling every installed package
# (scipy, Playwright...) up front only delays the first page.
step 2 "pip install -e '$target' ($what)"
PYTHONUNBUFFERED=1 .venv/bin/python -m pip install --disable-pip-version-check --no-compile \
    --progress-bar off -e "$target" \
  | awk '/^Collecting/ { print "install:   " $0; fflush() }
         /^Installing collected packages/ { print "install:   installing " NF - 3 " packages..."; fflush() }
         /^Successfully installed/ { print "install:   installed " NF - 2 " packages"; fflush() }'

step 3 "checking that Divert imports"
.venv/bin/python -c 'import divert'
echo "$wanted $mode" >"$stamp"
echo "install: done ($mode)"
