# The two commands a newcomer needs: `make run` and `make test`. Both bootstrap everything.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_PYTHON_DOWNLOADS := never
SOURCES := contracts/src chassis/src $(wildcard services/*/src) deploy/local/src

.PHONY: bootstrap run observe test checks pytest-in-process pytest-stack pytest-fuzz lint typecheck pytest dates test-dates docs docs-serve bench chaos soak schemas screens vendor clean

bootstrap:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
	  || $(PYTHON) -m pip install --quiet --break-system-packages uv
	@$(UV) sync --all-packages --locked --quiet

# Prometheus (Debian's package) on the running `make run`, with the alert rules: http://127.0.0.1:9090/alerts
observe:
	$(UV) run devstack observe

run: bootstrap
	$(UV) run devstack run

# The suite in three parts and the checks, three at a time on the two cores: pytest waits on browsers, brokers and
# databases much of its time (a whole run keeps the cores about 60 % busy). One part starts the whole stack as
# processes (the browser journeys, make run, the chaos campaign), one fuzzes each service's API with schemathesis
# (a stack of its own), the third runs everything else in process; each has its own embedded servers on free
# ports. The checks (lint, types, the docs site, the 31 December run) take the first slot free.
STACK_TESTS := tests/browser tests/e2e tests/chaos
FUZZ_TESTS := tests/security/test_fuzzing.py

# Each part's lines carry its name, whole (they write at once).
test: bootstrap
	@$(MAKE) --no-print-directory -j3 pytest-in-process pytest-stack pytest-fuzz checks

checks: lint typecheck docs dates

pytest-in-process:
	@set -o pipefail; $(UV) run pytest -p no:cacheprovider $(addprefix --ignore=,$(STACK_TESTS) $(FUZZ_TESTS)) 2>&1 \
	  | sed -u 's/^/[en processus] /'

pytest-stack:
	@set -o pipefail; $(UV) run pytest -p no:cacheprovider $(STACK_TESTS) 2>&1 | sed -u 's/^/[pile] /'

pytest-fuzz:
	@set -o pipefail; $(UV) run pytest -p no:cacheprovider $(FUZZ_TESTS) 2>&1 | sed -u 's/^/[fuzz] /'

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck:
	$(UV) run mypy --strict $(SOURCES)

pytest:
	$(UV) run pytest

# The services' date-sensitive tests again, on 31 December at 23:30 in Guadeloupe (1 January in UTC), with
# the machine's clock moved by libfaketime (Debian's faketime). `make test-dates`: every listed day, the slow
# run, and the browser journeys too (tests/dates/run.py).
dates:
	$(UV) run python tests/dates/run.py --day 2026-12-31 --tests quick

test-dates: bootstrap
	$(UV) run python tests/dates/run.py

# The documentation site (MkDocs Material) into var/site, strictly: a broken link, a missing anchor or a page
# left out of the navigation fails the build. The API and event pages are generated from the code as it builds.
docs: bootstrap
	NO_MKDOCS_2_WARNING=1 $(UV) run mkdocs build --strict --quiet

# The same site, served with live reload on http://127.0.0.1:8010 while writing.
docs-serve: bootstrap
	NO_MKDOCS_2_WARNING=1 $(UV) run mkdocs serve --dev-addr 127.0.0.1:8010

bench: bootstrap
	$(UV) run python tests/perf/bench.py

chaos: bootstrap
	$(UV) run python tests/chaos/campaign.py --kills $${CHAOS_KILLS:-20}
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(UV) run pytest -q -p no:cacheprovider tests/security/test_fuzzing.py

soak: bootstrap
	$(UV) run python tests/perf/soak.py --minutes $${SOAK_MINUTES:-30}

schemas: bootstrap
	$(UV) run python -m contracts.export

# Screenshots of the portal's main screens (docs/screens/), taken by the browser journeys.
screens: bootstrap
	PORTAL_SCREENS=docs/screens $(UV) run pytest -q -p no:cacheprovider tests/browser

# DSFR and htmx at their pinned versions into the portal's static files (needs npm; not needed to run).
vendor: bootstrap
	$(UV) run python services/portal/scripts/vendor_assets.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
