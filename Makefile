# Two entry points for a fresh machine with python3 (3.11+), make and bash:
#   make run   - the embedded stack (SQLite file database, local Prefect server)
#   make test  - the whole test suite (starts its own PostgreSQL)
# Each creates .venv on first use from the pinned constraints.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint lock clean chromium

$(STAMP): pyproject.toml constraints.txt tests/bpmn_tools/package-lock.json workflows/console/assets/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test]'
	cd tests/bpmn_tools && npm ci --no-audit --no-fund --silent
	cd workflows/console/assets && npm ci --no-audit --no-fund --silent
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/caseflow up

# The Prefect UI test drives Debian's chromium (no browser download); CI runs as root on a fresh machine.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Lint and types first (seconds), then the suite. pytest exits 5 when it collects no test; that is a failure
# of the suite here, said plainly.
# Each run keeps its temporary files in a folder of its own: pytest prunes all but the last three sessions' folders
# under one shared root, so a second suite started on the same machine deleted the first one's running stack.
# The folder stays after the run (the Prefect UI test prints where its screenshots are).
test: $(STAMP) chromium lint
	@PYTEST_DEBUG_TEMPROOT=$$(mktemp -d) $(VENV)/bin/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests"; fi; \
	exit $$rc

# ruff (lint) and mypy strict, configured in pyproject.toml, as the style guide asks.
lint: $(STAMP)
	$(VENV)/bin/ruff check states tasks workflows tests benchmarks
	$(VENV)/bin/ruff format --check states tasks workflows tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

lock: $(STAMP)
	{ echo "# Pinned versions for a reproducible install: pip install -c constraints.txt -e '.[test]'"; \
	  echo "# Regenerate with: make lock"; \
	  $(VENV)/bin/pip freeze --exclude-editable | grep -v -e '^-e ' -e '^caseflow-cp'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .caseflow
