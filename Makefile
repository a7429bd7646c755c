# Coinflip: every target bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED := ../shared

.PHONY: run test lint format typecheck bench check-sources clean

$(BIN)/coinflip: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/coinflip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/coinflip
	@mkdir -p data
	$(BIN)/coinflip run

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-sources:
	@if [ -f $(SHARED)/tools/seed_overlap.py ]; then \
		$(PYTHON) $(SHARED)/tools/seed_overlap.py . && echo "seed overlap: none"; \
	else echo "seed overlap: ../shared not present, skipped"; fi

test: lint check-sources
	$(BIN)/coinflip content check
	$(BIN)/pytest

bench: $(VENV)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
