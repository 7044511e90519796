# The two set-up commands of README.rst. Each makes its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint docs bench bench-smoke wheel-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.demo-installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $@

$(VENV)/.dev-installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[demo,test,lint,docs,bench]"
	touch $@

## Serve the demo (WSGI, Flask and Pyramid sharing one session) on http://$(HOST):$(PORT)/
demo: $(VENV)/.demo-installed
	$(BIN)/signedsession demo --host $(HOST) --port $(PORT)

## Run the whole test suite, the real-browser and real-Redis tests included,
## then the upstream suites (Flask's, flaskr's, Flask-Login's, Pyramid's) with ours.
test: $(VENV)/.dev-installed
	bash scripts/install-browser.sh
	bash scripts/install-redis.sh
	$(BIN)/python -m pytest
	$(BIN)/python tests/compat/upstream/run.py
	PYTHON=$(PYTHON) bash scripts/test-django42.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(VENV)/.dev-installed
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks --output docs/performance.rst

bench-smoke: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks --smoke

wheel-check: $(VENV)/.dev-installed
	bash scripts/check-wheel.sh $(BIN)/python

clean:
	rm -rf $(VENV) .venv-django42 .cache build dist docs/_build *.egg-info
