# The two commands of the README. Both set up .venv from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

WHEELHOUSE := wheelhouse

.PHONY: run test lint install lock wheelhouse

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
	$(BIN)/hadolint Dockerfile

# requirements.lock: pyproject.toml's runtime dependencies, every one pinned with its
# hashes, for the image (Dockerfile) and tests/deploy. Refresh it after changing them:
# `make lock` keeps the pins it can, `make lock LOCK_FLAGS=--upgrade` takes the newest.
LOCK_FLAGS ?=
lock: install
	$(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command 'make lock' --quiet $(LOCK_FLAGS) -o requirements.lock

# The wheels tests/deploy installs offline (--no-index): the lock file's, SimCord's (the
# version in .venv) and the wheel build's (setuptools, wheel). Uses the package registry.
wheelhouse: $(WHEELHOUSE)/.complete

$(WHEELHOUSE)/.complete: requirements.lock pyproject.toml | install
	$(BIN)/python -m pip download --quiet --no-deps --require-hashes -r requirements.lock -d $(WHEELHOUSE)
	$(BIN)/python -m pip download --quiet -d $(WHEELHOUSE) 'setuptools>=68' wheel  # build-system.requires
	$(BIN)/python -m pip download --quiet --no-deps -d $(WHEELHOUSE) \
		"simcord==$$($(BIN)/python -c 'from importlib.metadata import version; print(version("simcord"))')"
	touch $@

# Lint, type check, then every test (unit, cache, corpus when ../shared/corpus exists,
# end to end through SimCord, and the wheel installed as the image installs it).
test: lint wheelhouse
	$(BIN)/python -m pytest
