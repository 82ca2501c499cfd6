# Two commands on a fresh machine: `make lab` (the workbook, cluster ready) and `make test` (every test).
# Everything else here is a step of those two, runnable on its own.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CLUSTER ?= kindlab
CONFIG ?= clusters/kind-3node.yaml
# RECREATE=1 deletes and recreates an existing cluster (needed when it is unhealthy).
RECREATE ?=
PYTEST_ARGS ?=
LAB_PORT ?= 8888

# conda users: `conda env create -f environment.yml && conda activate kindlab`, then the same commands.
ifeq ($(CONDA_DEFAULT_ENV),kindlab)
  PY := python
  BIN := $(CONDA_PREFIX)/bin
else
  PY := $(CURDIR)/.venv/bin/python
  BIN := $(CURDIR)/.venv/bin
endif
export PATH := $(BIN):$(PATH)
KINDLAB_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kindlab
export KINDLAB_CACHE

.PHONY: help setup tools engine images cluster cluster-down lab test test-unit check-notebooks grade grade-class bench edition doctor reset

help:
	@echo "make lab     - set up, create the cluster, open JupyterLab on the workbook"
	@echo "make test    - set up, create the cluster, run every test against it"
	@echo "make images  - build the node image and lab images from source (air-gapped)"
	@echo "make cluster [CONFIG=clusters/kind-1node.yaml] [RECREATE=1]"
	@echo "make grade NOTEBOOK=path.ipynb LAB=01"
	@echo "make grade-class SUBMISSIONS=dir LAB=02 [JOBS=4] [ROSTER=roster.csv]"
	@echo "make doctor [REPAIR=1] - check (and repair) the cluster; make reset LAB=NN [NAMESPACE=NS]"
	@echo "make conformance [CLUSTER=name] - Kubernetes' [Conformance] specs on the cluster; conformance-quick: a subset"

# Python environment (venv unless the kindlab conda env is active); re-run when pyproject.toml changes.
$(CURDIR)/.venv/.setup-done: pyproject.toml
	@[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -m pip install -q --upgrade pip
	.venv/bin/python -m pip install -q -e '.[dev]'
	.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

ifeq ($(CONDA_DEFAULT_ENV),kindlab)
setup: tools
	$(PY) -m pip install -q -e '.[dev]' --no-deps
else
setup: $(CURDIR)/.venv/.setup-done tools
endif

# kind and kubectl: from PATH (conda-forge) when present, else built from their Go modules and linked into BIN.
tools:
	@bash clusters/build/tools.sh "$(BIN)"

# The Docker engine (installed and started where we are root on Debian; privileged containers made to work).
engine:
	@bash clusters/docker/engine.sh

# The air-gapped build: every declared component (clusters/components, clusters/addons/*/component.sh) from Go
# modules, every image from them and Debian packages.
images: engine
	@bash clusters/build/components.sh
	@bash clusters/build/debian-base.sh
	@bash clusters/build/node-image.sh

# Create the cluster, or reuse it when healthy. Builds images only when no usable node image exists.
cluster: setup engine
	@$(PY) -m labsupport cluster image --name $(CLUSTER) >/dev/null 2>&1 || $(MAKE) --no-print-directory images
	@$(PY) -m labsupport cluster up --name $(CLUSTER) --config $(CONFIG) $(if $(RECREATE),--recreate)

cluster-down:
	@$(PY) -m labsupport cluster down --name $(CLUSTER)

lab: cluster
	@echo "Opening the workbook: the URL to open is printed below (with its token)."
	$(PY) -m jupyter lab --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) --notebook-dir=$(CURDIR) \
	  --LabApp.app_settings_dir=$(CURDIR)/labsupport/jupyter-settings \
	  $(if $(filter 0,$(shell id -u)),--allow-root) labs/

# Notebooks: learner editions generated from the answer keys, nothing committed with outputs.
check-notebooks: setup
	$(PY) -m labsupport edition --check

edition: setup
	$(PY) -m labsupport edition

test-unit: setup
	$(PY) -m pytest -m "not cluster" $(PYTEST_ARGS)

# Two phases. Tests that touch only their own namespace run in parallel (they mostly wait on pods, so workers
# overlap the waits: TEST_WORKERS was chosen by measuring, see the README); then the tests marked `exclusive`
# (they cordon a node or make clusters) run alone. Both phases always run; exit code 5 (nothing selected, e.g.
# with PYTEST_ARGS=-k...) is fine for one phase but an error when neither selected anything.
TEST_WORKERS ?= 3
test: cluster check-notebooks conformance-suite
	@$(PY) -m pytest -m "not exclusive" -n $(TEST_WORKERS) --dist worksteal --durations=20 $(PYTEST_ARGS); a=$$?; \
	$(PY) -m pytest -m exclusive --durations=20 $(PYTEST_ARGS); b=$$?; \
	echo "test phases: parallel exit $$a, exclusive exit $$b"; \
	if [ $$a = 5 ] && [ $$b = 5 ]; then echo "no test selected" >&2; exit 5; fi; \
	[ $$a = 5 ] && a=0; [ $$b = 5 ] && b=0; [ $$a = 0 ] && [ $$b = 0 ]

# Instructors: is the cluster what the labs expect (REPAIR=1 fixes what it can)? Remove a lab run (LAB=NN [NAMESPACE=NS]).
REPAIR ?=
doctor: setup
	$(PY) -m labsupport doctor --cluster $(CLUSTER) $(if $(REPAIR),--repair)

reset: setup
	$(PY) -m labsupport reset --cluster $(CLUSTER) --lab $(LAB) $(if $(NAMESPACE),--namespace $(NAMESPACE))

grade: setup
	$(PY) -m labsupport grade $(NOTEBOOK) --lab $(LAB) --out reports/grade-$(LAB)

# A class: every file in SUBMISSIONS graded JOBS at a time, each as its own tenant and sandbox user.
JOBS ?= 4
grade-class: setup
	$(PY) -m labsupport grade-class $(SUBMISSIONS) --lab $(LAB) --jobs $(JOBS) --out reports/class-$(LAB) \
	  $(if $(ROSTER),--roster $(ROSTER))

bench: cluster
	$(PY) benchmarks/cluster_create.py

# Workshop mode (README "Workshop mode"): a room of students on this cluster, each with JupyterLab in a browser.
WORKSHOP ?= ws
STUDENTS ?= 2
WORKSHOP_LABS ?= 00,02,03
HUB_PORT ?= 8000
HUB_URL ?= http://$(shell hostname -I 2>/dev/null | cut -d' ' -f1):$(HUB_PORT)
.PHONY: workshop-up workshop-cards workshop-hub workshop-class workshop-down
workshop-up: cluster
	$(PY) -m labsupport workshop up --name $(WORKSHOP) --labs $(WORKSHOP_LABS) \
	  $(if $(ROSTER),--roster $(ROSTER),--students $(STUDENTS))
workshop-cards: setup
	@mkdir -p reports
	$(PY) -m labsupport workshop cards --name $(WORKSHOP) --url $(HUB_URL) --out reports/workshop-$(WORKSHOP)-cards.html
workshop-hub: setup
	$(PY) -m labsupport workshop hub --name $(WORKSHOP) --port $(HUB_PORT)
workshop-class: setup
	@mkdir -p reports
	$(PY) -m labsupport workshop class --name $(WORKSHOP) --lab $(or $(LAB),02) --every 15 \
	  --html reports/workshop-$(WORKSHOP)-class.html --csv reports/workshop-$(WORKSHOP)-class.csv
workshop-down: setup
	$(PY) -m labsupport workshop down --name $(WORKSHOP)

# Kubernetes' own conformance specs (e2e.test built from the pinned module) against CLUSTER: every [Conformance]
# spec but clusters/conformance/exclusions.txt (full; [Serial] ones after the parallel phase), or the subset
# clusters/conformance/quick.txt (quick). JUnit reports in reports/conformance-*/. Serial/Disruptive specs taint
# nodes and fill them: run `conformance` on a cluster nobody is using.
.PHONY: conformance conformance-quick conformance-suite
# e2e.test and ginkgo alone (cached by version): `make test` runs the quick subset (tests/test_conformance_quick.py).
conformance-suite: setup
	@bash clusters/conformance/build.sh
conformance: setup
	@CLUSTER=$(CLUSTER) PYTHON=$(PY) bash clusters/conformance/run.sh full
conformance-quick: setup
	@CLUSTER=$(CLUSTER) PYTHON=$(PY) bash clusters/conformance/run.sh quick
