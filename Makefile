# Every target installs what is missing first (idempotent), so a fresh Debian/Ubuntu
# machine needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Pango + HarfBuzz subset for WeasyPrint, CJK and emoji fonts for the reports (and for the
# OCR tests' drawn marks), poppler for the report tests (pdftotext, pdffonts, pdfdetach: what
# a third party uses to check a report), libGL and GLib for OpenCV, and Debian's Chromium for
# the extension tests (Playwright drives it; no browser is ever downloaded).
SYSTEM_PACKAGES := ca-certificates python3-venv libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-noto-cjk fonts-noto-color-emoji poppler-utils libgl1 libglib2.0-0 \
	chromium

.PHONY: run pair desk test bench lint system clean

system:
	@scripts/system-packages $(SYSTEM_PACKAGES)

# constraints.txt pins every package to the versions the tests last passed with; regenerate
# it after changing dependencies: .venv/bin/pip freeze --exclude-editable > constraints.txt
$(STAMP): pyproject.toml constraints.txt | system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/refundproof demo
	$(VENV)/bin/refundproof serve

# a new 6-digit code for the extension's options page (the hint the extension gives)
pair: $(STAMP)
	$(VENV)/bin/refundproof pair

desk: $(STAMP)
	$(VENV)/bin/refundproof desk

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check server reports tests bench
	$(VENV)/bin/ruff format --check server reports tests bench
	$(VENV)/bin/mypy
	@if command -v node >/dev/null; then \
	  for f in extension/*.js extension/lib/*.js extension/content/*.js extension/sites/*.js; do \
	    node --check "$$f" || exit 1; done; \
	else echo "node not found: JavaScript syntax not checked (the browser tests still run it)"; fi

clean:
	rm -rf $(VENV) .pytest_cache
