# One command for every check: `make check` (lint, format, types, import contracts, tests). .ci/run runs it too.
# Tools come from the project's virtual environment: .venv by default, or PYTHON=... (CI passes its own).
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
PYTEST_ARGS ?= -n 2 -q

.PHONY: check lint format-check format types contracts test fix

check: lint format-check types contracts test

lint:
	$(PYTHON) -m ruff check .

format-check:
	$(PYTHON) -m ruff format --check .

types:
	$(PYTHON) -m mypy

contracts:
	$(PYTHON) -c "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"

test:
	$(PYTHON) -m pytest $(PYTEST_ARGS)

# Rewrite what ruff can fix and format the tree (not part of check: check never changes files).
fix:
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .
