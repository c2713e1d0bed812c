# Two commands for a fresh clone:  make book   and   make test
# Both create .venv and install requirements.txt + dlbook (editable) if needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0
# JavaScript the site serves itself (MathJax, widget manager, require.js)
NPM_STAMP := node_modules/.installed
# How the site build runs the notebooks: cache (default; a notebook re-runs
# only when its code changed, cache in _build/.jupyter_cache) or force (CI:
# every notebook runs and every page is rebuilt).
BOOK_EXECUTE ?= cache
CHROMIUM ?= /usr/bin/chromium

.PHONY: book test unit notebooks site-test browser bench lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to fetch the site's JavaScript (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

## book: build the HTML site into _build/html and say where it is
book: $(STAMP) $(NPM_STAMP)
	DLBOOK_EXECUTE=$(BOOK_EXECUTE) $(BIN)/jupyter-book build . -W -n --keep-going $(if $(filter force,$(BOOK_EXECUTE)),--all)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@echo "Search and JupyterLite need http: $(BIN)/python -m http.server -d _build/html 8000"

## test: unit tests, every notebook under nbval, then the site built and checked in a browser
test: $(STAMP) unit notebooks site-test

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q -p no:nbval --ignore=tests/site

notebooks: $(STAMP)
	$(BIN)/python -m pytest book --nbval-lax --nbval-cell-timeout=120 -q -p no:cacheprovider

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
