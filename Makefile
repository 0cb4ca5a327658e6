# riskkit: `make demo` runs the main job, `make test` runs the tests. `make help` lists all.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROWS ?= 200000
SEED ?= 7
RUNS ?= runs
NOTEBOOK_ROWS ?= 20000

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks,dask,tracking]"
	$(BIN)/riskkit compile configs/baseline.yaml --quiet
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install riskkit with every extra

data: $(STAMP) ## generate the default population into data/synthetic/
	$(BIN)/riskkit generate --rows $(ROWS) --seed $(SEED) --out data/synthetic

demo: data ## the main job: population, baseline experiment, charts, notebooks, report
	$(BIN)/python -m riskkit.demo --rows $(ROWS) --seed $(SEED) --runs $(RUNS) --notebook-rows $(NOTEBOOK_ROWS)

test: $(STAMP) ## run the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -q --durations=20

lint: $(STAMP) ## ruff over the library and the tests
	$(BIN)/ruff check src tests

lab: $(STAMP) ## open JupyterLab on the notebooks
	$(BIN)/python -m riskkit.reporting.sync
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": true}}' > $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

mlflow: $(STAMP) ## MLflow UI on http://127.0.0.1:5000 over ./mlflow.db (runs logged with --track)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

bench: $(STAMP) ## performance figures as ratios (quick)
	$(BIN)/riskkit bench --quick

clean: ## remove generated data, runs and reports (keeps .venv)
	rm -rf runs reports data/synthetic/*.parquet data/synthetic/*.json notebooks/_executed

.PHONY: help install data demo test lint lab mlflow bench clean
