# One entry point for people and CI. Everything the project needs is installed from its own
# files: Python packages from the hashed lock (requirements.txt), Chromium (for the HTML report
# test) from Debian when missing and this is root with apt (CI); elsewhere that one test skips.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: check test lint bench lock docs schemas pack clean chromium refresh-managed-policies

check: $(STAMP)
	$(BIN)/posture check --stack prod

test: $(STAMP) chromium
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/actionlint .github/workflows/*.yml

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/org_audit.py

docs: $(STAMP)
	$(BIN)/python -m posture.docs > docs/controls.md

schemas: $(STAMP)
	$(BIN)/python -m posture.schemas

# The AWS managed policy documents the who-can-read model judges managed policies by, from the copy
# the locked moto ships: bump moto in pyproject.toml, `make lock`, then run this and commit the file.
refresh-managed-policies: $(STAMP)
	$(BIN)/python scripts/refresh_managed_policies.py

# The publishable CrossGuard pack: dist/pack/ holds PulumiPolicy.yaml, __main__.py, the wheel and a
# hashed requirements.txt, so `pulumi policy publish dist/pack` uploads a pack that starts on its own.
pack: $(STAMP)
	$(BIN)/python scripts/build_pack.py dist/pack

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "chromium is not installed and this is not root with apt: the HTML browser test will skip (CI runs it)"; fi

# pyproject.toml is the only list of dependencies: requirements.txt locks it with the dev extra (tests,
# tools), requirements-runtime.txt locks what the installed tool and the published pack need.
lock:
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -c requirements.txt -o requirements-runtime.txt

clean:
	rm -rf $(VENV) .pytest_cache build dist
