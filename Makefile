# returbot: one command to try it, one to test it. Everything lives in a local virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help install console run test test-quick lint typecheck check bench clean

help:
	@echo "make console   try the bot offline: type slash commands, see answers as text"
	@echo "make run       the bot, connected to Slack (needs SLACK_* in the environment or .env)"
	@echo "make test      the test suite (PostgreSQL too when TEST_DATABASE_URL is set)"
	@echo "make test-quick  the same without the slow multi-process proofs (marked slow)"
	@echo "make check     ruff + mypy"
	@echo "make bench     benchmarks under bench/"

$(BIN)/returbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/returbot

console: install
	$(BIN)/returbot console

run: install
	$(BIN)/returbot run

# a worker per core and one more (pytest-xdist's -n auto, see tests/conftest.py: much of the
# suite is waiting, not computing), each with its own database; tests handed out one at a time,
# the slow ones first, so no worker is left with a long tail
PYTEST_PARALLEL := -n auto --maxschedchunk 1

test: install
	$(BIN)/pytest -q $(PYTEST_PARALLEL)

test-quick: install
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not slow"

lint: install
	$(BIN)/ruff check returbot bot handlers storage archive web mail tests bench
	$(BIN)/ruff format --check returbot bot handlers storage archive web mail tests bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck

bench: install
	$(BIN)/python bench/decision_ack.py
	$(BIN)/python bench/decision_search.py
	$(BIN)/python bench/issue_list.py
	$(BIN)/python bench/outbox_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
