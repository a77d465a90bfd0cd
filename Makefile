# Lantern — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo serve test install system-deps es-up es-down es-status lint typecheck clean lock eval train bench

demo: install es-up ## crawl the bundled demo boards through Airflow and print the top leads
	$(PY) -m demo

serve: install es-up ## the workspace on http://127.0.0.1:8800 (after `make demo`: demo logins)
	$(PY) -m lantern serve

test: install es-up lint typecheck ## lint, types and the whole test suite on real components
	$(PY) -m pytest -q

install: system-deps $(VENV)/.installed ## Python dependencies from the lock file into .venv

# OS packages the pipeline needs: Chromium for JavaScript pages, Java and Maven to fetch
# and run Elasticsearch, docker-compose to validate the compose file. Installed only
# when missing (and only possible as root with apt; otherwise we say what is missing).
system-deps:
	@missing=(); \
	command -v chromium >/dev/null || missing+=(chromium); \
	command -v mvn >/dev/null || missing+=(maven); \
	command -v java >/dev/null || missing+=(openjdk-17-jre-headless); \
	command -v docker-compose >/dev/null || missing+=(docker-compose); \
	if (( $${#missing[@]} )); then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing OS packages: $${missing[*]}"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}" >/dev/null; \
	  else \
	    echo "missing OS packages: $${missing[*]} (install them, then re-run)" >&2; exit 1; \
	  fi; \
	fi

# The editable install also compiles nlp/*.pyx in place (setup.py), against the spaCy
# just installed (no build isolation: nlp/matching.pyx reads spaCy's C structs).
# Bytecode is written here, for every installed module and for Lantern's own, as pip
# does by default: uv does not, and where PYTHONDONTWRITEBYTECODE is set (containers,
# CI) Python never writes it either, so every `lantern` run compiled spaCy, pydantic and
# the rest from source again, more than half of its start-up (benchmarks/startup.py).
$(VENV)/.installed: requirements.lock pyproject.toml setup.py $(wildcard nlp/*.pyx)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip sync -q --python $(PY) --compile-bytecode requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps --no-build-isolation --compile-bytecode -e .
	$(PY) -m compileall -q -j 0 leads nlp crawlers lantern dags
	touch $@

lock: ## re-resolve requirements.lock from pyproject.toml
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

es-up: install ## start the local Elasticsearch (no-op when one is running or ES_URL is set)
	$(PY) -m lantern.local.elasticsearch up

es-down: ## stop the local Elasticsearch
	$(PY) -m lantern.local.elasticsearch down

es-status:
	$(PY) -m lantern.local.elasticsearch status

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

# The development part of the evaluation corpus: what rules are tuned on and the word
# model is trained on. The test part and the fresh texts are only measured.
DEV_TEXTS = tests/devset/*.jsonl tests/corpus/dev/*.jsonl

eval: install ## extraction quality: development part (tuned on), test part and fresh texts (only measured)
	@echo "== development part: rules are tuned on these"
	$(PY) -m nlp.evaluate $(DEV_TEXTS)
	@echo "== test part: only measured, never tuned on"
	$(PY) -m nlp.evaluate tests/heldout/heldout.jsonl tests/corpus/test/*.jsonl
	@echo "== written after the rules were frozen: only measured"
	$(PY) -m nlp.evaluate tests/corpus/fresh/*.jsonl

train: install ## retrain the word model (nlp/data/word_model.json) on the development part
	$(PY) -m nlp.train $(DEV_TEXTS)

bench: install ## throughput benchmarks (figures, not pass/fail)
	$(PY) benchmarks/nlp.py
	$(PY) benchmarks/linking.py

clean: ## remove local state (not the cached Elasticsearch download)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
