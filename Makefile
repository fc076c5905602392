# Relais: `make run` (demo on SQLite) and `make test` (whole suite on PostgreSQL).
SHELL := /bin/bash
.DEFAULT_GOAL := help

ifndef PYTHON
PYTHON := $(shell scripts/find-python)
endif
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The Makefile is for development: DEBUG defaults to on (settings refuse dev secrets otherwise).
export DEBUG ?= true
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/relais
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: help install run test check lint format typecheck migrations-check bench bench-journal bench-oidc bench-mandats

help:
	@echo "make run    start Relais with demo data on http://127.0.0.1:$(PORT) (SQLite)"
	@echo "make test   run the whole test suite on PostgreSQL"
	@echo "make check  lint, type-check, migrations check, then the tests"
	@echo "make bench  run the benchmarks"
	@echo "make bench-journal  journal benchmark on PostgreSQL (BENCH_ARGS=\"--seed 200000\")"

$(UV):
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found" >&2; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py load_oidc_demo --partner-url http://127.0.0.1:$$(( $(PORT) + 2 ))
	@echo
	@echo "Relais : http://127.0.0.1:$(PORT)/connexion/"
	@echo "Mot de passe de démonstration : relais-demo-2026 (par exemple aidant@relais.test)"
	@echo "Code TOTP courant : $(PY) manage.py demo_totp aidant@relais.test"
	@echo "FranceConnect (bac à sable) : http://127.0.0.1:$$(( $(PORT) + 1 ))/api/v2"
	@echo "Site partenaire de démonstration : http://127.0.0.1:$$(( $(PORT) + 2 ))/"
	@echo
	@# The FranceConnect sandbox (PORT + 1) and the demo partner site (PORT + 2) run beside
	@# Relais and stop with it.
	export PORT=$(PORT) SITE_URL=http://127.0.0.1:$(PORT); \
	$(PY) manage.py runserver 127.0.0.1:$$(( $(PORT) + 1 )) --noreload \
		--settings=sandbox.franceconnect.settings & sandbox=$$!; \
	$(PY) manage.py runserver 127.0.0.1:$$(( $(PORT) + 2 )) --noreload \
		--settings=sandbox.partner.settings & partner=$$!; \
	trap 'kill $$sandbox $$partner 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install
	$(VENV)/bin/mypy .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check test

# Journal benchmark: its own PostgreSQL database (relais_bench), created and dropped.
BENCH_ARGS ?=
bench-journal: install
	$(PY) -m bench.journal $(BENCH_ARGS)


# oidc: the OIDC provider benchmark (gunicorn, 2 workers, PostgreSQL, 10,000 usagers).
BENCH_OIDC_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL)_bench,postgres://postgres@127.0.0.1:5432/relais_bench_oidc)
bench-oidc: install
	DATABASE_URL="$(BENCH_OIDC_DATABASE_URL)" $(PY) bench/oidc.py


bench: bench-journal bench-oidc bench-mandats

# mandats: attestation PDF and usagers list with 1,000,000 usagers, in its own database
# (created if missing, filled once).
BENCH_MANDATS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/relais_mandats_bench
bench-mandats: install
	BENCH_DATABASE_URL="$(BENCH_MANDATS_DATABASE_URL)" $(PY) bench/mandats.py $(BENCH_MANDATS_ARGS)
