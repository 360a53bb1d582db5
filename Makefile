# The two commands: `make run` serves the app with demo data; `make test` runs every check.
#   make run [PORT=5000] [HOST=127.0.0.1]   installs what running needs, migrates, seeds, serves
#   make test                              installs the test tools too, then lint and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of packages: running needs the application's dependencies only; the
# checks add the test extras (pytest, ruff, bandit, Playwright, ...).
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-test run test lint format migrate seed clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# One pip run for both sets (the application's dependencies come with the extras): a fresh
# checkout's `make test` resolves and installs once.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $@

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask fund seed --demo

# Links in the emails point at the server started here, unless FUND_BASE_URL is already set
# (behind a proxy, or HOST=0.0.0.0 serving other machines: set it to the address they use).
# No SECRET_KEY is set here: the application keeps its own in instance/ when none is given.
run: export FUND_BASE_URL ?= http://$(HOST):$(PORT)
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	@$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r fund workflows config.py wsgi.py

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs on every core (-n auto); a file's tests stay on one worker (--dist loadfile)
# so that module-scoped fixtures are built once. The files are sent in the order of the
# collection, which puts the slowest first (tests/conftest.py: SLOW_FILES_FIRST), so that
# both workers end at about the same time.
test: lint
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

# The interface's catalogs (fund/translations/<lang>/LC_MESSAGES/messages.po): extract every
# marked message (babel.cfg; its seed extractor imports the application, hence PYTHONPATH),
# add the new ones to each language's catalog, compile them to .mo.
# New messages arrive untranslated: translate them in the .po files, then run this again;
# tests/test_i18n.py fails while a catalog misses a message or holds a fuzzy entry.
translations: install
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -k N_ -k Np_:1,2 -k pN_:1c,2 -k script_plurals:1,2 --no-location --sort-output --project fund \
		-o fund/translations/messages.pot .
	$(BIN)/pybabel update -i fund/translations/messages.pot -d fund/translations --no-fuzzy-matching \
		--ignore-obsolete -w 100
	$(BIN)/pybabel compile -d fund/translations

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache .ruff_cache
