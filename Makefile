# Divert: make targets.
#
#   make demo     Run the demo at http://127.0.0.1:8000 with demo data and logins
#                 (creates .venv on the first run; needs only python3 >= 3.11).
#   make test     The whole suite: lint, SQLite, PostgreSQL and browser stages, timed,
#                 with a summary (scripts/test.sh; REQUIRE_ALL=1 fails stages that cannot run).
#
# Helpers:
#   make install  Create .venv if missing; pip install -e ".[dev]" only when pyproject.toml changed.
#   make assets   Rebuild divert/static/divert/ from the npm packages (npm ci + sass; needs node).
#   make lint     ruff check and lint-imports (the layer contracts in pyproject.toml).
#   make clean    Remove caches, test artifacts and node_modules (keeps .venv and var/).

.PHONY: demo test install assets lint clean

demo: install
	DIVERT_ENV=demo .venv/bin/divert demo

test:
	scripts/test.sh

install:
	scripts/install.sh

assets:
	scripts/build-assets.sh

lint: install
	.venv/bin/ruff check divert conftest.py tests
	.venv/bin/lint-imports

clean:
	rm -rf test-artifacts build node_modules .ruff_cache .hypothesis .mypy_cache .pytest_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
