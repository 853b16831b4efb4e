# Поколение М — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL := postgres://postgres@127.0.0.1:5432/test
# Links in emails, the API and the admin's preview follow the port `make run` serves on.
SITE_URL ?= http://$(HOST):$(PORT)
RUN_ENV := SITE_URL=$(SITE_URL)

# A Python >= 3.12 (3.12 preferred: the version the stack is pinned for) from the PATH, else from
# pyenv; empty when there is none.
FIND_PYTHON = for c in python3.12 python3.13 python3.14 python3; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
	done; \
	for root in "$$(pyenv root 2>/dev/null)" "$${PYENV_ROOT:-}" "$$HOME/.pyenv"; do \
	  [ -d "$$root/versions" ] || continue; \
	  for p in $$(ls -d "$$root"/versions/*/bin/python3 2>/dev/null | sort -V); do \
	    $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
	  done; \
	done

.PHONY: help run test smoke bench tools browser vendor lint clean

help:
	@echo "make run    — set up and run the whole platform on SQLite with demo data (http://$(HOST):$(PORT))"
	@echo "make test   — ruff, checks, migrations check and pytest (PostgreSQL when it answers)"
	@echo "make smoke  — the production stack without Docker, driven in Chromium (PostgreSQL, Redis)"
	@echo "make bench  — benchmarks in bench/"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@PYTHON=$$($(FIND_PYTHON)); \
	if [ -z "$$PYTHON" ]; then \
	  echo "Нужен Python 3.12 или новее (Django 6). Установите его или через pyenv: pyenv install 3.12" >&2; exit 1; \
	fi; \
	if [ ! -x $(PY) ]; then echo "Создаю $(VENV) на $$PYTHON"; $$PYTHON -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# ffmpeg and ffprobe come from the system: install Debian's package when we can. So do the DejaVu
# fonts that certificate PDFs embed (Cyrillic).
tools:
	@if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Устанавливаю ffmpeg…"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; \
	  else \
	    echo "Нужны ffmpeg и ffprobe: установите пакет ffmpeg (sudo apt-get install ffmpeg)." >&2; exit 1; \
	  fi; \
	fi
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -z "$${CERTIFICATE_FONT_DIR:-}" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Устанавливаю шрифты DejaVu…"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Нужны шрифты DejaVu для сертификатов: установите пакет fonts-dejavu-core (sudo apt-get install fonts-dejavu-core)." >&2; exit 1; \
	  fi; \
	fi

# Headless Chromium for the browser tests (Debian's package; Playwright drives it).
browser:
	@if ! command -v chromium >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Устанавливаю chromium…"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Браузерные тесты будут пропущены: нет chromium (sudo apt-get install chromium)." >&2; \
	  fi; \
	fi

# Workbox's runtime modules the service worker imports, in dependency order, as one file.
WORKBOX_MODULES := core routing strategies expiration cacheable-response range-requests

# hls.js for the lesson player, Workbox for the service worker and axe-core for the accessibility tests, from the npm registry at the
# versions pinned in package.json. The minified builds are committed (site_theme/static/site_theme/vendor/,
# tests/e2e/vendor/), so only an upgrade needs npm.
vendor:
	npm ci --no-audit --no-fund
	sed '/^\/\/# sourceMappingURL=/d' node_modules/hls.js/dist/hls.light.min.js > site_theme/static/site_theme/vendor/hls.light.min.js
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js
	for m in $(WORKBOX_MODULES); do sed '/^\/\/# sourceMappingURL=/d' node_modules/workbox-$$m/build/workbox-$$m.prod.js; done > site_theme/static/site_theme/vendor/workbox.min.js
	npx --yes terser@5.36.0 node_modules/jsqr/dist/jsQR.js -c -m -o events/static/events/vendor/jsQR.min.js

run: $(VENV)/.installed tools
	@echo "Адрес сайта (SITE_URL): $(SITE_URL)"
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0
	$(RUN_ENV) $(PY) manage.py load_demo
	@$(RUN_ENV) $(PY) manage.py create_dev_admin
	@echo
	@echo "  Сайт:          http://$(HOST):$(PORT)/"
	@echo "  Админка:       http://$(HOST):$(PORT)/admin/"
	@echo "  API (контент): http://$(HOST):$(PORT)/api/v2/pages/"
	@echo "  API docs:      http://$(HOST):$(PORT)/api/docs/"
	@echo "  Письма (почта для разработки): http://$(HOST):$(PORT)/dev/mail/"
	@echo "  Начните с любого урока: http://$(HOST):$(PORT)/directions/ — видео играют сразу."
	@echo "  Ctrl-C останавливает сервер и обработчик задач."
	@echo
	@trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(PY) manage.py db_worker --queue-name "*" --no-reload & \
	$(RUN_ENV) $(PY) manage.py runserver --noreload $(HOST):$(PORT) & \
	wait

# pytest-xdist workers for `make test`: two, one per core (PYTEST_WORKERS=0 runs in this one process).
# Each worker has its own test database, Redis database, SeaweedFS and temporary folders
# (tests/factories/plugin.py); a file's tests stay on one worker (--dist loadfile). Every flush puts
# the migrations' data back (MigratedData in tests/factories/database.py), so a worker may run any
# file after a live-server one. Files go out in the order the tests' plugin sorts them (browser and
# slow modules first: long_files_first), not xdist's own by number of tests (--no-loadscope-reorder).
# A third worker was slower: it adds its own migrations and per-process fixtures.
PYTEST_WORKERS ?= 2

# Which database: DATABASE_URL if set, else PostgreSQL on 127.0.0.1:5432 if it answers, else SQLite.
test: $(VENV)/.installed tools browser
	@DB="$${DATABASE_URL:-}"; \
	if [ -z "$$DB" ] && $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then DB=$(PG_URL); fi; \
	export DATABASE_URL="$$DB" TASK_BACKEND=immediate; \
	echo "База для тестов: $${DB:-SQLite (PostgreSQL не отвечает)}"; \
	set -e; \
	$(PY) -m ruff check . ; \
	$(PY) -m ruff format --check . ; \
	$(PY) manage.py check ; \
	$(PY) manage.py makemigrations --check --dry-run ; \
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# The production configuration without Docker (SeaweedFS, PostgreSQL, Redis, gunicorn, an RQ worker
# and the scheduler, DEBUG=0), used in Chromium by tests/production: .ci/production-smoke.
smoke: $(VENV)/.installed tools browser
	@DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" .ci/production-smoke

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(VENV)/.installed tools
	@DB="$${DATABASE_URL:-$(PG_URL)}"; export DATABASE_URL="$$DB"; \
	for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var
