# The suite's two commands (see README.md): `make demo` and `make test`.
PYTHON ?= python3
HARNESS = $(PYTHON) tests/harness/suite.py
ADDONS = $(patsubst %/__manifest__.py,%,$(wildcard */__manifest__.py))

.PHONY: demo test test-each unit lint bench pg help

help:
	@echo "make demo   - demo database with every addon and demo data, served on http://localhost:8069"
	@echo "make test   - Odoo-free unit tests, then (with Odoo 18) every addon's real-Odoo tests"
	@echo "make test ADDON=name   - one addon's tests in a fresh database"
	@echo "make test-each  - each addon installed alone in its own database, with its tests"
	@echo "make lint   - ruff and pylint-odoo"
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
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pylint --rcfile=.pylintrc-mandatory $(ADDONS)

bench:
	$(HARNESS) bench

pg:
	$(HARNESS) pg
