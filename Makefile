# cnnlab: `make setup`, then `make test`. `make help` lists every target.

PYTHON ?= python3
VENV   ?= .venv
VPY    := $(VENV)/bin/python
KERNEL ?= cnnlab

.DEFAULT_GOAL := help
.PHONY: help setup test lab oracle bench pretrained clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Create .venv if missing, install cnnlab editable with [dev], register the Jupyter kernel
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e ".[dev]"
	$(VPY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cnnlab)"

test: ## Run the unit tests and validate the notebooks with nbval
	$(VPY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider tests notebooks

lab: ## Start JupyterLab on notebooks/
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

oracle: ## Install the optional PyTorch 2.13.0 (CPU) for the cross-check tests
	$(VENV)/bin/pip install -e ".[oracle]"

bench: ## Run every benchmarks/bench_*.py
	@set -e; found=0; for f in benchmarks/bench_*.py; do \
	  [ -e "$$f" ] || continue; found=1; \
	  echo "==> $$f"; $(VPY) "$$f"; \
	done; [ $$found = 1 ] || echo "no benchmarks/bench_*.py yet"

pretrained: ## Retrain the shipped LeNet-5 weights on full MNIST (cnnlab/pretrained/lenet5_mnist.npz)
	$(VPY) -m cnnlab.pretrained build

clean: ## Remove build artefacts and caches (keeps .venv and data/)
	rm -rf build dist .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 -r rm -rf
