# Faemban — `make run` (embedded, no servers) and `make test` (everything, real Kafka + PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PACKAGES := libs/domain services/registry services/assessment services/planning \
            services/assistance-log services/reporting deploy/embedded
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
DEV_TOOLS := pytest pytest-asyncio pytest-timeout ruff mypy schemathesis kubernetes-validate
STAMP := $(VENV)/.installed

.PHONY: install run run-distributed infra-up infra-down images up down test test-unit lint fmt typecheck schemas bench clean

## install: the development venv (.venv) with every package editable
install: $(STAMP)
$(STAMP): $(PYPROJECTS) deploy/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "python venv unavailable: installing python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c deploy/constraints.txt $(addprefix -e ,$(PACKAGES)) $(DEV_TOOLS)
	@deploy/local/vendor-leaflet.sh || echo "warning: Leaflet not vendored (npm unreachable?): /map will answer 503"
	@touch $(STAMP)

## run: all five services in one process on http://127.0.0.1:8000 (SQLite under var/, in-process log);
## DEMO=1 also loads a generated register of Ubon Ratchathani (15,689 households)
run: install
	@deploy/local/report-tools.sh fonts || echo "warning: no Thai font installed: PDF reports will answer 503"
	$(BIN)/faemban run $(if $(DEMO),--demo)

## run-distributed: local PostgreSQL + Kafka and one process per service (ports 8001-8005)
run-distributed: install
	deploy/local/run-distributed.sh

infra-up:
	deploy/local/infra.sh up
infra-down:
	deploy/local/infra.sh down

## images: every image of the stack with podman (docker where podman is missing); registry-free
## bases from Debian's mirror; cached, so a repeat takes seconds
images:
	deploy/containers/images.sh

## up / down: the compose stack (Kafka, PostgreSQL, five services, gateway on 127.0.0.1:18080)
up: install
	deploy/containers/stack.sh up
down:
	deploy/containers/stack.sh down

## test: ruff and mypy first (the house rules, checked, not hoped for), then unit, integration
## (real PostgreSQL + Kafka), distributed and embedded end-to-end suites.
## Starts local infrastructure (fresh Kafka log) unless KAFKA_BOOTSTRAP_SERVERS and
## FAEMBAN_TEST_POSTGRES_URL point at servers already.
test: install lint typecheck
	@set -e; \
	if [ -z "$$KAFKA_BOOTSTRAP_SERVERS" ] || [ -z "$$FAEMBAN_TEST_POSTGRES_URL" ]; then \
	  deploy/local/infra.sh up --fresh; eval "$$(deploy/local/infra.sh env)"; started=1; fi; \
	deploy/local/report-tools.sh; \
	status=0; $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$CI" ] && [ -n "$$started" ]; then deploy/local/infra.sh down; fi; \
	exit $$status

## test-unit: the fast suites that need no servers
test-unit: install
	$(BIN)/pytest -p no:cacheprovider -m "not integration" libs/domain/tests/unit services

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
typecheck: install
	$(BIN)/mypy -p faemban_domain -p faemban_registry -p faemban_assessment -p faemban_planning \
	  -p faemban_assistance_log -p faemban_reporting -p faemban_cli

## schemas: regenerate the JSON Schemas and AsyncAPI document of the event contracts
schemas: install
	$(BIN)/python -m faemban_domain.events.schemas

## bench: platform throughput beside bare PostgreSQL COPY and bare aiokafka, same run
bench: install
	@set -e; \
	if [ -z "$$KAFKA_BOOTSTRAP_SERVERS" ] || [ -z "$$FAEMBAN_TEST_POSTGRES_URL" ]; then \
	  deploy/local/infra.sh up; eval "$$(deploy/local/infra.sh env)"; fi; \
	$(BIN)/python bench/platform_bench.py $(BENCH_ARGS); \
	$(BIN)/python bench/import_bench.py $(IMPORT_BENCH_ARGS); \
	$(BIN)/python bench/assessment_bench.py $(ASSESSMENT_BENCH_ARGS); \
	$(BIN)/python bench/assistance_bench.py $(ASSISTANCE_BENCH_ARGS); \
	$(BIN)/python bench/kpi_bench.py $(KPI_BENCH_ARGS); \
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } || true; \
	$(BIN)/python bench/read_bench.py $(READ_BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
