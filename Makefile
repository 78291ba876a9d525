# Switchyard: `make serve` runs the whole system locally, `make test` checks everything.
PYTHON ?= python3
PORT ?= 3000
VENV := .venv
BIN := $(VENV)/bin
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: install install-dev serve test lint validate build bench clean browser

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

# The dashboard's end-to-end test drives Debian's Chromium. Installed only when missing and apt-get can;
# without it that test is skipped (and says why), everything else still runs.
CHROMIUM_PACKAGES := chromium chromium-driver
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "make browser: no apt-get here; the dashboard's browser test will be skipped"; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(CHROMIUM_PACKAGES)) \
			|| echo "make browser: could not install $(CHROMIUM_PACKAGES); the browser test will be skipped"; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		(sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(CHROMIUM_PACKAGES)) \
			|| echo "make browser: could not install $(CHROMIUM_PACKAGES); the browser test will be skipped"; \
	else \
		echo "make browser: installing $(CHROMIUM_PACKAGES) needs root; the browser test will be skipped"; \
	fi

test: lint validate browser
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache
