"""Fake external services served on 127.0.0.1 for the suite's tests.

Each fake is a small real HTTP server (see :mod:`tests.fakes.base`) speaking the
provider's documented JSON. Addon tests import them as ``tests.fakes.<name>``;
the repository root is on ``sys.path`` under the harness (``conftest.py``).
"""
