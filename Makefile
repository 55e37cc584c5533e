# Two commands: `make lab` (set up, open the course in JupyterLab) and `make test` (set up, run every test).
# Both create .venv from the pinned requirements on first use and refresh it when they change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?= -n 2

.PHONY: lab test workspace venv clean-venv

lab: $(VENV)/.lab-installed
	$(BIN)/course lab

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

workspace: $(VENV)/.lab-installed
	$(BIN)/course workspace

venv: $(VENV)/.lab-installed

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed: install python3.11 and run make again."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "$(PYTHON) is older than 3.11: run  make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.lab-installed: requirements/lab.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/lab.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.lab-installed
	$(BIN)/python -m pip install --quiet -r requirements/test.txt
	touch $@

clean-venv:
	rm -rf $(VENV)
