# Two commands on a fresh clone: `make run` serves the demo registry, `make test` runs the suite.
# Both create .venv with Python 3.11 and install the project pinned by constraints.txt.
# `make test-fast` is the quick loop while changing code (SQLite only, no slow kinds of test).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers: one per core by default; PYTEST_WORKERS=0 runs the tests in one process.
# `make test` deals the tests two at a time (--maxschedchunk 2), the fuzzing runs first
# (tests/conftest.py), so the long runs spread over the cores and short tests fill in after;
# `make test-fast` has no long runs: a worker that runs out steals half of another's queue.
PYTEST_WORKERS ?= auto
# The slow kinds of test (markers in pyproject.toml), which `make test-fast` leaves out.
SLOW_KINDS := browser or live_server or fuzz or load or faults

.PHONY: run test test-fast fuzz lint format bench bench-hot bench-photos bench-report bench-search bench-service bench-tus load faults clean

# uv installs the pinned set in about 10 s where pip takes about a minute; if uv cannot be
# installed, pip installs the same pins.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet -c constraints.txt uv; then \
		$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt -e '.[dev]'; \
	else \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'; \
	fi
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/heritage-registry migrate
	$(BIN)/heritage-registry load-demo
	@echo "Create an API key with: $(BIN)/heritage-registry keys create --role staff --name you"
	$(BIN)/heritage-registry serve --host $(HOST) --port $(PORT)

# The whole suite: lint, then every test on SQLite and PostgreSQL with fuzzing, the browser,
# live servers and the short load and fault runs (what CI runs, through .ci/run).
test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 2

# The quick loop (1 min 17 s to 2 min 4 s on a fresh clone here, environment included):
# SQLite only; no fuzzing, load or fault runs, live uvicorn servers or Chromium. Add pytest
# options with ARGS, e.g. ARGS="-x tests/photos".
test-fast: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --backend sqlite -m "not ($(SLOW_KINDS))" \
		-p no:hypothesispytest $(ARGS)

# The long fuzzing run: every route for every caller and on both databases, in process and
# through the Schemathesis CLI (`--checks all`), with more examples than the suite's short run.
fuzz: $(STAMP)
	HERITAGE_FUZZ_EXAMPLES=6 HERITAGE_SCHEMATHESIS_EXAMPLES=5 \
		$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 1 -m fuzz -s $(ARGS)

# ruff, and the layers of app/ (contracts in pyproject.toml, [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check app tests migrations benchmarks
	$(BIN)/ruff format --check app tests migrations benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format app tests migrations benchmarks
	$(BIN)/ruff check --fix app tests migrations benchmarks

bench: bench-hot bench-service bench-photos bench-report bench-search bench-tus

bench-hot: $(STAMP)
	command -v wrk > /dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.hot_paths

bench-service: $(STAMP)
	command -v wrk > /dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.service_load

bench-photos: $(STAMP)
	$(BIN)/python -m benchmarks.photo_upload

bench-report: $(STAMP)
	$(BIN)/python -m benchmarks.soc_report

bench-search: $(STAMP)
	$(BIN)/python -m benchmarks.name_search

bench-tus: $(STAMP)
	$(BIN)/python -m benchmarks.tus_upload

# Load without loss (60 s, 2 workers, PostgreSQL) and fault injection; figures in
# benchmarks/results/. The test suite runs shorter versions of both.
load: $(STAMP)
	$(BIN)/python -m benchmarks.load --seconds 60 --clients 16

faults: $(STAMP)
	$(BIN)/python -m benchmarks.faults --kills 3

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
