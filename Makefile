# metrics-workbook: one command to set up and open, one to test.
# Everything runs inside .venv (created from the machine's python3 if missing).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
CONFIG ?= batches/example_class.yml
OUT    ?= batch-out

.PHONY: help venv lab test lint unit nbval notebooks data bench batch review clean

help:
	@echo "make lab        set up .venv if needed and open JupyterLab on notebook 00"
	@echo "make test       set up or refresh .venv, lint (ruff, mypy) and run the whole test suite"
	@echo "make notebooks  re-execute every notebook in place with default parameters"
	@echo "make data       regenerate data/*.csv from seed 42"
	@echo "make bench      run the benchmarks and write docs/benchmarks.md"
	@echo "make batch CONFIG=batches/x.yml OUT=dir   run an instructor batch (BATCH_ARGS=\"--force\" etc.)"
	@echo "make batch-check CONFIG=... OUT=...        check it: problems, run count, time estimate; nothing runs"
	@echo "make review SUBMISSIONS=dir REVIEW_OUT=dir  the class review of participants' saved notebooks"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask]"
	@touch $(STAMP)

# Jupyter refuses to run as root unless told; containers and Binder-like hosts often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) notebooks/00_start_here.ipynb

test: lint
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval-lax --nbval-current-env -p no:randomly notebooks

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest tests -m "not slow and not browser"

nbval: $(STAMP)
	$(PY) -m pytest --nbval-lax --nbval-current-env notebooks

notebooks: $(STAMP)
	$(PY) -m helpers.batch execute-in-place $(NOTEBOOKS)

data: $(STAMP)
	$(PY) -m helpers.data --seed 42 --out data

# make bench BENCH_ARGS="--only callbacks,metrics"  (see python benchmarks/run.py --help)
bench: $(STAMP)
	$(PY) benchmarks/run.py --out docs/benchmarks.md $(BENCH_ARGS)

batch: $(STAMP)
	$(PY) -m helpers.batch run "$(CONFIG)" --out "$(OUT)" $(BATCH_ARGS)

batch-check: $(STAMP)
	$(PY) -m helpers.batch check "$(CONFIG)" --out "$(OUT)"

# make review SUBMISSIONS="class/week 2" REVIEW_OUT=review-week2 [REVIEW_ARGS="--name-from file --pseudonymize"]
SUBMISSIONS ?= submissions
REVIEW_OUT  ?= review-out
review: $(STAMP)
	$(PY) -m helpers.batch review "$(SUBMISSIONS)" --out "$(REVIEW_OUT)" $(REVIEW_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-results batch-out
