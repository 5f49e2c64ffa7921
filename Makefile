# noxnb: two commands do all set-up on a fresh machine.
#   make reproduce [PROFILE=quick|paper]   run every notebook with papermill, regenerate figures/ and paper/
#   make test                              the CI checks (nbdev clean/export agree, no outputs, nbdev_test, pytest)
SHELL := /bin/bash
PROFILE ?= quick
SEED ?= 0
ONLY ?=
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test lab venv clean-nbs export check-clean check-export check-outputs nbtest pytest data

$(STAMP): settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name noxnb --display-name "Python (noxnb)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

data: $(STAMP)
	$(BIN)/noxnb data fetch

reproduce: $(STAMP) data
	PYTHONUNBUFFERED=1 $(BIN)/noxnb reproduce --profile $(PROFILE) --seed $(SEED) $(if $(ONLY),--only $(ONLY),)

lab: $(STAMP)
	$(BIN)/jupyter lab --no-browser --allow-root --ip 127.0.0.1 nbs/

clean-nbs: $(STAMP)
	$(BIN)/nbdev_clean
	$(BIN)/python tools/strip_outputs.py

export: $(STAMP)
	$(BIN)/nbdev_export

# nbdev's CI order: cleaning changes nothing, exporting changes nothing, no outputs, notebook tests, then pytest
check-clean: $(STAMP)
	@before=$$(cat nbs/*.ipynb | md5sum); $(BIN)/nbdev_clean; after=$$(cat nbs/*.ipynb | md5sum); \
	 if [ "$$before" != "$$after" ]; then echo "nbdev_clean changed notebooks: run 'make clean-nbs' and commit"; git status --short nbs; exit 1; fi

check-export: $(STAMP)
	@before=$$(cat noxnb/*.py | md5sum); $(BIN)/nbdev_export; after=$$(cat noxnb/*.py | md5sum); \
	 if [ "$$before" != "$$after" ]; then echo "noxnb/ differs from the notebooks: run 'make export' and commit"; git status --short noxnb; exit 1; fi

check-outputs: $(STAMP)
	$(BIN)/python tools/strip_outputs.py --check

nbtest: $(STAMP)
	@# figures drawn by fast test cells go to a scratch folder, so testing never changes figures/ or paper/
	scratch=$$(mktemp -d) && NOXNB_FIGURES=$$scratch NOXNB_PAPER=$$scratch $(BIN)/nbdev_test --n_workers 2 --timing; rc=$$?; rm -rf $$scratch; exit $$rc

pytest: $(STAMP)
	$(BIN)/python -m pytest -q tests/

test: $(STAMP) check-clean check-export check-outputs nbtest pytest
