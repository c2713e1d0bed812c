# Two commands for a fresh clone:  make book   and   make test
# Both create .venv and install requirements.txt + dlbook (editable) if needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: book test unit notebooks site-test bench lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## book: build the HTML site into _build/html and say where it is
book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

## test: unit tests, every notebook under nbval, then the site checks
test: $(STAMP) unit notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q -p no:nbval

notebooks: $(STAMP)
	$(BIN)/python -m pytest book --nbval-lax -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/bench.py

lint: $(STAMP)
	$(BIN)/ruff check dlbook tests bench

clean:
	rm -rf _build .pytest_cache .hypothesis
