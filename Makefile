# Maskflow: `make run` (set up, migrate, demo data, serve) and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MODEL ?= sam2.1_hiera_tiny
TORCH_VERSION ?= 2.13.0
SAM2_VERSION ?= 1.1.0
STAMP := $(VENV)/.maskflow-installed
FRONT_STAMP := frontend/dist/index.html
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run setup serve worker test test-py test-front bench migrate demo weights frontend gen clean

run: setup migrate demo serve

setup: $(STAMP) $(FRONT_STAMP)

# Order matters: torch first (the CPU wheel here; PyPI gives CUDA builds to users), then our
# dependencies, then sam2 without its dependencies, so that nothing swaps torch for another
# build through torchvision (the video predictor never imports it).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==$(TORCH_VERSION)"
	$(BIN)/pip install -q -e ".[test]"
	SAM2_BUILD_CUDA=0 $(BIN)/pip install -q --no-build-isolation --no-deps "sam2==$(SAM2_VERSION)"
	touch $(STAMP)

frontend: $(FRONT_STAMP)
$(FRONT_STAMP): frontend/package.json frontend/package-lock.json $(shell find frontend/src -type f 2>/dev/null) frontend/index.html
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build

migrate: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0

demo: setup
	$(BIN)/python manage.py demo

serve:
	@echo "Maskflow on http://$(HOST):$(PORT)/"
	$(BIN)/python -m uvicorn webapp.asgi:application --host $(HOST) --port $(PORT) --ws websockets --no-access-log

worker:
	$(BIN)/python -m webapp.realtime.worker $(WORKER_ARGS)

test: setup test-front test-py

# Browser tests run in their own pytest process: Playwright's sync API leaves an event loop
# running in the main thread, which breaks the asyncio tests that would follow it.
test-py:
	$(BIN)/python -m pytest -q --ignore=tests/browser $(PYTEST_ARGS)
	$(BIN)/python -m pytest -q tests/browser $(PYTEST_ARGS)

test-front:
	cd frontend && npm test

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The generated contract: protocol JSON Schema + docs/protocol.md, the project rules JSON, and the
# TypeScript made from both (tests fail while any of them is stale).
gen:
	$(BIN)/python -m webapp.realtime.protocol_docs --write
	$(BIN)/python -m webapp.projects.contract --write
	cd frontend && npm run gen:protocol

weights: setup
	$(BIN)/python manage.py weights $(MODEL)  # into SAM2_WEIGHTS_DIR (default checkpoints/)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var
