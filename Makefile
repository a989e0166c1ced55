# socialdash — one command to run, one to test. Both set up what they need on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt scripts/install.sh | sha256sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8050
PYTEST_ARGS ?=

.PHONY: setup sysdeps run test lint bench clean

# scripts/install.sh is the one pip command (constraints.txt); the Dockerfile runs it without --dev
$(STAMP): pyproject.toml constraints.txt scripts/install.sh
	test -x $(PY) || python3 -m venv $(VENV)
	PYTHON=$(PY) sh scripts/install.sh --dev
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Debian packages the browser and scale-out tests need, installed only when missing.
sysdeps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v redis-server >/dev/null; then \
	  echo "installing chromium, chromium-driver and redis-server"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver redis-server >/dev/null; \
	fi

run: $(STAMP)
	SOCIALDASH_HOST=$(HOST) SOCIALDASH_PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py

lint: $(STAMP)
	$(VENV)/bin/ruff check socialdash tests benchmarks scripts gunicorn.conf.py
	$(VENV)/bin/lint-imports

test: $(STAMP) sysdeps lint
	OMP_WAIT_POLICY=passive $(VENV)/bin/pytest $(PYTEST_ARGS)

# stage ratios; the 1M flow through the page callbacks (cold vs cached, figures, memory); a 100 MB upload
# against gunicorn; the 1M file through all six pages in headless Chromium (each page's time)
bench: $(STAMP) sysdeps
	$(PY) -m benchmarks.run $(BENCH_ARGS)
	$(PY) -m benchmarks.app_flow
	$(PY) -m benchmarks.upload_memory
	$(PY) -m benchmarks.browser_1m

clean:
	rm -rf $(VENV) .socialdash build *.egg-info
