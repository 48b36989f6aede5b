# 政企直通车 — the README's commands. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test bench lint snapshot clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更新版本")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements/lock.txt
	$(BIN)/python -m pip install --quiet -c requirements/lock.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/ztc migrate
	$(BIN)/ztc demo --if-empty
	$(BIN)/ztc serve --port 8000

test: $(STAMP)
	@mkdir -p var
	$(BIN)/python tests/browser_check.py
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy zhitongche config

snapshot: $(STAMP)
	UPDATE_SNAPSHOTS=1 $(BIN)/pytest tests/test_openapi.py

clean:
	rm -rf $(VENV) var/static
