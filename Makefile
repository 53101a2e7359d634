# Sunshine: the two commands of the README, and the pieces they are made of.
#   make demo   set up and start the demo portal at http://127.0.0.1:8000
#               (make demo REAL_SAMPLES=1 also loads the real US and UK samples of
#               ../shared/data beside the generated registry)
#   make test   set up and run the whole test suite (lint, SQLite, PostgreSQL +
#               Elasticsearch + headless Chromium, deploy checks)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ORGS ?= 3000
DEMO_YEARS ?= 5
PYTEST_WORKERS ?= 2
REAL_SAMPLES ?=

.PHONY: demo test venv lint test-sqlite test-postgres browser-tools check-deploy clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py seed_demo --orgs $(DEMO_ORGS) --years $(DEMO_YEARS) --seed 1 --if-empty
	$(if $(REAL_SAMPLES),$(BIN)/python manage.py seed_real_samples)
	$(BIN)/python manage.py score_orgs --verbosity 1
	$(BIN)/python manage.py search_index --rebuild
	$(BIN)/python manage.py cms_pages
	$(BIN)/python manage.py export_open_data --verbosity 0
	$(BIN)/python manage.py demo_admin
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: venv lint test-sqlite test-postgres check-deploy

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Tests marked postgres, elasticsearch or browser need the real servers and a browser:
# they run in the second pass, which starts both servers (installing PostgreSQL,
# fetching Elasticsearch once) and drives Debian's Chromium against a live server on
# PostgreSQL, like production.
test-sqlite: venv
	DATABASE_URL= ELASTICSEARCH_URL= ELASTICSEARCH_TEST_URL= \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not postgres and not elasticsearch and not browser"

test-postgres: venv browser-tools
	DATABASE_URL=$$(scripts/postgres start) ELASTICSEARCH_URL= \
	  ELASTICSEARCH_TEST_URL=$$(scripts/elasticsearch start) \
	  CHROMIUM_PATH=$$(scripts/chromium path) AXE_CORE_PATH=$$(scripts/axe-core path) \
	  $(BIN)/pytest -n $(PYTEST_WORKERS)

# Debian's Chromium (apt-get install when missing) and axe-core (from npm, once, into
# ~/.cache/sunshine), so a missing one stops make here rather than inside pytest.
browser-tools:
	scripts/chromium path >/dev/null
	scripts/axe-core path >/dev/null

check-deploy: venv
	DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  ALLOWED_HOSTS=sunshine.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	scripts/postgres stop || true
	scripts/elasticsearch stop || true
	rm -rf var/postgres var/elasticsearch var/sunshine.sqlite3 test-artifacts
