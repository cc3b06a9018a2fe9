"""Every route of the suite answers hostile input with a 4xx, never a 500 (issue 14).

The routes are found in Odoo's own routing map, so a new route is fuzzed the day
it is added: every rule whose endpoint is defined (or overridden) by one of the
suite's addons. Each one gets NUL bytes, non-ASCII and invalid UTF-8, overlong
values, numbers out of PostgreSQL's range in its URL arguments and parameters,
missing and repeated parameters, the wrong content type, a malformed body and an
oversized body, as an anonymous visitor, a portal user and an internal user.

An answer passes when it is below 500 (a JSON route's error must be one of
Odoo's user-facing exceptions, not a crash) and the request changed nothing: the
row counts of the suite's tables and of the core tables they write to are the
same after each route's cases as before. The cases are fixed, not random, so a
failure replays; the whole run is bounded (a few hundred requests).
"""

import inspect
import json
import logging
import re
import threading
import time

from werkzeug.routing.converters import NumberConverter

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .access_matrix import SUITE, snapshot

_logger = logging.getLogger(__name__)

# A value per kind of hostility; URL arguments and parameters get each of them.
HOSTILE = [
    "%00",
    "a%00b",
    "%C3%A9",  # "é": non-ASCII where an int or a token is expected
    "%C2%B2",  # "²": str.isdigit() says yes, int() says no
    "%FF%FE",  # not UTF-8 at all
    "%ED%A0%80",  # an encoded lone surrogate
    "99999999999999999999",  # beyond PostgreSQL's integer
    "-1",
    "x" * 3000,
]
INT_HOSTILE = ["0", "2147483648", "99999999999999999999"]
OVERSIZED = 10 * 1024 * 1024 + 1  # above every webhook limit of the suite
# Exceptions a JSON route may answer with: the user sees a message, no crash.
USER_FACING = (
    "odoo.exceptions.",
    "werkzeug.exceptions.",
    "odoo.http.SessionExpiredException",  # an auth="user" route, no session
)


def suite_endpoint(endpoint):
    """The suite addon that defines or overrides this endpoint, or None."""
    method = getattr(endpoint, "func", endpoint)
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    for cls in type(owner).mro() if owner is not None else ():
        parts = cls.__module__.split(".")
        if name in vars(cls) and parts[:2] == ["odoo", "addons"] and parts[2] in SUITE:
            return parts[2]
    return None


def parameters(endpoint):
    """Named parameters of the endpoint's Python function (its query/form keys)."""
    method = getattr(endpoint, "func", endpoint)
    names = []
    for param in inspect.signature(method).parameters.values():
        if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            names.append(param.name)
    return names


@tagged("post_install", "-at_install")
class TestRouteFuzz(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env, login="fuzz_portal", password="fuzz_portal_pw1",
            groups="base.group_portal",
        )  # fmt: skip
        cls.internal = new_test_user(
            cls.env, login="fuzz_internal", password="fuzz_internal_pw1",
            groups="base.group_user",
        )  # fmt: skip

    def routes(self):
        """(addon, rule) for every route the suite defines or overrides."""
        found = []
        thread = threading.current_thread()
        # Odoo builds the map for the request thread's database
        had, thread.dbname = getattr(thread, "dbname", None), self.env.cr.dbname
        try:
            rules = list(self.env["ir.http"].routing_map().iter_rules())
        finally:
            thread.dbname = had
        for rule in rules:
            addon = suite_endpoint(rule.endpoint)
            if addon:
                found.append((addon, rule))
        return sorted(found, key=lambda item: item[1].rule)

    def counts(self):
        return snapshot(self.env)

    def urls(self, rule):
        """The rule's URL with plain values, then with each hostile argument."""
        converters = rule._converters
        plain = {}
        for name, conv in converters.items():
            plain[name] = "1" if isinstance(conv, NumberConverter) else "x"
        yield rule.rule, self.build(rule, plain)
        for name, conv in converters.items():
            # a number argument: only numbers reach the route (else no route
            # matches, and the 404 is Odoo's own)
            values = INT_HOSTILE if isinstance(conv, NumberConverter) else HOSTILE
            for value in values:
                yield (
                    f"{rule.rule} {name}={value[:20]}",
                    self.build(rule, {**plain, name: value}),
                )

    @staticmethod
    def build(rule, values):
        """The rule's path with raw (already URL-encoded) argument values."""
        path = rule.rule
        for name, value in values.items():
            # "<int:partner_id>", "<string(length=64):token>", "<model('x'):rec>"
            pattern = rf"<(?:[^<>]*:)?{re.escape(name)}>"
            path = re.sub(pattern, value.replace("\\", "\\\\"), path)
        return path

    def cases(self, rule, oversized=True):
        """(label, method, path, kwargs for requests) for one route."""
        routing = rule.endpoint.routing
        methods = [
            m for m in (routing.get("methods") or ["GET", "POST"]) if m != "OPTIONS"
        ]
        params = [p for p in parameters(rule.endpoint) if p not in rule._converters]
        is_json = routing.get("type") == "json"
        for label, path in self.urls(rule):
            for method in methods:
                if is_json:
                    yield label, method, path, self.json_body({})
                else:
                    yield label, method, path, {}
        base = self.build(rule, {n: "1" for n in rule._converters})
        for method in methods:
            for name in params:
                for value in HOSTILE:
                    kwargs = (
                        self.json_body({name: value})
                        if is_json
                        else self.form(method, f"{name}={value}")
                    )
                    label = f"{name}={value[:20]}"
                    if method == "GET" and not is_json:
                        yield label, method, f"{base}?{name}={value}", {}
                    else:
                        yield label, method, base, kwargs
                if not is_json:
                    # repeated parameter: werkzeug keeps the first, Odoo a list
                    query = f"{name}=1&{name}=2"
                    if method == "GET":
                        yield f"{name} repeated", method, f"{base}?{query}", {}
                    else:
                        yield f"{name} repeated", method, base, self.form(method, query)
            if method == "POST":
                yield (
                    "wrong content type",
                    method,
                    base,
                    {
                        "data": b"\x00\xff{not json",
                        "headers": {
                            "Content-Type": "text/plain"
                            if is_json
                            else "application/json"
                        },
                    },
                )
                yield (
                    "malformed json",
                    method,
                    base,
                    {
                        "data": b'{"jsonrpc": "2.0", "params": {"a": "\\u0000"',
                        "headers": {"Content-Type": "application/json"},
                    },
                )
                yield (
                    "oversized body",
                    method,
                    base,
                    {
                        "data": b"a" * OVERSIZED,
                        "headers": {
                            "Content-Type": "application/json"
                            if is_json
                            else "application/x-www-form-urlencoded"
                        },
                    },
                )

    @staticmethod
    def json_body(params):
        body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        return {
            "data": json.dumps(body).replace("%00", "\\u0000").encode(),
            "headers": {"Content-Type": "application/json"},
        }

    @staticmethod
    def form(method, query):
        return {
            "data": query.encode(),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }

    def verdict(self, response, is_json):
        if response.status_code >= 500:
            return f"HTTP {response.status_code}"
        if is_json and response.status_code == 200:
            try:
                error = response.json().get("error")
            except ValueError:
                return None
            name = ((error or {}).get("data") or {}).get("name") or ""
            if error and not name.startswith(USER_FACING):
                return f"JSON error {name}"
        return None

    @mute_logger("odoo.http", "odoo.addons", "odoo.sql_db", "werkzeug")
    def test_no_route_crashes_or_writes(self):
        routes = self.routes()
        self.assertGreaterEqual(len(routes), 8, "the suite's routes are all found")
        users = [(None, None), ("fuzz_portal", "fuzz_portal_pw1"),
                 ("fuzz_internal", "fuzz_internal_pw1")]  # fmt: skip
        problems, sent = [], 0
        started = time.monotonic()
        for login, password in users:
            self.authenticate(login, password)
            for addon, rule in routes:
                is_json = rule.endpoint.routing.get("type") == "json"
                before = self.counts()
                # one oversized body per route is enough (the first visitor's)
                cases = self.cases(rule, oversized=login is None)
                for label, method, path, kwargs in cases:
                    response = self.opener.request(
                        method,
                        self.base_url() + path,
                        timeout=30,
                        allow_redirects=False,
                        **kwargs,
                    )
                    sent += 1
                    bad = self.verdict(response, is_json)
                    if bad:
                        problems.append(
                            f"{addon} {method} {rule.rule} [{label}] as "
                            f"{login or 'anonymous'}: {bad}"
                        )
                changed = {
                    t: (n, after)
                    for t, after in self.counts().items()
                    if (n := before.get(t)) != after
                }
                if changed:
                    who = login or "anonymous"
                    problems.append(f"{addon} {rule.rule} as {who} wrote: {changed}")
        _logger.info("%s requests in %.0fs", sent, time.monotonic() - started)
        self.assertFalse(
            problems, f"{len(problems)} of {sent}:\n" + "\n".join(problems)
        )
