#!/usr/bin/env bash
# The whole test suite, in stages, with each stage's time and a summary at the end.
#
#   1 install   .venv (created if missing; pip install only when pyproject.toml changed)
#   2 lint      ruff check (not fatal yet: set LINT_FATAL=1 to make it count)
#     layers    lint-imports: the layer contracts in pyproject.toml (fatal with LINT_FATAL=1)
#     types     mypy with the Django and DRF stubs ([tool.mypy] in pyproject.toml; the same)
#   3 sqlite    pytest -m "not browser" on SQLite; first installs the readers the board
#               pack's test opens its files with (pdftoppm from poppler-utils, LibreOffice's
#               headless calc) with apt-get when missing and root; without them that test
#               skips, or fails under CI / REQUIRE_ALL
#   4 postgres  the same suite on PostgreSQL as a non-superuser role; finds, starts or
#               (as root) installs a PostgreSQL server on 127.0.0.1:5432
#   5 browser   pytest -m browser (Playwright + Debian's Chromium) on SQLite; installs
#               chromium and fonts-liberation with apt-get when missing and root
#   6 browser-pg the case-record journeys (-m "browser and case_record") again on PostgreSQL,
#               as the issue asks of them (the rest of the browser tests run on SQLite only)
#
# A stage that cannot run is reported NOT RUN with the reason. REQUIRE_ALL=1 (set by
# .ci/run) turns every NOT RUN into a failure. The exit status is non-zero if any stage
# failed. Extra arguments are passed to every pytest run (e.g. `scripts/test.sh -k child`).
#
# Settings (environment): PG_ADMIN_URL (superuser connection, default
# postgres://postgres@127.0.0.1:5432/postgres), PG_HOST/PG_PORT, DIVERT_TEST_PG_PASSWORD,
# PYTEST_WORKERS (run pytest-xdist with this many workers, if installed).
set -uo pipefail
cd "$(dirname "$0")/.."

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@$PG_HOST:$PG_PORT/postgres}
PG_ROLE=divert_test
PG_PASSWORD=${DIVERT_TEST_PG_PASSWORD:-divert-test-only}
CHROMIUM=${DIVERT_CHROMIUM:-/usr/bin/chromium}
PY=.venv/bin/python

export DIVERT_ENV=test HYPOTHESIS_PROFILE=ci PYTHONDONTWRITEBYTECODE=1
# The SQLite stages must not pick up a developer's PostgreSQL.
unset DATABASE_URL

extra_args=("$@")
pytest_args=(-q -p no:randomly -rfEs "$@")

names=() results=() reasons=() times=()
failed=0
started_all=$(date +%s)

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

# record NAME RESULT SECONDS [REASON]; RESULT is passed, failed, warning or not-run.
record() {
  names+=("$1") results+=("$2") times+=("$3") reasons+=("${4:-}")
  case $2 in
    failed) failed=1 ;;
    not-run) [[ "${REQUIRE_ALL:-}" == 1 ]] && failed=1 ;;
  esac
  printf '<== %s: %s in %ss%s\n' "$1" "$2" "$3" "${4:+ ($4)}"
}

# run_pytest NAME [env...] -- [pytest args...]: a pytest stage. Exit status 5 (nothing
# collected) fails the stage, since every stage has tests and an empty one means a broken
# selection, unless arguments given to this script (-k ...) selected nothing: NOT RUN.
run_pytest() {
  local name=$1 start status
  shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  say "$name: pytest $*"
  start=$(date +%s)
  env "${envs[@]}" .venv/bin/pytest "$@" "${pytest_args[@]}"
  status=$?
  local took=$(($(date +%s) - start))
  case $status in
    0) record "$name" passed "$took" ;;
    5)
      if [[ ${#extra_args[@]} -gt 0 ]]; then
        record "$name" not-run "$took" "no tests selected by: ${extra_args[*]}"
      else
        record "$name" failed "$took" "pytest collected no tests"
      fi
      ;;
    *) record "$name" failed "$took" "pytest exit status $status" ;;
  esac
}

# --- 1. install -------------------------------------------------------------------------
say "install"
start=$(date +%s)
if scripts/install.sh; then
  record install passed $(($(date +%s) - start))
  installed=1
else
  record install failed $(($(date +%s) - start)) "scripts/install.sh failed"
  installed=0
fi

if [[ $installed == 1 && -n "${PYTEST_WORKERS:-}" ]]; then
  if $PY -c 'import xdist' 2>/dev/null; then
    pytest_args+=(-n "$PYTEST_WORKERS")
  else
    echo "PYTEST_WORKERS is set but pytest-xdist is not installed: running in one process"
  fi
fi

# --- 2. lint ----------------------------------------------------------------------------
if [[ $installed == 1 ]]; then
  say "lint: ruff check divert conftest.py tests"
  start=$(date +%s)
  if .venv/bin/ruff check divert conftest.py tests; then
    record lint passed $(($(date +%s) - start))
  elif [[ "${LINT_FATAL:-}" == 1 ]]; then
    record lint failed $(($(date +%s) - start)) "ruff found problems"
  else
    record lint warning $(($(date +%s) - start)) "ruff found problems; not fatal until LINT_FATAL=1"
  fi
  # The layer order (pyproject.toml [tool.importlinter], docs/architecture.md).
  say "layers: lint-imports"
  start=$(date +%s)
  if .venv/bin/lint-imports; then
    record layers passed $(($(date +%s) - start))
  elif [[ "${LINT_FATAL:-}" == 1 ]]; then
    record layers failed $(($(date +%s) - start)) "an upward import or a circle"
  else
    record layers warning $(($(date +%s) - start)) "an upward import or a circle; not fatal until LINT_FATAL=1"
  fi
  # Types: core, kpis, imports and evaluation (pyproject.toml [tool.mypy]).
  say "types: mypy"
  start=$(date +%s)
  if .venv/bin/mypy; then
    record types passed $(($(date +%s) - start))
  elif [[ "${LINT_FATAL:-}" == 1 ]]; then
    record types failed $(($(date +%s) - start)) "mypy found type errors"
  else
    record types warning $(($(date +%s) - start)) "mypy found type errors; not fatal until LINT_FATAL=1"
  fi
else
  record lint not-run 0 "install failed"
  record layers not-run 0 "install failed"
  record types not-run 0 "install failed"
fi

# --- 3. SQLite --------------------------------------------------------------------------
# The board pack's reader test (divert/reports/tests/test_readers.py) needs these.
if [[ $installed == 1 ]] && ! { command -v pdftoppm && command -v soffice; } >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "readers: installing poppler-utils and libreoffice-calc-nogui with apt-get"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils libreoffice-calc-nogui \
      || echo "could not install the readers: the board pack's reader test will skip (or fail under REQUIRE_ALL)"
  else
    echo "pdftoppm or soffice missing and not root: the board pack's reader test will skip (or fail under REQUIRE_ALL)"
  fi
fi
if [[ $installed == 1 ]]; then
  run_pytest sqlite -- -m "not browser"
else
  record sqlite not-run 0 "install failed"
fi

# --- 4. PostgreSQL ----------------------------------------------------------------------
pg_answers() {
  $PY - "$PG_ADMIN_URL" <<'EOF' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
EOF
}

# Is anything listening on the port at all (whatever the authentication)?
pg_listening() {
  $PY - "$PG_HOST" "$PG_PORT" <<'EOF' 2>/dev/null
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
EOF
}

wait_for_pg() {
  for _ in $(seq 30); do pg_listening && return 0; sleep 1; done
  return 1
}

start_pg() {
  local version
  if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql ]]; then
    return 1
  fi
  for version in $(ls /etc/postgresql 2>/dev/null); do
    echo "starting PostgreSQL $version (pg_ctlcluster $version main start)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  wait_for_pg
}

install_pg() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  echo "installing PostgreSQL with apt-get"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql || return 1
  start_pg
}

# Run SQL as the superuser: over TCP when that is trusted, else through the local socket.
pg_admin_sql() {
  if pg_answers; then
    $PY - "$PG_ADMIN_URL" "$1" <<'EOF'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(sys.argv[2])
EOF
  elif [[ $(id -u) == 0 ]] && command -v psql >/dev/null; then
    su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $PG_PORT -d postgres" <<<"$1"
  else
    echo "cannot connect as the PostgreSQL superuser ($PG_ADMIN_URL) and not root" >&2
    return 1
  fi
}

pg_reason=""
pg_start=$(date +%s)
if [[ $installed != 1 ]]; then
  pg_reason="install failed"
else
  say "postgres: find a server on $PG_HOST:$PG_PORT"
  if pg_listening; then
    echo "a server answers on $PG_HOST:$PG_PORT"
  elif start_pg; then
    echo "started"
  elif install_pg; then
    echo "installed and started"
  else
    pg_reason="no PostgreSQL on $PG_HOST:$PG_PORT, and could not start or install one"
  fi
fi
if [[ -z $pg_reason ]]; then
  # A non-superuser that may create databases: pytest-django creates test_divert_test.
  # (The password is for this local test role only.)
  sql="DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
      CREATE ROLE $PG_ROLE;
    END IF;
    ALTER ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD' CREATEDB NOSUPERUSER NOCREATEROLE;
  END \$\$;"
  if ! pg_admin_sql "$sql"; then
    pg_reason="could not create the $PG_ROLE role"
  fi
fi
if [[ -z $pg_reason ]]; then
  pg_setup=$(($(date +%s) - pg_start))
  [[ $pg_setup -gt 1 ]] && echo "PostgreSQL setup took ${pg_setup}s"
  run_pytest postgres \
    "DATABASE_URL=postgres://$PG_ROLE:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_ROLE" -- -m "not browser"
else
  record postgres not-run $(($(date +%s) - pg_start)) "$pg_reason"
fi

# --- 5. browser -------------------------------------------------------------------------
br_reason=""
br_start=$(date +%s)
if [[ $installed != 1 ]]; then
  br_reason="install failed"
elif [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "browser: installing chromium and fonts-liberation with apt-get"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-liberation
  fi
  [[ -x $CHROMIUM ]] || br_reason="$CHROMIUM is missing (apt-get install -y chromium fonts-liberation as root)"
fi
if [[ -z $br_reason ]]; then
  echo "$("$CHROMIUM" --version 2>/dev/null | head -1); Playwright $($PY -c 'from importlib.metadata import version; print(version("playwright"))')"
  rm -rf test-artifacts/screenshots
  run_pytest browser -- -m browser
  [[ -d test-artifacts/screenshots ]] && echo "screenshots: test-artifacts/screenshots/"
else
  record browser not-run $(($(date +%s) - br_start)) "$br_reason"
fi

# --- 6. browser on PostgreSQL -------------------------------------------------------------
# The case-record journeys (marked case_record) on PostgreSQL too; their screenshots join
# the SQLite run's (the same names: the later run's are kept).
if [[ -n $br_reason ]]; then
  record browser-pg not-run 0 "$br_reason"
elif [[ -n $pg_reason ]]; then
  record browser-pg not-run 0 "$pg_reason"
else
  run_pytest browser-pg \
    "DATABASE_URL=postgres://$PG_ROLE:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_ROLE" -- -m "browser and case_record"
fi

# --- summary ----------------------------------------------------------------------------
say "summary (total $(($(date +%s) - started_all))s${REQUIRE_ALL:+, REQUIRE_ALL=$REQUIRE_ALL})"
for i in "${!names[@]}"; do
  case ${results[$i]} in
    passed) label="passed" ;;
    failed) label="FAILED" ;;
    warning) label="passed with warnings" ;;
    not-run) label="NOT RUN" ;;
  esac
  printf '  %-10s %-21s %5ss  %s\n' "${names[$i]}" "$label" "${times[$i]}" "${reasons[$i]}"
done
if [[ $failed == 1 ]]; then
  echo "FAILED"
  exit 1
fi
echo "OK"
