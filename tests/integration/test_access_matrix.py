"""The access matrix of the suite, checked over JSON-RPC as each role (issue 14).

For every model the suite defines: each role's read / write / create / unlink
answer (Odoo's ``has_access`` on the model, over ``/web/dataset/call_kw``). For
every secret field: which roles can see it (``fields_get``) and read it. For
every public method the suite adds (no leading underscore, not ``@api.private``:
what JSON-RPC lets any logged-in user call): every role outside the method's
row gets an AccessError, and nothing is written. The expected answers live in
``access_matrix.py``; what the installed suite has and the file lacks fails.
"""

import inspect
import ipaddress
import json
import re
import socket
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .access_matrix import METHODS, MODELS, ROLES, SECRETS, SUITE, snapshot

# A field whose name says it holds a secret must have a row in SECRETS.
SECRET_NAME = re.compile(r"(token|secret|password|passwd|api_key|private_key)")
# ORM and web-client entry points every model has: Odoo checks them itself.
ORM_METHODS = frozenset(
    """create write unlink copy read search search_read search_count name_search
    name_create default_get fields_get onchange web_read web_save web_search_read
    read_group web_read_group check_access has_access""".split()
)


def _is_suite(cls):
    return getattr(cls, "_module", None) in SUITE


def suite_public_methods(env):
    """{(model, method)} the suite adds and JSON-RPC lets anyone call."""
    found = set()
    for name in env.registry:
        cls = type(env[name])
        mro = cls.mro()
        for klass in mro:
            if not _is_suite(klass):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or attr in ORM_METHODS or not callable(value):
                    continue
                if not inspect.isfunction(value):
                    continue  # class attributes such as ``pool``
                if any(
                    getattr(k.__dict__.get(attr), "_api_private", False) for k in mro
                ):
                    continue
                # a core method the suite only extends keeps core's own checks
                # unless the suite's override is where the check belongs: both kinds
                # need a row, so that a new override is a decision too
                found.add((name, attr))
    return found


def suite_models(env):
    return {n for n in env.registry if env[n]._original_module in SUITE}


def suite_secret_fields(env):
    found = set()
    for name in env.registry:
        for fname, field in env[name]._fields.items():
            module = getattr(field, "_module", None)
            if module in SUITE and SECRET_NAME.search(fname):
                found.add((name, fname))
    return found


def _refuse_outside_loopback(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise OSError(f"access matrix: no traffic to {address[0]} from a test")


@tagged("post_install", "-at_install")
class TestAccessMatrix(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {}
        for role, groups in ROLES.items():
            refs = [cls.env.ref(xmlid, raise_if_not_found=False) for xmlid in groups]
            if not all(refs):
                continue  # e.g. no crm, so no salesperson's group
            cls.users[role] = new_test_user(
                cls.env,
                login=f"matrix_{role}",
                password=f"matrix_{role}_pw1",
                groups=",".join(groups),
            )
        cls.samples = {}
        # A refused call must stop before any provider is asked; should one not,
        # it fails here instead of reaching the internet.
        real_connect = socket.socket.connect
        real_sendto = socket.socket.sendto
        real_getaddrinfo = socket.getaddrinfo

        def connect(sock, address):
            _refuse_outside_loopback(sock, address)
            return real_connect(sock, address)

        def sendto(sock, data, *args):  # dnspython's DNS queries
            _refuse_outside_loopback(sock, args[-1])
            return real_sendto(sock, data, *args)

        def getaddrinfo(host, *args, **kwargs):
            if host not in ("localhost", "127.0.0.1", "::1", None):
                raise socket.gaierror(f"access matrix: no look-up of {host}")
            return real_getaddrinfo(host, *args, **kwargs)

        cls.startClassPatcher(patch.object(socket.socket, "connect", connect))
        cls.startClassPatcher(patch.object(socket.socket, "sendto", sendto))
        cls.startClassPatcher(patch("socket.getaddrinfo", getaddrinfo))

    # -- plumbing ---------------------------------------------------------------
    def login(self, role):
        self.authenticate(f"matrix_{role}", f"matrix_{role}_pw1")

    def call(self, model, method, args=(), kwargs=None):
        """``call_kw`` over HTTP as the logged-in user: (result, error name)."""
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs or {},
            },
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        self.assertLess(response.status_code, 500, f"{model}.{method}")
        reply = response.json()
        if "error" in reply:
            return None, reply["error"]["data"]["name"]
        return reply["result"], None

    def sample(self, model, row):
        """A record of ``model`` (made by the administrator when none exists)."""
        if model not in self.samples:
            Model = self.env[model].sudo()
            record = Model.browse()
            if not row.needs_record:
                pass  # a model-level call: on no records
            elif row.find is not None:
                record = row.find(self.env)
            elif row.vals is not None:
                record = Model.create(
                    row.vals(self.env) if callable(row.vals) else row.vals
                )
            elif not Model._transient:
                record = Model.search([], limit=1)
            self.samples[model] = record
        return self.samples[model]

    def counts(self):
        return snapshot(self.env)

    # -- completeness -----------------------------------------------------------
    def test_every_model_method_and_secret_has_a_row(self):
        unlisted = set(MODELS) ^ suite_models(self.env)
        self.assertFalse(sorted(unlisted), "models without a row, or rows without one")
        missing = suite_public_methods(self.env) - set(METHODS)
        self.assertFalse(sorted(missing), "public methods without a row")
        stale = set(METHODS) - suite_public_methods(self.env)
        self.assertFalse(sorted(stale), "rows for methods that are gone or private")
        unlisted = suite_secret_fields(self.env) - set(SECRETS)
        self.assertFalse(sorted(unlisted), "secret fields without a row")
        gone = [key for key in SECRETS if key[1] not in self.env[key[0]]._fields]
        self.assertFalse(gone, "rows for fields that are gone")
        for model, row in MODELS.items():
            self.assertEqual(set(row), set(ROLES), f"{model}: one answer per role")

    # -- the answers ------------------------------------------------------------
    def test_model_access_per_role(self):
        wrong = []
        for role in self.users:
            self.login(role)
            for model, row in sorted(MODELS.items()):
                for op, letter in (("read", "r"), ("write", "w"), ("create", "c"),
                                   ("unlink", "u")):  # fmt: skip
                    result, error = self.call(model, "has_access", [[], op])
                    expected = letter in row[role]
                    if error or bool(result) != expected:
                        wrong.append(f"{role} {op} {model}: got {error or result}")
        self.assertFalse(wrong, "\n".join(wrong))

    def test_secret_fields_per_role(self):
        wrong = []
        for role in self.users:
            self.login(role)
            for (model, fname), allowed in sorted(SECRETS.items()):
                visible, error = self.call(
                    model, "fields_get", [[fname]], {"attributes": ["type"]}
                )
                expected = role in allowed
                shown = bool(visible) and fname in visible
                if shown != expected:
                    wrong.append(f"{role} sees {model}.{fname}: {shown}")
                # the value itself, through the paths that skip fields_get
                if not expected:
                    # a setting's default is its stored value; elsewhere a default
                    # is a fresh value, and the stored ones come by search_read
                    paths = [("search_read", [[], [fname]])]
                    if model == "res.config.settings":
                        paths = [("default_get", [[fname]])]
                    for method, args in paths:
                        result, error = self.call(model, method, args, {})
                        leaked = not error and any(
                            (value or {}).get(fname)
                            for value in (
                                result if isinstance(result, list) else [result]
                            )
                        )
                        if leaked:
                            wrong.append(f"{role} reads {model}.{fname} by {method}")
        self.assertFalse(wrong, "\n".join(wrong))

    @mute_logger("odoo.http", "odoo.addons")
    def test_public_methods_refuse_other_roles(self):
        wrong = []
        for role in self.users:
            self.login(role)
            for (model, method), row in sorted(METHODS.items()):
                if role in row.roles:
                    continue
                record = self.sample(model, row)
                if row.needs_record and not record:
                    wrong.append(f"{model}.{method}: no sample record to call it on")
                    continue
                before = self.counts()
                function = getattr(type(record), method)
                model_level = getattr(function, "_api", None) == "model"
                args = [*([] if model_level else [record.ids]), *row.args]
                result, error = self.call(model, method, args, dict(row.kwargs))
                if error != "odoo.exceptions.AccessError":
                    wrong.append(
                        f"{role} calls {model}.{method}: {error or repr(result)[:80]}"
                    )
                after = self.counts()
                changed = sorted(t for t in after if after[t] != before.get(t))
                if changed:
                    wrong.append(f"{role} calling {model}.{method} wrote {changed}")
        self.assertFalse(wrong, "\n".join(wrong))
