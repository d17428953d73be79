# Rukhsa — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(CURDIR)/$(PY) $(CURDIR)/manage.py
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench guide install messages makemessages migrate demo worker clean \
	system-deps prod-local chaos

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	cd src/rukhsa && DEBUG=1 $(MANAGE) compilemessages -v0

makemessages: $(STAMP)
	cd src/rukhsa && DEBUG=1 $(MANAGE) makemessages -l ar --no-obsolete --no-location -v0

migrate: messages
	DEBUG=1 $(MANAGE) migrate --noinput -v0

demo: migrate
	DEBUG=1 $(MANAGE) load_demo

run: demo
	DEBUG=1 $(VENV)/bin/honcho start -f Procfile.dev

worker: $(STAMP)
	DEBUG=1 $(MANAGE) db_worker

# The system packages the suite needs (Chromium, fonts, gettext, poppler, zbar, Pango):
# installed when root with apt; otherwise `make test` stops here with the command to run.
system-deps:
	@scripts/system_deps.sh

test: system-deps
	@$(MAKE) --no-print-directory messages
	scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy src

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench scripts
	$(VENV)/bin/ruff check --fix src tests bench scripts

bench: messages
	scripts/bench.sh

guide: messages
	scripts/guide.sh

prod-local: messages
	scripts/prod-local.sh

chaos: messages
	scripts/chaos.sh

clean:
	rm -rf $(VENV) var staticfiles
