# Two commands on a fresh machine with Python 3.11+ and make:
#   make run    set up, migrate, seed the demo and serve on http://127.0.0.1:8000
#   make test   set up, then run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Emailed, API and CSV links point where `make run` serves (artsvp/links.py).
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test setup lint format typecheck lock worker beat bench bench-door clean messages

$(BIN)/.installed: requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "artsvp needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# Setup also compiles the translations (locale/*/django.po -> .mo, polib).
setup: $(BIN)/.installed
	@$(BIN)/python -m artsvp.catalogs

run: setup
	$(BIN)/python manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup
	@test -x /usr/bin/chromium || command -v chromium >/dev/null || echo "NOTE: Chromium is not installed: the browser tests will be skipped (apt-get install chromium)."
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# mypy with django-stubs; its settings are [tool.mypy] in pyproject.toml.
typecheck: setup
	$(BIN)/mypy .

worker: setup
	$(BIN)/celery -A config worker --loglevel=info

beat: setup
	$(BIN)/celery -A config beat --loglevel=info

# Every benchmark, one after the other, each printing its figures and `ratio`
# lines. PostgreSQL and Redis on this machine unless DATABASE_URL/REDIS_URL say
# otherwise (each bench works in a scratch database it drops at the end).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13
bench: setup
	@for script in bench/[!_]*.py; do echo "== $$script"; \
		DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(BENCH_REDIS_URL)} \
		$(BIN)/python $$script || exit 1; done

# Scans per second through the check-in API on gunicorn, next to /healthz/
# (needs DATABASE_URL=postgres://...; REDIS_URL as in production).
bench-door: setup
	$(BIN)/python bench/door.py

# Rewrite locale/*/django.po from the code's marked strings (Django's
# makemessages, which needs GNU gettext: apt-get install gettext). CI checks
# that this leaves no diff (tests/i18n/test_catalogs.py).
LOCALES := de fr it es
MESSAGES_OPTIONS := --no-obsolete --add-location=file --no-wrap \
	--ignore=tests --ignore=bench --ignore=staticfiles --ignore=media --ignore=test-artifacts
messages: setup
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(LOCALES)) $(MESSAGES_OPTIONS)
	@$(BIN)/python -m artsvp.catalogs

# Regenerate the lock files after changing pyproject.toml.
lock:
	$(PYTHON) -m venv /tmp/artsvp-pip-tools && /tmp/artsvp-pip-tools/bin/pip install --quiet pip-tools
	/tmp/artsvp-pip-tools/bin/pip-compile --quiet --strip-extras --generate-hashes -o requirements.lock pyproject.toml
	/tmp/artsvp-pip-tools/bin/pip-compile --quiet --strip-extras --generate-hashes --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts
