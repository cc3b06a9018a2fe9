# The suite's commands (see README.md); tests/harness/suite.py says how each runs.
PYTHON ?= python3
HARNESS = $(PYTHON) tests/harness/suite.py

.PHONY: demo test test-each unit lint readme bench pg help

help:
	@echo "make demo   - demo database with every addon and demo data, served on http://localhost:8069"
	@echo "make test   - unit tests, then each addon with Odoo's own runner, one addon from its wheel,"
	@echo "              and the cross-addon tests; ends with 'suite: N passed, N failed, N skipped'"
	@echo "make test ADDON=name   - one addon's unit tests and Odoo-runner tests in a fresh database"
	@echo "make test-each  - only each addon alone in its own database (Odoo's runner)"
	@echo "make lint   - pre-commit, as OCA 18.0 runs it (ruff, pylint-odoo, prettier, .po checks)"
	@echo "make readme - regenerate every addon's README.rst from its readme/*.md fragments"
	@echo "make bench  - every benchmark in tests/benchmarks/"

demo:
	$(HARNESS) demo

test:
	$(HARNESS) test $(if $(ADDON),--addons $(ADDON))

test-each:
	$(HARNESS) test --each

unit:
	$(PYTHON) -m pytest -p no:odoo tests/unit

lint:
	$(PYTHON) -m pre_commit run --all-files --show-diff-on-failure

readme:
	$(PYTHON) tests/harness/readme.py

bench:
	$(HARNESS) bench

pg:
	$(HARNESS) pg
