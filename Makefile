# Switchyard: `make serve` runs the whole system locally, `make test` checks everything.
PYTHON ?= python3
PORT ?= 3000
VENV := .venv
BIN := $(VENV)/bin
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: install install-dev serve test lint validate build bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Idempotent: reinstalls only when pyproject.toml changes.
$(VENV)/.local-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[local]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.local-installed

install: $(VENV)/.local-installed
install-dev: $(VENV)/.dev-installed

serve: install
	$(BIN)/switchyard serve --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .

validate: install-dev
	$(BIN)/sam validate --lint

build: install-dev
	$(BIN)/sam build --parallel

test: lint validate
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache
