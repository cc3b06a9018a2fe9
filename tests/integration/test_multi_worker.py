"""The suite on Odoo's multi-worker deployment (issue 20), bounded to a few minutes.

A copy of the integration database is served by a real Odoo prefork server,
started here as a subprocess on its own port::

    odoo -d <copy> --db-filter=^%d$ --workers 4 --max-cron-threads 2

(the database is selected from the request's host name, as on a multi-database
server behind a proxy; ``-d`` keeps the cron workers on that database only).
Then, over real HTTP and real cron worker processes:

- 8 concurrent senders post signed SendGrid batches, 30 % of the events repeated
  across batches and senders: no 500, every event stored once, one activity per
  bounced contact; the serialization conflicts Odoo retried are counted from the
  server's log and printed;
- concurrent WhatsApp webhooks for one conversation (a new contact, then a known
  one): one contact, one channel, every message once, in Meta's order;
- two cron workers run two copies of the Exchange sync and two of the WhatsApp
  send queue at once: each mailbox is synced once, each remote event imported
  once, each queued message sent once;
- the database selection: a webhook or a ``?db=`` for a host the filter does not
  select is a 404 that writes nothing, and the cron workers touch no other
  database.

The copy is dropped afterwards; nothing is committed to the integration
database itself. The server's log stays in ``.local/logs/multi_worker.log``.
Measured: 9 minutes on the 2-core machine under a load average of 20 (most of it
the copy's registry loading twice); a few minutes on an idle machine.
"""

import base64
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
import requests
from nordic_crm_fakes.meta_graph import FakeMetaGraph
from nordic_crm_fakes.msgraph import FakeGraph

import odoo
from odoo.tools import config

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / ".local" / "logs" / "multi_worker.log"
WORKERS = 4
SENDERS = 8
BATCHES_PER_SENDER = 5
BATCH_SIZE = 200
REPEATED_SHARE = 0.3  # of each batch: events other batches carry too
CONTACTS = 300
WA_APP_SECRET = "multi-worker-app-secret"
WA_PHONE_NUMBER_ID = "4599000111"
WA_WABA_ID = "4599000222"
QUEUED_MESSAGES = 120
MAILBOXES = 6
REMOTE_EVENTS = 8  # per mailbox
STARTUP_TIMEOUT = 120
CRON_TIMEOUT = 180
# Odoo's retry of a concurrent-update conflict (odoo.service.model.retrying)
RETRY_LINE = re.compile(r"SERIALIZATION_FAILURE, \d+ tries left")
GAVE_UP_LINE = re.compile(r"maximum number of tries reached")


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _pg(dbname="postgres"):
    """An autocommit connection to ``dbname``, closed afterwards."""
    cnx = psycopg2.connect(
        dbname=dbname,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"] or None,
        password=config["db_password"] or None,
    )
    cnx.autocommit = True
    try:
        yield cnx
    finally:
        cnx.close()


def _copy_database(source, target):
    """``CREATE DATABASE target TEMPLATE source`` once this process let go of it."""
    from odoo.sql_db import close_db

    with _pg() as cnx, cnx.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
        for attempt in range(10):
            close_db(source)  # the template may have no other session
            try:
                cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                return
            except psycopg2.errors.ObjectInUse:
                if attempt == 9:
                    raise
                time.sleep(1)


def _drop_database(name):
    from odoo.sql_db import close_db

    close_db(name)
    with _pg() as cnx, cnx.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')


class SlowMetaGraph(FakeMetaGraph):
    """Meta's send takes a little while, so two queue runs overlap."""

    def _send(self, request):
        time.sleep(0.05)
        return super()._send(request)


class SlowGraph(FakeGraph):
    def handle(self, request):
        time.sleep(0.01)
        return super().handle(request)


class Deployment:
    """The prefork server, its database and the fakes it talks to."""

    def __init__(self, source_db):
        self.source_db = source_db
        self.db = f"{source_db}_workers"[:63]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"{self.db}.localhost"  # ^%d$ picks the first label
        self.proc = None
        self.registry = None
        self.meta = SlowMetaGraph(
            phone_number_id=WA_PHONE_NUMBER_ID, waba_id=WA_WABA_ID
        ).start()
        self.graph = SlowGraph().start()
        self.meetings = {}  # the fakes' barriers of the two-cron-runs check

    # -- set-up --------------------------------------------------------------
    def prepare(self):
        _copy_database(self.source_db, self.db)
        # a registry for the copy, without running its at_install tests again
        test_enable = config["test_enable"]
        config["test_enable"] = False
        try:
            self.registry = odoo.modules.registry.Registry(self.db)
        finally:
            config["test_enable"] = test_enable
        with self.cursor() as env:
            self._prepare_sendgrid(env)
            self._prepare_whatsapp(env)
            self._prepare_exchange(env)
            self._prepare_crons(env)

    def cursor(self):
        registry = self.registry

        class _Env:
            def __enter__(inner):
                inner.cr = registry.cursor()
                return odoo.api.Environment(inner.cr, odoo.SUPERUSER_ID, {})

            def __exit__(inner, exc_type, *_exc):
                try:
                    if exc_type is None:
                        inner.cr.commit()
                finally:
                    inner.cr.close()

        return _Env()

    def _prepare_sendgrid(self, env):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public_key = base64.b64encode(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        ).decode()
        env["ir.config_parameter"].set_param(
            "sendgrid_delivery.verification_key", public_key
        )
        self.salesperson = env["res.users"].create(
            {
                "name": "Worker Salesperson",
                "login": "mw.sales@nordlys.example",
                "groups_id": [(6, 0, [env.ref("base.group_user").id])],
            }
        )
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Multi-worker",
                "body_html": "<p>Hej</p>",
                "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                "state": "done",
            }
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"MW contact {n}",
                    "email": f"mw{n}@kunde.example",
                    "user_id": self.salesperson.id,
                }
                for n in range(CONTACTS)
            ]
        )
        env.flush_all()
        env.cr.execute(
            """
            INSERT INTO mailing_trace (trace_type, mass_mailing_id, model, res_id,
                                       email, trace_status, mail_mail_id_int,
                                       sent_datetime, create_date, write_date)
            SELECT 'mail', %s, 'res.partner', p.id, p.email_normalized, 'sent',
                   2000000 + p.id, now(), now(), now()
              FROM res_partner p WHERE p.id = ANY(%s)
            RETURNING id, res_id, email, mail_mail_id_int
            """,
            (mailing.id, partners.ids),
        )
        self.traces = env.cr.fetchall()

    def _prepare_whatsapp(self, env):
        agent = env["res.users"].create(
            {
                "name": "Worker Agent",
                "login": "mw.agent@nordlys.example",
                "groups_id": [(6, 0, [env.ref("base.group_user").id])],
            }
        )
        self.wa_account = (
            env["whatsapp.account"]
            .create(
                {
                    "name": "Multi-worker number",
                    "phone_number_id": WA_PHONE_NUMBER_ID,
                    "business_account_id": WA_WABA_ID,
                    "access_token": self.meta.token,
                    "app_secret": WA_APP_SECRET,
                    "base_url": self.meta.url,
                    "api_version": self.meta.version,
                    "user_ids": [(6, 0, agent.ids)],
                }
            )
            .id
        )
        customer = env["res.partner"].create(
            {
                "name": "Known WhatsApp customer",
                # a number of its own: the demo data (Lars Nielsen) has 20 11 22 33
                "mobile": "+45 20 71 71 71",
                "country_id": env.ref("base.dk").id,
            }
        )
        self.wa_known = customer.id
        env["whatsapp.message"].create(
            [
                {
                    "account_id": self.wa_account,
                    "partner_id": customer.id,
                    "direction": "outbound",
                    "state": "outgoing",
                    "body": f"Queued message {n:04d}",
                    "recipient": f"45300{n:05d}",
                }
                for n in range(QUEUED_MESSAGES)
            ]
        )

    def _prepare_exchange(self, env):
        params = env["ir.config_parameter"]
        params.set_param("exchange_calendar_sync.retry_backoff", "0.01")
        params.set_param("exchange_calendar_sync.max_retries", "2")
        params.set_param("exchange_calendar_sync.page_size", "5")
        company = env["res.company"].create({"name": "Multi-worker ApS"})
        users = env["res.users"].create(
            [
                {
                    "name": f"Mailbox user {n}",
                    "login": f"mw.box{n}@nordlys.example",
                    "email": f"mw.box{n}@nordlys.example",
                    "tz": "Europe/Copenhagen",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [env.ref("base.group_user").id])],
                }
                for n in range(MAILBOXES)
            ]
        )
        # no other configuration syncs in the copy: the fake is the only Exchange
        env["exchange.sync.config"].search([]).write({"enabled": False})
        sync = env["exchange.sync.config"].create(
            {
                "name": "Multi-worker sync",
                "company_id": company.id,
                "enabled": True,
                "backend": "graph",
                "tenant_id": FakeGraph.tenant,
                "client_id": FakeGraph.client_id,
                "client_secret": FakeGraph.client_secret,
                "graph_url": f"{self.graph.url}/v1.0",
                "login_url": self.graph.url,
                "days_back": 30,
                "days_ahead": 90,
            }
        )
        env["exchange.sync.mailbox"].create(
            [{"config_id": sync.id, "user_id": user.id} for user in users]
        )
        self.exchange_config = sync.id
        base = datetime.combine(datetime.utcnow().date(), datetime.min.time())
        for user in users:
            self.graph.add_mailbox(user.email)
            for n in range(REMOTE_EVENTS):
                start = base + timedelta(days=n + 1, hours=9)
                self.graph.add_event(
                    user.email,
                    f"Outlook {user.email} {n}",
                    start,
                    start + timedelta(hours=1),
                )

    def _prepare_crons(self, env):
        """Two scheduled actions each for the Exchange sync and the send queue;
        every other cron of the copy off (nothing else runs beside them)."""
        exchange = env.ref("exchange_calendar_sync.ir_cron_exchange_sync")
        queue = env.ref("whatsapp_business.ir_cron_whatsapp_send")
        exchange |= exchange.copy({"name": "Exchange sync (second)"})
        queue |= queue.copy({"name": "WhatsApp queue (second)"})
        crons = exchange | queue
        env["ir.cron"].search([("id", "not in", crons.ids)]).write({"active": False})
        crons.write({"active": True, "nextcall": datetime.utcnow() + timedelta(days=1)})
        env["ir.cron.trigger"].search([]).unlink()
        self.crons = {"exchange": exchange.ids, "queue": queue.ids}

    # -- the server ------------------------------------------------------------
    def start(self):
        LOG.parent.mkdir(parents=True, exist_ok=True)
        LOG.unlink(missing_ok=True)
        conf = config.rcfile or config["config"]
        cmd = [
            sys.executable,
            # not -m odoo: the prefork server re-runs argv[0] for its gevent process
            str(ROOT / "tests" / "harness" / "odoo_server.py"),
            *(["-c", conf] if conf else []),
            "-d",
            self.db,
            "--db-filter=^%d$",
            f"--workers={WORKERS}",
            "--max-cron-threads=2",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={_free_port()}",
            "--limit-time-real=300",
            "--log-level=info",
            f"--logfile={LOG}",
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH")) if p
        )
        self.proc = subprocess.Popen(  # noqa: S603 - our own Odoo, loopback only
            cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"Odoo exited ({self.proc.returncode}); see {LOG}")
            try:
                # a route of the database: answers once a worker serves it
                reply = requests.get(
                    f"{self.url}/web/login", headers={"Host": self.host}, timeout=10
                )
                if reply.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise AssertionError(f"Odoo did not answer within {STARTUP_TIMEOUT}s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # graceful: the workers finish their request
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.meta.stop()
        self.graph.stop()
        if self.registry is not None:
            odoo.modules.registry.Registry.delete(self.db)
        _drop_database(self.db)

    def log_text(self):
        return LOG.read_text(errors="replace") if LOG.exists() else ""

    # -- requests ------------------------------------------------------------
    def post(self, path, body, headers, host=None, params=None):
        return requests.post(
            f"{self.url}{path}",
            data=body,
            params=params,
            headers={"Host": host or self.host, **headers},
            timeout=120,
        )

    def sendgrid_headers(self, body):
        from odoo.addons.sendgrid_delivery.services import webhook

        timestamp = str(int(time.time()))
        return {
            "Content-Type": "application/json",
            webhook.SIGNATURE_HEADER: webhook.sign(self.private_key, body, timestamp),
            webhook.TIMESTAMP_HEADER: timestamp,
        }

    def whatsapp_headers(self, body):
        from odoo.addons.whatsapp_business.services import webhook

        return {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": webhook.compute_signature(WA_APP_SECRET, body),
        }


@pytest.fixture(scope="module")
def deployment():
    source = config["db_name"]
    if not source or "," in source:
        pytest.fail("the integration database is not configured (--odoo-database)")
    deployment = Deployment(source)
    try:
        deployment.prepare()
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


# --- SendGrid -------------------------------------------------------------------
def _sendgrid_event(deployment, rng, trace, number, kind):
    trace_id, _partner_id, email, mail_int = trace
    event = {
        "email": email,
        "timestamp": int(time.time()) - rng.randint(0, 3600),
        "event": kind,
        "sg_event_id": f"mw-{number}",
        "sg_message_id": f"{rng.getrandbits(64):x}.filter0001.16648.5515E0B88.0",
        "odoo_db": deployment.db,
        "odoo_mail_id": str(mail_int),
        "odoo_trace_id": str(trace_id),
    }
    if kind == "bounce":
        event.update(
            type="bounce",
            reason="550 5.1.1 The email account does not exist",
            status="5.1.1",
            bounce_classification="Invalid Address",
        )
    return event


def _sendgrid_batches(deployment):
    """``(batches, unique events, bounced trace ids)``: each batch holds 70 %
    events of its own and 30 % drawn from a pool every batch draws from."""
    rng = random.Random(20)
    traces = list(deployment.traces)
    rng.shuffle(traces)
    # one hard bounce per bounced contact, some of them in the shared pool
    bounce_traces = traces[:40]
    counter = iter(range(10**9))
    pool = [
        _sendgrid_event(deployment, rng, trace, next(counter), "bounce")
        for trace in bounce_traces[:20]
    ]
    pool += [
        _sendgrid_event(deployment, rng, rng.choice(traces), next(counter), kind)
        for kind in ["delivered", "open", "click"] * 60
    ]
    own_bounces = [
        _sendgrid_event(deployment, rng, trace, next(counter), "bounce")
        for trace in bounce_traces[20:]
    ]
    repeated = int(BATCH_SIZE * REPEATED_SHARE)
    batches, unique = [], {}
    for _n in range(SENDERS * BATCHES_PER_SENDER):
        events = rng.sample(pool, repeated)
        while own_bounces and len(events) < repeated + 1:
            events.append(own_bounces.pop())
        while len(events) < BATCH_SIZE:
            event = _sendgrid_event(
                deployment,
                rng,
                rng.choice(traces[40:]),
                next(counter),
                rng.choice(["delivered", "open", "click", "processed"]),
            )
            events.append(event)
        unique.update((event["sg_event_id"], event) for event in events)
        rng.shuffle(events)
        batches.append(json.dumps(events).encode())
    bounced = {
        int(e["odoo_trace_id"]) for e in unique.values() if e["event"] == "bounce"
    }
    return batches, unique, bounced


def test_sendgrid_concurrent_batches_store_every_event_once(deployment):
    batches, unique, bounced = _sendgrid_batches(deployment)
    log_before = len(deployment.log_text())
    barrier = threading.Barrier(SENDERS)

    def sender(index):
        mine = batches[index::SENDERS]
        barrier.wait()
        answers = []
        for body in mine:
            # as SendGrid does: a batch not answered 2xx is sent again later
            for _attempt in range(10):
                reply = deployment.post(
                    "/sendgrid/events", body, deployment.sendgrid_headers(body)
                )
                answers.append((reply.status_code, reply.text[:200]))
                if reply.status_code != 503:
                    break
                time.sleep(1)
        return answers

    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = [a for result in pool.map(sender, range(SENDERS)) for a in result]
    elapsed = time.monotonic() - started
    log = deployment.log_text()[log_before:]
    retries = len(RETRY_LINE.findall(log))
    print(
        f"\nSendGrid: {len(batches)} batches x {BATCH_SIZE} events from {SENDERS} "
        f"senders on {WORKERS} workers in {elapsed:.1f}s; serialization conflicts "
        f"retried by Odoo: {retries}"
    )
    statuses = Counter(status for status, _text in answers)
    print(f"SendGrid answers: {dict(statuses)} (503: deferred, sent again)")
    # never a 500; a batch still in conflict on Odoo's last try is deferred
    # (503 + Retry-After) and stored when sent again
    assert set(statuses) <= {200, 503}, answers
    assert statuses[200] == len(batches), answers
    assert not GAVE_UP_LINE.search(log), "a request gave up after 5 conflicts"
    with deployment.cursor() as env:
        env.cr.execute(
            "SELECT sg_event_id, count(*) FROM sendgrid_event"
            " WHERE sg_event_id LIKE 'mw-%%' GROUP BY sg_event_id"
        )
        stored = dict(env.cr.fetchall())
        # every event once: none lost, none twice
        assert set(stored) == set(unique)
        assert set(stored.values()) == {1}
        env.cr.execute(
            "SELECT count(*) FROM sendgrid_event WHERE sg_event_id LIKE 'mw-%%'"
            " AND event_type = 'bounce'"
        )
        assert env.cr.fetchone()[0] == len(bounced)
        bounce_type = env.ref("sendgrid_delivery.mail_activity_type_email_bounced")
        partners = env["mailing.trace"].browse(sorted(bounced)).mapped("res_id")
        activities = env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners),
                ("activity_type_id", "=", bounce_type.id),
            ]
        )
        per_contact = Counter(activities.mapped("res_id"))
        # one follow-up per bounced contact, for their salesperson
        assert per_contact == dict.fromkeys(partners, 1)
        assert activities.user_id.ids == [deployment.salesperson.id]
        invalid = env["res.partner"].browse(partners).filtered("is_email_invalid")
        assert len(invalid) == len(partners)


# --- WhatsApp -------------------------------------------------------------------
def _inbound(wamid, sender, text, timestamp):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WA_WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "4570203040",
                                "phone_number_id": WA_PHONE_NUMBER_ID,
                            },
                            "contacts": [
                                {"profile": {"name": "Nina Ny"}, "wa_id": sender}
                            ],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": wamid,
                                    "timestamp": str(timestamp),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def _concurrent_inbound(deployment, sender, label, count=8):
    now = int(time.time()) - 60
    bodies = [
        json.dumps(
            _inbound(f"wamid.MW.{label}.{n}", sender, f"{label} {n}", now + n)
        ).encode()
        for n in range(count)
    ]
    barrier = threading.Barrier(count)

    def post(body):
        barrier.wait()
        reply = deployment.post(
            "/whatsapp/webhook", body, deployment.whatsapp_headers(body)
        )
        return reply.status_code, reply.text[:200]

    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(post, bodies))
    return answers, [f"wamid.MW.{label}.{n}" for n in range(count)]


def _assert_one_conversation(deployment, phone, wamids):
    with deployment.cursor() as env:
        # a duplicate may hold the number as mobile or as phone
        partners = env["res.partner"].search(
            ["|", ("mobile_e164", "=", phone), ("phone_e164", "=", phone)]
        )
        assert len(partners) == 1, f"{len(partners)} contacts for {phone}"
        channels = env["discuss.channel"].search(
            [
                ("whatsapp_account_id", "=", deployment.wa_account),
                ("whatsapp_partner_id", "=", partners.id),
            ]
        )
        assert len(channels) == 1
        messages = env["whatsapp.message"].search(
            [("meta_id", "in", wamids)], order="message_date, id"
        )
        assert messages.mapped("meta_id") == wamids  # each once, Meta's order
        assert set(messages.channel_id.ids) == set(channels.ids)
        assert set(messages.partner_id.ids) == set(partners.ids)
        posted = messages.mail_message_id
        assert len(posted) == len(wamids)
        assert set(posted.mapped("res_id")) == set(channels.ids)
        return partners.id


def test_whatsapp_concurrent_webhooks_new_contact_one_conversation(deployment):
    answers, wamids = _concurrent_inbound(deployment, "4521990011", "new")
    assert {status for status, _text in answers} == {200}, answers
    _assert_one_conversation(deployment, "+4521990011", wamids)


def test_whatsapp_concurrent_webhooks_known_contact_one_conversation(deployment):
    answers, wamids = _concurrent_inbound(deployment, "4520717171", "known")
    assert {status for status, _text in answers} == {200}, answers
    partner = _assert_one_conversation(deployment, "+4520717171", wamids)
    assert partner == deployment.wa_known  # the known contact, not a new one


# --- Database selection -----------------------------------------------------------
def test_db_filter_selects_the_database_of_the_host(deployment):
    body = json.dumps(
        [
            {
                "email": "mw0@kunde.example",
                "timestamp": int(time.time()),
                "event": "delivered",
                "sg_event_id": "mw-dbfilter-1",
                "odoo_db": deployment.db,
                "odoo_trace_id": str(deployment.traces[0][0]),
            }
        ]
    ).encode()
    headers = deployment.sendgrid_headers(body)
    # a host the filter does not select: no database, the route does not exist
    assert (
        deployment.post("/sendgrid/events", body, headers, "localhost").status_code
        == 404
    )
    # naming the database does not get around the filter
    reply = deployment.post(
        "/sendgrid/events", body, headers, "localhost", params={"db": deployment.db}
    )
    assert reply.status_code == 404
    wa_body = json.dumps(_inbound("wamid.MW.dbf", "4521000000", "x", 1)).encode()
    reply = deployment.post(
        "/whatsapp/webhook", wa_body, deployment.whatsapp_headers(wa_body), "localhost"
    )
    assert reply.status_code == 404
    with deployment.cursor() as env:
        env.cr.execute(
            "SELECT count(*) FROM sendgrid_event WHERE sg_event_id = 'mw-dbfilter-1'"
        )
        assert env.cr.fetchone()[0] == 0
        assert not env["whatsapp.message"].search([("meta_id", "=", "wamid.MW.dbf")])
    # the host's own database serves it
    reply = deployment.post("/sendgrid/events", body, deployment.sendgrid_headers(body))
    assert reply.status_code == 200 and reply.json()["stored"] == 1


# --- Two cron workers -------------------------------------------------------------
def _make_due(deployment, cron_ids):
    with deployment.cursor() as env:
        env["ir.cron"].browse(cron_ids).write(
            {"nextcall": datetime.utcnow() - timedelta(minutes=1)}
        )
    # the cron workers listen on the postgres database, as Odoo's _notifydb tells them
    with _pg() as cnx, cnx.cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [deployment.db])


def _wait(condition, what, timeout=CRON_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _ran_since(deployment, cron_ids, since):
    with deployment.cursor() as env:
        env.cr.execute(
            "SELECT count(*) FROM ir_cron WHERE id = ANY(%s) AND lastcall >= %s"
            " AND nextcall > now() AT TIME ZONE 'UTC'",
            (cron_ids, since),
        )
        return env.cr.fetchone()[0] == len(cron_ids)


def _job_spans(log):
    """``{job name: [(pid, started, ended), ...]}``: every run of each cron job
    in the server log (a job that triggers itself runs again)."""
    spans = {}
    pattern = re.compile(
        r"^(\S+ \S+) (\d+) INFO \S+ odoo.addons.base.models.ir_cron: "
        r"Job '([^']+)' \(\d+\) (starting|completed)",
        re.MULTILINE,
    )
    running = {}
    for stamp, pid, name, what in pattern.findall(log):
        when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        if what == "starting":
            running[(name, pid)] = when
        elif (name, pid) in running:
            spans.setdefault(name, []).append((pid, running.pop((name, pid)), when))
    return spans


def _overlap(first_runs, second_runs):
    """Whether a run of one job and a run of the other overlapped, each in its
    own cron worker process."""
    return any(
        a[0] != b[0] and a[1] < b[2] and b[1] < a[2]
        for a in first_runs
        for b in second_runs
    )


@pytest.fixture(scope="module")
def cron_runs(deployment):
    """Two runs of the send queue (the second starts while the first sends),
    then two runs of the Exchange sync started at once; the server's log.

    Each pair meets at a barrier in the fake provider: the first request of
    each run is held until the other run's arrives, which only happens when two
    cron workers run the copies at the same moment (a run waits for each answer
    before its next request), however loaded the machine is."""
    queue, exchange = deployment.crons["queue"], deployment.crons["exchange"]
    since = datetime.utcnow().replace(microsecond=0)
    _make_due(deployment, queue[:1])
    _wait(lambda: len(deployment.meta.sent) >= 10, "the first queue run to send")
    deployment.meetings["queue"] = deployment.meta.rendezvous("POST", "/messages")
    _make_due(deployment, queue[1:])
    _wait(lambda: _ran_since(deployment, queue, since), "both queue runs")
    since = datetime.utcnow().replace(microsecond=0)
    deployment.meetings["exchange"] = deployment.graph.rendezvous("GET", "/users/")
    _make_due(deployment, exchange)
    _wait(lambda: _ran_since(deployment, exchange, since), "both Exchange runs")
    log = deployment.log_text()
    print(f"\ncron jobs (worker pid, started, ended): {_job_spans(log)}")
    return log


def test_cron_workers_run_only_the_listed_database(deployment, cron_runs):
    # every cron line of the server is of this database: -d keeps them on it
    cron_lines = [
        line
        for line in cron_runs.splitlines()
        if " odoo.addons.base.models.ir_cron:" in line
    ]
    assert cron_lines
    assert {line.split()[4] for line in cron_lines} == {deployment.db}


def test_two_cron_workers_run_the_copies_at_once(deployment, cron_runs):
    spans = _job_spans(cron_runs)
    names = {
        "queue": ("WhatsApp: send queued messages", "WhatsApp queue (second)"),
        "exchange": ("Exchange: sync calendars and tasks", "Exchange sync (second)"),
    }
    for kind, (first, second) in names.items():
        assert first in spans and second in spans, spans
        # the two runs met at the fake's barrier: both were sending at once
        assert deployment.meetings[kind].met, f"{kind} runs did not run at once"
        # by two cron worker processes, at the same time
        assert _overlap(spans[first], spans[second]), f"{kind} runs did not overlap"


def test_send_queue_sends_each_message_once(deployment, cron_runs):
    # WhatsApp: each queued message sent once
    sent = Counter(
        body["text"]["body"]
        for body in deployment.meta.sent
        if body.get("type") == "text"
    )
    queued = {f"Queued message {n:04d}" for n in range(QUEUED_MESSAGES)}
    twice = {text: n for text, n in sent.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
    assert set(sent) == queued
    with deployment.cursor() as env:
        messages = env["whatsapp.message"].search(
            [
                ("body", "=like", "Queued message %"),
                ("account_id", "=", deployment.wa_account),
            ]
        )
        assert set(messages.mapped("state")) == {"sent"}
        assert len(set(messages.mapped("meta_id"))) == QUEUED_MESSAGES


def test_exchange_syncs_each_mailbox_once(deployment, cron_runs):
    with deployment.cursor() as env:
        # each mailbox synced by one run, each remote event imported once
        mailboxes = env["exchange.sync.mailbox"].search(
            [("config_id", "=", deployment.exchange_config)]
        )
        assert set(mailboxes.mapped("sync_status")) == {"ok"}, mailboxes.mapped(
            "last_error"
        )
        links = env["exchange.item.link"].search(
            [("mailbox_id", "in", mailboxes.ids), ("res_model", "=", "calendar.event")]
        )
        per_remote = Counter((link.mailbox_id.id, link.remote_id) for link in links)
        assert len(per_remote) == MAILBOXES * REMOTE_EVENTS
        assert set(per_remote.values()) == {1}
        events = env["calendar.event"].search([("name", "=like", "Outlook mw.box%")])
        assert len(events) == MAILBOXES * REMOTE_EVENTS
    # one sync run per mailbox: a run opens a delta round (without a token, or
    # with the last round's $deltatoken); only its further pages carry $skiptoken
    runs = Counter(
        request.path
        for request in deployment.graph.requests
        if request.method == "GET"
        and request.path.endswith("/calendarView/delta")
        and "$skiptoken" not in request.query
    )
    print(f"Exchange sync runs per mailbox: {dict(runs)}")
    assert len(runs) == MAILBOXES and set(runs.values()) == {1}, runs


def test_concurrent_claims_do_not_fail_a_cron_job(cron_runs):
    failed = re.findall(r"Job '([^']+)' \(\d+\) server action #\d+ failed", cron_runs)
    assert not failed, f"cron jobs failed: {failed}"
