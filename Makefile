# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format check-python migrate worker beat web bench clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ComplyWise needs Python 3.11 or newer (set PYTHON=python3.x).")'

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

migrate: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_frameworks
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py seed_demo

## run: web + worker + beat on http://$(HOST):$(PORT), in the foreground (Ctrl-C stops all).
## The demo login is printed first (made once, kept in var/demo-login.txt); a non-loopback HOST warns.
run: migrate
	$(BIN)/python manage.py runstack --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite + filesystem broker by default; DATABASE_URL / CELERY_BROKER_URL switch).
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: every benchmark on PostgreSQL + Redis + real workers (BENCH_ARGS=--embedded for SQLite; --smoke for CI).
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var/test.sqlite3* var/broker
