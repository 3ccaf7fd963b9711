# Every target installs what is missing first (idempotent), so a fresh Debian/Ubuntu
# machine needs only `make run` or `make test`. Sellers install the package instead (README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
# Pango + HarfBuzz subset for WeasyPrint, CJK and emoji fonts for the reports, libGL and GLib
# for OpenCV: what the product needs (`refundproof doctor` names the same).
RUNTIME_PACKAGES := ca-certificates python3-venv libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-noto-cjk fonts-noto-color-emoji libgl1 libglib2.0-0
# poppler for the report tests (pdftotext, pdffonts, pdfdetach: what a third party uses to
# check a report), and Debian's Chromium for the extension tests (Playwright drives it; no
# browser is ever downloaded).
DEV_PACKAGES := poppler-utils chromium

.PHONY: run pair desk test bench lint system clean

system:
	@scripts/system-packages $(RUNTIME_PACKAGES) $(DEV_PACKAGES)

# constraints.txt pins every package to the versions the tests last passed with (the runtime
# set of constraints-runtime.txt, same versions, plus the dev tools); regenerate it after
# changing dependencies: .venv/bin/pip freeze --exclude-editable > constraints.txt, and carry
# the runtime versions into constraints-runtime.txt (tests/test_wheels.py checks their wheels)
$(RUNTIME_STAMP): pyproject.toml constraints-runtime.txt
	@scripts/system-packages $(RUNTIME_PACKAGES)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints-runtime.txt -e .
	@touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml constraints.txt | system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP) $(RUNTIME_STAMP)

# the product only (no test tools); `refundproof demo` builds the sample case on request
run: $(RUNTIME_STAMP)
	$(VENV)/bin/refundproof serve

# a new 6-digit code for the extension's options page (the hint the extension gives)
pair: $(RUNTIME_STAMP)
	$(VENV)/bin/refundproof pair

# a one-time sign-in link to the case desk: the product only, like pair
desk: $(RUNTIME_STAMP)
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
