# cnnlab: `make setup`, then `make test`. `make help` lists every target.

PYTHON ?= python3
VENV   ?= .venv
VPY    := $(VENV)/bin/python
KERNEL ?= cnnlab
# the course's language for make lab, make dashboard: en, or zh_CN (简体中文: notebooks/zh_CN/)
COURSE_LANG ?= en
COURSE_DIR := $(if $(filter en,$(COURSE_LANG)),,/$(COURSE_LANG))
DASHBOARD_PORT ?= 8866
# every page load of the dashboard starts a kernel (about 420 MB); one whose page has been
# closed (no connection) and idle for DASHBOARD_CULL seconds is shut down, checked every
# DASHBOARD_CULL_EVERY seconds; an open page keeps its kernel however long it stays idle
DASHBOARD_CULL ?= 300
DASHBOARD_CULL_EVERY ?= 60
# 1: the notebooks that train do so in their quick setting (CNNLAB_QUICK=1) under `make test`
QUICK  ?= 1
# scratch space of `make test`: the student files it writes, the student edition it releases, the
# notebooks' training runs (CNNLAB_RUNS_DIR), Hypothesis's cache and the browser tests' screenshots
# (CNNLAB_SCREENSHOTS_DIR), so that nothing is left in the tree; removed when every test passed,
# kept for a look when one failed
TEST_TMP ?= $(or $(TMPDIR),/tmp)/cnnlab-test-$(notdir $(CURDIR))
# worker processes of `make test` (pytest-xdist; conftest.py keeps each edition's notebook series in
# order on one worker); 0: none. With workers, one BLAS thread each: two workers of two threads on
# two cores only spin. CNNLAB_LANG=en: the checked outputs are English in both editions.
TEST_JOBS ?= 2
XDIST = $(if $(filter 0,$(TEST_JOBS)),,-n $(TEST_JOBS) --dist loadfile)
TEST_ENV = CNNLAB_QUICK=$(QUICK) CNNLAB_RUNS_DIR=$(TEST_TMP)/runs CNNLAB_LANG=en \
  HYPOTHESIS_STORAGE_DIRECTORY=$(TEST_TMP)/hypothesis CNNLAB_SCREENSHOTS_DIR=$(TEST_TMP)/screenshots \
  $(if $(filter 0 1,$(TEST_JOBS)),,OPENBLAS_NUM_THREADS=1)
# reveal.js and MathJax for the slide decks (make slides, tests/test_slides.py), pinned by package-lock.json
NPM_CI := npm ci --no-fund --no-audit --loglevel=error

.DEFAULT_GOAL := help
.PHONY: help setup test test-fast lab dashboard oracle bench pretrained slides translations clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Create .venv if missing, install cnnlab editable with [dev], build the offline MNIST sample, register the Jupyter kernel, npm ci (slides)
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e ".[dev]"
	test -f cnnlab/datasets/mnist_sample.npz || $(VPY) data/build_sample.py
	$(VPY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cnnlab)"
	$(VPY) -m ipykernel install --sys-prefix --name $(KERNEL)-zh_CN --display-name "Python (cnnlab, 中文)" --env CNNLAB_LANG zh_CN
	@if command -v npm >/dev/null 2>&1; then $(NPM_CI); else echo "npm not found: make slides and tests/test_slides.py need node and npm (Debian: apt-get install npm)"; fi

test: ## Unit tests (browser tests given chromium), the notebooks under nbval, then the student edition under nbval (QUICK=0: class size)
	rm -rf $(TEST_TMP) && mkdir -p $(TEST_TMP)
	$(TEST_ENV) CNNLAB_MY_LAYERS=$(TEST_TMP)/teacher/my_layers.py \
	  $(VPY) -m pytest $(XDIST) --durations=15 --nbval-lax --nbval-current-env -p no:cacheprovider tests notebooks dashboard
	$(VPY) -m cnnlab.course release $(TEST_TMP)/student-edition
	cd $(TEST_TMP)/student-edition && $(TEST_ENV) CNNLAB_MY_LAYERS=$(TEST_TMP)/student-edition/my_layers.py \
	  $(abspath $(VPY)) -m pytest $(XDIST) --nbval-lax --nbval-current-env -p no:cacheprovider .
	rm -rf $(TEST_TMP)

# the edit-test loop: what `make test` runs but the notebooks, the browser, worker processes,
# PyTorch and the tests marked slow, with 10 Hypothesis examples instead of 60; one BLAS
# thread (the tests' arrays are small: a second thread only spins, 20 s of CPU a run);
# bytecode cached outside the tree (this machine sets PYTHONDONTWRITEBYTECODE: recompiling
# every import, nbformat's and jsonschema's included, cost ten seconds a run)
FAST_MARKERS := not slow and not notebooks and not browser and not processes and not torch
test-fast: ## Unit tests for the edit-test loop, well under a minute: no notebooks, browser, worker processes, PyTorch or slow tests
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(TEST_TMP)-pycache CNNLAB_HYPOTHESIS_EXAMPLES=10 OPENBLAS_NUM_THREADS=1 \
	  CNNLAB_MY_LAYERS=$(TEST_TMP)-fast/my_layers.py HYPOTHESIS_STORAGE_DIRECTORY=$(TEST_TMP)-fast/hypothesis \
	  $(VPY) -m pytest -q -p no:cacheprovider -m "$(FAST_MARKERS)" tests

lab: ## Start JupyterLab on notebooks/ (COURSE_LANG=zh_CN: the Chinese notebooks/zh_CN/), as root too
	CNNLAB_LANG=$(COURSE_LANG) $(VENV)/bin/jupyter lab --notebook-dir=notebooks$(COURSE_DIR) $(if $(filter 0,$(shell id -u)),--allow-root)

dashboard: ## Serve the LeNet-5 explorer dashboard/lenet5_explorer.ipynb with Voila on 127.0.0.1:8866 (DASHBOARD_PORT=..., COURSE_LANG=zh_CN); kernels of closed pages are shut down after 5 min (DASHBOARD_CULL=...)
	CNNLAB_LANG=$(COURSE_LANG) $(VENV)/bin/voila dashboard$(COURSE_DIR)/lenet5_explorer.ipynb --Voila.ip=127.0.0.1 --port=$(DASHBOARD_PORT) \
	  --MappingKernelManager.cull_idle_timeout=$(DASHBOARD_CULL) \
	  --MappingKernelManager.cull_interval=$(DASHBOARD_CULL_EVERY) \
	  --MappingKernelManager.cull_connected=False

oracle: ## Install the optional PyTorch 2.13.0 (CPU) for the cross-check tests
	$(VENV)/bin/pip install -e ".[oracle]"

bench: ## Run every benchmarks/bench_*.py
	@set -e; found=0; for f in benchmarks/bench_*.py; do \
	  [ -e "$$f" ] || continue; found=1; \
	  echo "==> $$f"; $(VPY) "$$f"; \
	done; [ $$found = 1 ] || echo "no benchmarks/bench_*.py yet"

slides: ## Build a reveal.js deck of every notebook into slides/, the Chinese ones into slides/zh_CN/ (open slides/index.html from disk, no network needed)
	test node_modules/.package-lock.json -nt package-lock.json || $(NPM_CI)
	$(VPY) -m cnnlab.slides build --out slides
	$(VPY) -m cnnlab.slides build --lang zh_CN --out slides/zh_CN

translations: ## Merge the translation catalogues (translations/zh_CN/*.po) with the English notebooks, then build the Chinese ones (notebooks/zh_CN/, dashboard/zh_CN/); merge the package's own catalogue (cnnlab/locale/) with its code
	$(VPY) -m cnnlab.i18n update
	$(VPY) -m cnnlab.i18n build
	$(VPY) -m cnnlab.i18n.package_catalog update

pretrained: ## Retrain the shipped LeNet-5 weights on full MNIST (cnnlab/pretrained/lenet5_mnist.npz)
	$(VPY) -m cnnlab.pretrained build

clean: ## Remove build artefacts, caches, the slide decks and the notebooks' training runs (keeps .venv, node_modules and data/)
	rm -rf build dist .pytest_cache .hypothesis slides notebooks/runs notebooks/extras/runs
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 -r rm -rf
