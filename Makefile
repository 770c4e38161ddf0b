# Two commands on a fresh machine: `make run` and `make test`. Only python3 and make are needed;
# everything else is installed into .venv from the lock file (uv.lock).
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

install: $(STAMP)

run: install
	$(BIN)/shouwang demo

test: install lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shouwang
	$(BIN)/shouwang check --fail-level WARNING
	$(BIN)/shouwang makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
