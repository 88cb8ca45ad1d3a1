# Two commands for a fresh machine: `make run` and `make test`.
# The virtual environment is created on first use and refreshed when the dependencies change.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck chat lock clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

## run: the Telegram bot when TELEGRAM_BOT_TOKEN is set (environment or .env), else the terminal chat
run: $(BIN)/.installed
	$(BIN)/armswing

## test: the whole suite (PostgreSQL tests too when ARMSWING_TEST_POSTGRES_URL is set)
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## lint: ruff's lint rules and its formatter, as configured in pyproject.toml
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy, strict on the pure layers (pyproject.toml says which)
typecheck: $(BIN)/.installed
	$(BIN)/mypy

## lock: re-pin every dependency after changing pyproject.toml
lock: $(BIN)/.installed
	$(BIN)/python -m pip freeze --exclude-editable --exclude armswing | sort > requirements.lock

clean:
	rm -rf $(VENV) *.egg-info
