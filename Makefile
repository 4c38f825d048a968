# The single entry point. `make demo` runs the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := $(shell command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null)
PYTEST_WORKERS ?= 2

.PHONY: install demo run test test-fast test-pg typecheck bench drill drill-smoke lint format check migrations clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（找不到 $(PYTHON)）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# PORT=8001 make demo serves on another port; links in the demo's messages follow it.
PORT ?= 8000
demo: install
	$(PY) manage.py migrate --no-input
	MINHU_SITE_URL="$${MINHU_SITE_URL:-http://127.0.0.1:$(PORT)}" $(PY) manage.py demo_data
	MINHU_SITE_URL="$${MINHU_SITE_URL:-http://127.0.0.1:$(PORT)}" $(PY) manage.py demo_logins
	PORT=$(PORT) bin/run-demo

run: install
	PORT=$(PORT) bin/run-demo

test: install
	@if [ -z "$(CHROMIUM)" ]; then echo ">>> 未找到 Chromium：浏览器测试将被跳过（sudo apt-get install chromium 后即可运行）。"; \
	 else echo ">>> 浏览器测试使用 $(CHROMIUM)"; fi
	@if [ -n "$$DATABASE_URL" ]; then echo ">>> 数据库：$$DATABASE_URL"; else echo ">>> 数据库：SQLite（设置 DATABASE_URL 可改用 PostgreSQL）"; fi
	MINHU_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# For a developer's quick loop: skips the browser and slow tests.
test-fast: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not browser and not slow" $(PYTEST_ARGS)

# The whole suite on PostgreSQL (the machine's, unless DATABASE_URL says otherwise): the PostgreSQL-only branches
# (COPY, skip-locked claims, advisory locks, the audit triggers) run only there.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
test-pg: install
	DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" \
	  MINHU_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Rewrites the README's screenshots in docs/screenshots/ from the browser tests (plain test runs write var/screenshots/).
screenshots: install
	MINHU_SCREENSHOTS=docs MINHU_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest -n $(PYTEST_WORKERS) -m browser $(PYTEST_ARGS)

bench: install
	$(PY) bench/run_all.py

# Fault drill (docs/reliability.md): its own PostgreSQL, replica, Redis, app servers and workers under var/drill/;
# exits 1 while any fault loses, doubles or strands work. drill-smoke: two faults, about two minutes.
drill: install
	$(PY) bench/drill.py

drill-smoke: install
	$(PY) bench/drill.py --only pg-restart,redis-stop --no-write

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Types of every app and the shared helpers (pyproject.toml [tool.mypy] says how strictly; tests are excluded).
TYPED := lib org notify audit ops events resources calendars volunteers deeds guides dashboard people minhu care \
         insight cases renewal
typecheck: install
	$(VENV)/bin/mypy $(TYPED)

check: lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

clean:
	rm -rf $(VENV) var .pytest_cache
