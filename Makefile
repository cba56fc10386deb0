# MarketOS Video. `make demo` runs the app offline; `make test` runs every test.
# `make venv` installs everything (the app, the demo and the test tools).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
DEMO_ENV := var/demo.env

.PHONY: help venv demo test lint format bench chaos clean oracles

help:
	@echo "make demo    install what the app needs and run it offline on http://127.0.0.1:8000"
	@echo "make test    install the test tools too and run the whole test suite"
	@echo "make lint    ruff check and format check"
	@echo "make bench   benchmarks: 1 GiB clip copy, 1 GiB campaign package, one worker polling 500 jobs, status panel load"
	@echo "make chaos   fault campaign: 200 jobs, 3 workers on PostgreSQL, SIGKILL aimed at the work"
	@echo "make oracles rebuild the google-genai 3.x request golden files (tests/oracles)"

# What the app needs to run, and honcho, which runs the demo's processes: all `make demo` waits
# for on a first run.
$(BIN)/.installed-app: pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12+ needed"' \
		|| { echo "Python 3.12 or newer is needed (found $(PYTHON)); set PYTHON=/path/to/python3.13"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

# The test toolchain (pytest, Playwright, moto, the providers' SDKs, ruff) on top, for
# `make test` and `make lint`.
$(BIN)/.installed: $(BIN)/.installed-app
	$(BIN)/python -m pip install --quiet -e '.[demo,dev]'
	touch $@

venv: $(BIN)/.installed

# Ctrl-C is how the demo stops: honcho exits 130 then, which is no failure.
demo: $(BIN)/.installed-app
	$(BIN)/python -m demo.env $(DEMO_ENV)
	set -a && source $(DEMO_ENV) && set +a && \
		$(BIN)/python manage.py migrate --no-input && \
		$(BIN)/python manage.py collectstatic --no-input -v0 && \
		$(BIN)/python manage.py seed_demo && \
		{ PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho -e $(DEMO_ENV) start || [ $$? -eq 130 ]; }

test: venv
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache

bench: venv
	$(BIN)/python -m bench.collect
	$(BIN)/python -m bench.package
	$(BIN)/python -m bench.polling
	$(BIN)/python -m bench.status

chaos: venv
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

oracles: venv
	$(BIN)/python -m tests.oracles.regenerate
