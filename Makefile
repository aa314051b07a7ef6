# Divert: make targets.
#
#   make demo     Run the demo at http://127.0.0.1:8000 with demo data and logins
#                 (creates .venv on the first run with the runtime dependencies only;
#                 needs only python3 >= 3.11). ADDRPORT=127.0.0.1:8001 serves elsewhere.
#   make test     The whole suite: lint, SQLite, PostgreSQL and browser stages, timed,
#                 with a summary (scripts/test.sh; REQUIRE_ALL=1 fails stages that cannot run).
#
# Helpers:
#   make install  Create .venv if missing; pip install -e ".[dev]" only when pyproject.toml changed
#                 (scripts/install.sh; `scripts/install.sh demo` installs without the dev extras).
#   make assets   Rebuild divert/static/divert/ from the npm packages (npm ci + sass; needs node).
#   make lint     ruff check, lint-imports (the layer contracts) and mypy (pyproject.toml).
#   make clean    Remove caches, test artifacts and node_modules (keeps .venv and var/).

.PHONY: demo test install assets lint clean

ADDRPORT ?= 127.0.0.1:8000

demo:
	scripts/install.sh demo
	DIVERT_ENV=demo .venv/bin/divert demo --addrport $(ADDRPORT)

test:
	scripts/test.sh

install:
	scripts/install.sh

assets:
	scripts/build-assets.sh

lint: install
	.venv/bin/ruff check divert conftest.py tests
	.venv/bin/lint-imports
	DIVERT_ENV=test .venv/bin/mypy

clean:
	rm -rf test-artifacts build node_modules .ruff_cache .hypothesis .mypy_cache .pytest_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
