# Two commands: `make run` and `make test`. Everything lands in .venv and var/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-clock test-e2e lint format install migrate demo messages bench clean drill

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Brobygger needs Python 3.11 or newer")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0

demo: migrate
	$(PY) manage.py load_demo --if-empty

run: demo
	@$(PY) manage.py demo_logins --port $(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite: unit and HTTP tests, then the browser journeys when Chromium is there.
test: install
	$(PY) -m pytest -q -n 2 -m "not e2e" brobygger tests
	@if [ -x /usr/bin/chromium ]; then \
		$(PY) -m pytest -q -m e2e tests/e2e; \
	else \
		echo "SKIPPED: browser journeys (tests/e2e) need /usr/bin/chromium: apt-get install chromium"; \
	fi

test-fast: install
	$(PY) -m pytest -q -n 2 -m "not e2e" brobygger tests

# The fast suite again at each awkward instant of brobygger/testclock.py (summer-time nights,
# New Year's Eve, 29 February): a test or a feature that depends on the date fails here.
# Tests marked `timeless` (static checks, pure functions of no date) run once, in `make test`.
AWKWARD_INSTANTS := spring-forward fall-back new-years-eve leap-day
test-clock: install
	@for instant in $(AWKWARD_INSTANTS); do \
		echo "== the clock frozen at $$instant"; \
		BROBYGGER_TEST_NOW=$$instant $(PY) -m pytest -q -n 2 -m "not e2e and not timeless" brobygger tests \
			|| { echo "FAILED with the clock frozen at $$instant"; exit 1; }; \
	done

test-e2e: install
	$(PY) -m pytest -q -m e2e tests/e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy brobygger tests $(wildcard bench)
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages: install
	$(PY) manage.py makemessages -l da --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

# Backup and restore drill on PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432
# postgres): demo into a fresh database, pg_dump, drop, pg_restore, compare row counts,
# verify the audit chain; the last line is the time to restore. docs/operations.md.
drill: install
	@if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client-15 >/dev/null; \
		else \
			echo "pg_dump/pg_restore missing: apt-get install postgresql-client-15" >&2; exit 1; \
		fi; \
	fi
	$(PY) ops/drill.py

bench: install
	$(PY) bench/matching.py

clean:
	rm -rf $(VENV) var staticfiles

# The current two-factor code of a demo user: make code USER=koordinator
code: install
	@$(PY) manage.py demo_code $(USER)
