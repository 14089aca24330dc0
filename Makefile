# The two commands of the README. Both set up .venv from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install

$(BIN)/notecast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/notecast

install: $(BIN)/notecast

# The bot; with no DISCORD_TOKEN, the local console over the bundled sample notes.
run: install
	$(BIN)/notecast run

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Lint, type check, then every test (unit, cache, corpus when ../shared/corpus exists,
# and end to end through SimCord).
test: lint
	$(BIN)/python -m pytest
