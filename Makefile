# The two commands of the README: `make book` and `make test`.
# Each creates .venv if missing and installs the CPU build of torch before the project.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.rgdl-installed

.PHONY: book test install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

install: $(STAMP)

# Build the book, every chapter executed at book scale (cached in _build/.jupyter_cache).
# MathJax is vendored first (npm pack mathjax@3 into vendor/, once) and served with the pages,
# so the built book shows its formulas offline; without npm, one line says the CDN is used.
book: $(STAMP)
	$(PY) -m rgdl.book.offline .
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "open _build/html/index.html"

# Unit tests, every chapter at smoke scale with its claims, nbval on the result cells,
# and the built pages in headless Chromium.
test: $(STAMP)
	RGDL_SCALE=smoke $(PY) -m pytest tests book --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

clean:
	rm -rf _build out .pytest_cache
