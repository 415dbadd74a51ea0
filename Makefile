# One entry point for people and CI. Everything the project needs is installed from its own
# files: Python packages from the hashed lock (requirements.txt), Chromium (for the HTML report
# test) from Debian when missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: check test lint bench lock docs clean

check: $(STAMP)
	$(BIN)/posture check --stack prod

test: $(STAMP) chromium
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/org_audit.py

docs: $(STAMP)
	$(BIN)/python -m posture.docs > docs/controls.md

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

lock:
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.txt

clean:
	rm -rf $(VENV) .pytest_cache
