# Two commands for a fresh clone:  make book   and   make test
# Both create .venv and install requirements.lock (the exact versions CI
# tested, with hashes) + dlbook (editable) if needed. `make lock` re-resolves
# the lock from the ranges in requirements.txt and pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# The Pythons and platforms `make lock` checks that the lock installs on from
# wheels alone (README's range); the lock itself is universal, from the first.
LOCK_PYTHONS   := 3.10 3.11 3.12 3.13
LOCK_PLATFORMS := x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin
# `make lock LOCK_UPGRADE=` adds what requirements.txt gained and keeps
# every other pin; the default moves every pin to the newest allowed.
LOCK_UPGRADE ?= --upgrade
# uv reads UV_DEFAULT_INDEX / UV_INDEX_URL, not pip's configuration: where pip
# is set to another index (a mirror) and uv is not, uv is handed pip's
# index-url (pip's extra indexes are not: uv would prefer them to it);
# otherwise both use PyPI.
PIP_CONFIG = $(eval PIP_CONFIG := $(shell $(BIN)/python -m pip config list 2>/dev/null))$(PIP_CONFIG)
pip_index = $(patsubst $(1).index-url='%',%,$(filter $(1).index-url='%,$(PIP_CONFIG)))
PIP_INDEX = $(firstword $(call pip_index,:env:) $(call pip_index,install) $(call pip_index,global))
UV = $(if $(UV_DEFAULT_INDEX)$(UV_INDEX_URL),,$(if $(PIP_INDEX),UV_DEFAULT_INDEX=$(PIP_INDEX) ))$(BIN)/uv
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0
# JavaScript the site serves itself (MathJax, widget manager, require.js)
NPM_STAMP := node_modules/.installed
# How the site build runs the notebooks: cache (default; a notebook re-runs
# only when its code changed, cache in _build/.jupyter_cache) or force (CI:
# every notebook runs and every page is rebuilt).
BOOK_EXECUTE ?= cache
CHROMIUM ?= /usr/bin/chromium

.PHONY: book test unit notebooks site-test browser bench lint lock clean

# .venv with uv in it, at the version and hashes requirements.lock pins
$(BIN)/uv: $(LOCK)
	@test -x $(BIN)/python || { v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  && case " $(LOCK_PYTHONS) " in *" $$v "*) ;; *) echo "$(PYTHON) is Python $$v;" \
	    "requirements.lock is checked for $(LOCK_PYTHONS): make PYTHON=python3.X ..."; exit 1;; esac \
	  && echo "$(PYTHON) -m venv $(VENV)" && $(PYTHON) -m venv $(VENV); }
	awk '/^uv==/ { p = 1 } p { print } p && !/\\$$/ { exit }' $(LOCK) > $(VENV)/uv-lock.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r $(VENV)/uv-lock.txt
	touch $(BIN)/uv

# exactly the lock (anything else removed), then dlbook editable on top; the
# stamp also follows pyproject.toml for dlbook's own metadata
$(STAMP): $(BIN)/uv $(LOCK) pyproject.toml
	$(UV) pip sync -q --python $(BIN)/python --require-hashes $(LOCK)
	$(UV) pip install -q --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

## lock: re-resolve requirements.lock (newest versions the ranges allow), check it
lock: $(BIN)/uv
	cp $(LOCK) $(LOCK).new
	$(UV) pip compile -q requirements.txt pyproject.toml --extra book --extra keras \
	  --universal --python-version $(firstword $(LOCK_PYTHONS)) --generate-hashes \
	  $(LOCK_UPGRADE) --custom-compile-command "make lock" -o $(LOCK).new
	@# each Python (first and last patch) and platform: the pins there, from
	@# wheels alone (offline: the index pages just fetched are in uv's cache)
	@for v in $(LOCK_PYTHONS); do for p in $(LOCK_PLATFORMS); do \
	  for pv in $$v.0 $$v.99; do \
	    $(UV) pip compile -q --offline $(LOCK).new --python-version $$pv \
	      --python-platform $$p --no-build -o /dev/null \
	    || { echo "the new lock does not install from wheels on Python $$pv," \
	         "$$p; $(LOCK) is unchanged"; rm -f $(LOCK).new; exit 1; }; \
	  done; done; echo "checked: Python $$v on $(LOCK_PLATFORMS)"; done
	{ echo "# Checked by make lock: installs from wheels on Python $(LOCK_PYTHONS)"; \
	  echo "# Checked by make lock: on $(LOCK_PLATFORMS)"; \
	  grep -v '^# Checked by make lock' $(LOCK).new; } > $(LOCK)
	rm $(LOCK).new
	@git diff --stat -- $(LOCK) 2>/dev/null || true
	@echo "requirements.lock re-resolved; make test installs it and tests it"

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to fetch the site's JavaScript (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

## book: build the HTML site into _build/html and say where it is; then
## the whole book as one PDF printed by Chromium from the built pages
## (_build/html/dlbook.pdf, no TeX) and all notebooks in one zip
book: $(STAMP) $(NPM_STAMP) browser
	DLBOOK_EXECUTE=$(BOOK_EXECUTE) $(BIN)/jupyter-book build . -W -n --keep-going $(if $(filter force,$(BOOK_EXECUTE)),--all)
	$(BIN)/python tools/book_downloads.py all --chromium $(CHROMIUM)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@echo "Search and JupyterLite need http: $(BIN)/python -m http.server -d _build/html 8000"

## test: unit tests, every notebook under nbval, then the site built and checked in a browser
test: $(STAMP) unit notebooks site-test

# node_modules too: tests/test_lite_copies.py reads Pyodide's package list
unit: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest tests -q -p no:nbval --ignore=tests/site --ignore=tests/lite

# The notebooks run on NOTEBOOK_WORKERS cores at once, each notebook whole on
# one worker (--dist loadfile: its cells share one kernel); 1 runs them in turn.
NOTEBOOK_WORKERS ?= 2

notebooks: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest book --nbval-lax --nbval-cell-timeout=120 -q -p no:cacheprovider \
	  $(if $(filter-out 1,$(NOTEBOOK_WORKERS)),-n $(NOTEBOOK_WORKERS) --dist loadfile)
	@# the JupyterLite copies, in CPython with TensorFlow blocked (tests/lite)
	$(BIN)/python -m pytest tests/lite -q -p no:nbval -p no:cacheprovider \
	  $(if $(filter-out 1,$(NOTEBOOK_WORKERS)),-n $(NOTEBOOK_WORKERS))

## site-test: build the site, then read every page in Chromium (tests/site)
site-test: $(STAMP) book browser
	DLBOOK_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/site -q -p no:nbval -p no:cacheprovider
	@echo "Screenshots of every page: $(CURDIR)/_build/screenshots/"

## browser: Debian's chromium for the site tests, installed when missing (as root)
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "No browser at $(CHROMIUM): apt-get install chromium (site tests skip without it)"; \
	  fi; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/bench.py

lint: $(STAMP)
	$(BIN)/ruff check dlbook tests bench

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyterlite.doit.db
