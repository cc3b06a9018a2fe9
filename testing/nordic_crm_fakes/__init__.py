"""Fake external services served on 127.0.0.1 for the suite's tests.

Each fake is a small real HTTP server (see :mod:`nordic_crm_fakes.base`) speaking
the provider's documented JSON. It is a plain Python package, installed as a test
requirement (``pip install -e ./testing``), so an addon's tests import it as
``nordic_crm_fakes.<name>`` under Odoo's own runner as well as under pytest.
"""
