# Two commands on a fresh machine: `make run` and `make test`. Needs Python 3.11+, make, and
# Node.js 18+ with npm (GraphiQL's pinned browser assets).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: install run test lint format schema schema-check bench clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(INSTALLED)

install: $(INSTALLED) $(NODE_INSTALLED)

# GraphiQL's browser assets (React, GraphiQL) from the npm registry, pinned by package-lock.json
# and served by the API from node_modules/ (no CDN at run time); `npm ci` again only when
# package.json or the lock changed. Needs Node.js 18+ and npm.
.PHONY: graphiql-assets
graphiql-assets: $(NODE_INSTALLED)

$(NODE_INSTALLED): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for GraphiQL's assets"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_INSTALLED)

run: $(INSTALLED) $(NODE_INSTALLED)
	$(BIN)/referrals db upgrade
	$(BIN)/referrals demo load --if-empty
	$(BIN)/referrals demo tokens
	$(BIN)/referrals serve

test: lint schema-check
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(INSTALLED)
	$(BIN)/referrals schema export

# The code's schema against the committed file, and against the last release once one is tagged.
schema-check: $(INSTALLED)
	$(BIN)/referrals schema check --against HEAD
	@tag=$$(git describe --tags --abbrev=0 2>/dev/null || true); \
	if [ -n "$$tag" ]; then $(BIN)/referrals schema check --against "$$tag"; fi

# The benchmark of issue 6 (not part of `make test`): our API against a hand-written floor,
# on SQLite and on PostgreSQL at 127.0.0.1:5432; writes bench/RESULTS.md. About 6 minutes.
bench: $(INSTALLED)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var node_modules .mypy_cache .ruff_cache .pytest_cache
