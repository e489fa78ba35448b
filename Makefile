# Hoviat: `make run` and `make test` are all a newcomer needs (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOVIAT := $(BIN)/hoviat
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: run test lint audit audit-deps format bench migrate demo demo-nation clean screenshots

# The development targets run with debug pages, generated secrets in var/ and the simulator
# device; HOVIAT_DEBUG is off everywhere else (a server sets its own variables).
run migrate demo demo-nation var/.demo-loaded: export HOVIAT_DEBUG = true

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install $(PIP_FLAGS) -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) install $(PIP_FLAGS) -c constraints.txt -e '.[test]'
	touch $@

migrate: $(VENV)/.installed
	$(HOVIAT) migrate --no-input

# Demo data is loaded once; `make demo` loads it again (it is idempotent).
var/.demo-loaded: | migrate
	$(HOVIAT) demo
	touch $@

demo: migrate
	$(HOVIAT) demo

# A simulated 24-month history of all 31 provinces at 1:1000 (SCALE=0.0001 for less) on top
# of the demo data, so every dashboard shows realistic figures; refused if already loaded.
demo-nation: migrate
	$(HOVIAT) demo
	$(HOVIAT) demo nation --scale $${SCALE:-0.001}

# The demo signs staff in with a password alone (README: Demo accounts); production never.
run: migrate var/.demo-loaded
	HOVIAT_STAFF_SECOND_FACTOR=$${HOVIAT_STAFF_SECOND_FACTOR:-optional} $(HOVIAT) run 127.0.0.1:8000

test: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

# The house rules that tools can hold (settings in pyproject.toml): style, the import order
# of the apps, types in services, selectors and core, and dead code.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python tools/deadcode.py

# Security scan of our own code (CI runs it after lint): bandit, medium severity and up; tests
# and each justified `# nosec` are described in pyproject.toml's [tool.bandit].
audit: $(VENV)/.installed-test
	$(BIN)/bandit -c pyproject.toml -r hoviat -ll -q

# Known vulnerabilities in the pinned dependencies. Needs a vulnerability service (PyPI's JSON
# API or osv.dev): run it where one is reachable. CI does not: its machine reaches only the
# package indexes, where every pin answers "not found on PyPI and could not be audited".
audit-deps: $(VENV)/.installed-test
	$(BIN)/pip-audit --strict --disable-pip --no-deps -r constraints.txt

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The scripts measure without DEBUG (it keeps every query in memory), on this machine: secrets
# from var/, plain http, local host names.
bench: export HOVIAT_GENERATE_DEV_SECRETS = true
bench: export HOVIAT_SECURE_SSL_REDIRECT = false
bench: export HOVIAT_ALLOWED_HOSTS ?= 127.0.0.1,localhost,testserver
bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py --only "$(BENCH)" $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/staticfiles

# Every page of README's table (tests/tour.py) at phone (390×844) and desktop (1366×900) size,
# signed in as its person on fresh demo data, as PNGs in var/screenshots/.
screenshots: $(VENV)/.installed-test
	HOVIAT_SCREENSHOTS=var/screenshots $(BIN)/pytest tests/test_tour.py -k screenshots -p no:cacheprovider -q
