# linml — every target installs what it needs into .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# pytest-xdist workers; CI has 2 cores
WORKERS ?= 2

.PHONY: help install install-dev install-bench demo docs test test-slow lint format bench clean

help:
	@echo "make demo   install linml and run the tour (writes linml-tour/index.html)"
	@echo "make test   install with the dev extra, run ruff and the test suite"
	@echo "make docs   build the documentation into docs/_build/html"
	@echo "make bench  install the bench extra (peers) and run benchmarks/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

demo: $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/linml tour --out linml-tour
	@echo "The tour is in linml-tour/index.html: open file://$(CURDIR)/linml-tour/index.html in a browser"
	@echo "(one self-contained file: copy it anywhere; or python3 -m http.server -d linml-tour)"

# the documentation (Sphinx + numpydoc + MyST): guide pages and API reference, offline
docs: $(VENV)/.installed-dev
	$(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html
	@echo "open file://$(CURDIR)/docs/_build/html/index.html"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts docs/conf.py
	$(BIN)/ruff format --check src tests benchmarks scripts docs/conf.py

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(WORKERS) -q

test-slow: $(VENV)/.installed-dev
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(WORKERS) -q -m slow

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks scripts docs/conf.py
	$(BIN)/ruff check --fix src tests benchmarks scripts docs/conf.py

bench: $(VENV)/.installed-bench
	for f in benchmarks/[a-z]*.py; do $(BIN)/python $$f || exit 1; done

# headless Chromium for the browser test of the tour page (tests/report/test_browser.py, slow)
.PHONY: chromium
chromium:
	command -v chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

clean:
	rm -rf $(VENV) linml-tour docs/_build docs/api .pytest_cache build src/*.egg-info
