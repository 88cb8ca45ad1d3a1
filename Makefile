# Two commands for a fresh machine: `make run` and `make test`.
# The virtual environment is created on first use, refreshed when the dependencies change, and
# made again from scratch when it was made by another Python than $(PYTHON) (or that one is gone).
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
# What identifies an interpreter here: its version and the installation it belongs to.
WHICH  := import sys; print(sys.version_info[:2], sys.base_prefix)

.PHONY: run test lint typecheck chat lock clean FORCE

$(BIN)/.installed: $(VENV)/.python pyproject.toml requirements/dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

# Checked at every make: rewritten (and so the install above redone) only when the Python changes.
$(VENV)/.python: FORCE
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "armswing needs Python ≥ 3.11; $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo 'not installed')." >&2; \
	  echo "Install Python 3.11 or newer and name it, e.g. make run PYTHON=python3.12" >&2; exit 1; }
	@want="$$($(PYTHON) -c '$(WHICH)')"; \
	if [ "$$want" != "$$($(BIN)/python -c '$(WHICH)' 2>/dev/null)" ]; then \
	  if [ -e $(VENV) ]; then echo "$(VENV) was made by another Python: making it again with $(PYTHON)"; fi; \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	    echo "$(PYTHON) -m venv failed; on Debian/Ubuntu: sudo apt-get install python3-venv" >&2; exit 1; }; \
	fi; \
	[ "$$(cat $@ 2>/dev/null)" = "$$want" ] || echo "$$want" > $@

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

## lock: re-pin every dependency, with hashes, after changing pyproject.toml (pins that still fit are kept)
lock: $(BIN)/.installed
	$(BIN)/uv pip compile -q --universal --generate-hashes --python-version 3.11 pyproject.toml -o requirements/runtime.txt
	$(BIN)/uv pip compile -q --universal --generate-hashes --python-version 3.11 --extra dev pyproject.toml -o requirements/dev.txt

clean:
	rm -rf $(VENV) *.egg-info
