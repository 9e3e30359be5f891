# Training Deep Networks: the two commands a fresh machine needs are
#   make book   -> .venv + the HTML book in _build/html
#   make test   -> .venv + unit tests + nbval on every chapter, on 2 workers
# Everything else here is a convenience for authors.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers for the test targets (0: one process, as a plain `pytest`).
# How the work is split between them: conftest.py.
TEST_WORKERS ?= 2
# Kernels started by Jupyter must find the venv's python first.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv book test test-unit test-notebooks test-browser lab execute benchmark clean

help:
	@echo "make book       build the book into _build/html (creates .venv first)"
	@echo "make test       unit tests + nbval on every chapter (creates .venv first), in 2 pytest-xdist workers (TEST_WORKERS=0: one process)"
	@echo "make test-browser  the built book and JupyterLab in Chromium (builds the book if stale)"
	@echo "make lab        JupyterLab on the chapters"
	@echo "make execute    re-execute every chapter in place (refresh committed outputs)"
	@echo "make benchmark  time and peak memory per chapter, optimizer step times -> benchmarks/results.md; Chapter 5's rate sweep -> benchmarks/lr_sweep.md"
	@echo "make clean      remove _build and caches (keeps .venv; rm -rf .venv to reset)"

# The virtual environment is (re)built when it is missing or older than
# requirements.txt / pyproject.toml.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build --all --warningiserror --keep-going --builder html .

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) chapters

test-browser: $(STAMP)
	BOOK_MATHJAX_LOCAL=$${BOOK_MATHJAX_LOCAL:-$$(.ci/run mathjax)} $(BIN)/python -m pytest -n $(TEST_WORKERS) -m browser tests

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py chapters/*.ipynb appendix/*.ipynb

benchmark: $(STAMP)
	$(BIN)/python benchmarks/notebooks.py chapters/*.ipynb appendix/*.ipynb --output benchmarks/results.md
	$(BIN)/python benchmarks/optimizers.py --append-to benchmarks/results.md
	$(BIN)/python benchmarks/lr_sweep.py --output benchmarks/lr_sweep.md

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
