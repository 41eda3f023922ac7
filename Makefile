# The two commands of the quick start are `make report` and `make test`. Both build .venv with the
# machine's python3 (installing Debian's python3-venv and Chromium when missing) before they run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then echo sudo; fi)
PYTEST_ARGS ?=
PORT ?= 8888
LAB_PID := $(VENV)/lab.pid
LOCK := requirements.lock

.PHONY: report test test-fast lint format lab lab-stop hooks sync-notebooks env lock system-deps bench clean-outputs data-check

# The venv is built from the pinned lock file (every package at the version the tests ran with),
# then the project itself without its dependencies; the stamp is rebuilt when either file changes.
$(STAMP): pyproject.toml $(LOCK)
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name sanctions-model --display-name "Python (sanctions-model)" >/dev/null
	@touch $(STAMP)

# After a deliberate upgrade in .venv (pip install -U ...): pin what is installed now. The tests
# check that every dependency of pyproject.toml is pinned here.
lock:
	@{ sed -n '/^#/p' $(LOCK); $(BIN)/python -m pip freeze --exclude-editable --exclude sanctions-model; } > $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK) && echo "wrote $(LOCK) ($$(grep -c '==' $(LOCK)) pins)"

env: $(STAMP)

# Debian packages the browser tests need (headless Chromium). Installed once, when missing.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

# The main job: run the default sweep on the embedded data; the site starts at outputs/default/index.html.
report: $(STAMP)
	$(BIN)/sanctions-model sweep sweeps/default.yaml

data-check: $(STAMP)
	$(BIN)/sanctions-model data check

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# Both cores; the groups of tests/conftest.py in the order it gives (longest first, from
# tests/durations.json), not xdist's own (largest group first). Bytecode is written (gitignored
# __pycache__) even where PYTHONDONTWRITEBYTECODE is set: the suite starts hundreds of Python
# processes (kernels, sweeps, the CLI), and each would otherwise compile the package again.
PYTEST_XDIST := -n 2 --dist loadgroup --no-loadscope-reorder
TEST_ENV := MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=

# The test command. pytest exits 5 when it collects nothing, which fails this target too.
test: $(STAMP) system-deps lint
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The inner loop: the tests not marked slow, on both cores (no lint, no browser install), with a
# table and numba cache kept between runs (keyed by the sources and the code).
test-fast: $(STAMP)
	SANCTIONS_MODEL_TABLE_CACHE=$(CURDIR)/$(VENV)/test-cache $(TEST_ENV) \
		$(BIN)/python -m pytest $(PYTEST_XDIST) -m "not slow" $(PYTEST_ARGS)

# JupyterLab on PORT (default 8888), no browser. runner/lab.py writes $(LAB_PID) (pid, start time,
# command) and then execs the server, so the file names the server itself. `make lab-stop` (or
# Ctrl-C) stops it; a pid file left by a crash never kills another process that reuses the pid.
lab: $(STAMP)
	@echo "JupyterLab: http://localhost:$(PORT)/lab (token in the log below); stop: Ctrl-C or make lab-stop"
	@exec $(BIN)/python -m sanctions_model.runner.lab start $(LAB_PID) -- $(BIN)/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=sanctions-model \
		--no-browser --port=$(PORT) --ServerApp.port_retries=0 $(if $(filter 0,$(shell id -u)),--allow-root)

lab-stop:
	@$(BIN)/python -m sanctions_model.runner.lab stop $(LAB_PID)

# Git hooks from .pre-commit-config.yaml: strip notebook outputs, sync the .py pairs, ruff. All run
# from .venv (no download).
hooks: $(STAMP)
	$(BIN)/pre-commit install

# notebooks/*.ipynb <-> notebooks/*.py (py:percent): the file edited since the last commit wins;
# when both were edited, or a modification time lies in the future, nothing is written and both
# files are named (exit 1). See src/sanctions_model/runner/pairs.py.
sync-notebooks: $(STAMP)
	$(BIN)/sanctions-model notebooks sync notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/readme_block.py

clean-outputs:
	find outputs -mindepth 1 -not -name .gitkeep -delete
