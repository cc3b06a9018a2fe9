#!/usr/bin/env python3
"""Benchmark: SendGrid's Event Webhook over HTTP, signed, on Odoo's prefork server.

What is timed: the wall time from the first request to the last answer of
``SENDERS`` (8) concurrent clients posting ``BATCHES`` signed batches of
``BATCH_SIZE`` (1,000) events each to ``POST /sendgrid/events`` of an Odoo
started with ``--workers 4`` (2 CPU cores on the reference machine): HTTP,
Odoo's request dispatch, the ECDSA signature and timestamp check, JSON parsing,
the set-based INSERT ... ON CONFLICT that links each event to its trace and
contact, and every effect (traces, chatter status, invalid e-mails, blacklist,
consent withdrawal, activities for salespeople). Figure: events stored per
second. Goal: >= 5,000 events/s.

Data, at each size of ``common.sizes()`` (10,000 / 100,000 contacts by default,
1,000,000 with ``BENCH_SCALE=1m``): that many contacts with a salesperson and a
sent mailing with one trace each (INSERT ... SELECT generate_series); the events
(delivered, open, click, processed, deferred, hard and blocked bounces, spam
reports, unsubscribes, as SendGrid mixes them) point at random traces of all
contacts, with our unique_args like real ones.

Baseline on the same data: a bare multi-row INSERT (psycopg2 ``execute_values``,
one statement per batch, one connection) of exactly the rows the route stored,
into a copy of the table with the same indexes: what storing alone costs.

Prints one ``BENCH {json}`` line per size and drops its database. Run time on
the 2-core machine, measured on 2026-12-02: 114 s for 10k and 100k (filling the
contacts and traces dominates); 1M not measured yet.
"""

import base64
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import common  # noqa: E402
from tests.benchmarks.common import say  # noqa: E402
from tests.harness import suite  # noqa: E402

WORKERS = 4
SENDERS = 8
BATCHES = int(os.environ.get("BENCH_SG_BATCHES", "40"))
BATCH_SIZE = 1_000
GOAL = 5_000  # events/s
DB = f"test_sendgrid_delivery_bench_{os.getpid()}"
ADDON = "sendgrid_delivery"
MIX = (
    ["delivered"] * 40
    + ["open"] * 25
    + ["click"] * 15
    + ["processed"] * 10
    + ["deferred"] * 5
    + ["bounce"] * 4
    + ["spamreport"]
)

CONTACTS_SQL = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                         email, email_normalized, user_id, create_date,
                         write_date{extra_cols})
SELECT 'SG bench ' || n, 'SG bench ' || n, true, 'contact', false, 'en_US',
       'sgbench' || n || '@kunde.example', 'sgbench' || n || '@kunde.example',
       %(user_id)s, now(), now(){extra_vals}
  FROM generate_series(%(first)s, %(first)s + %(count)s - 1) AS n
"""


def prepare(conf):
    """Salesperson, mailing and verification key; returns (key, mailing id, uid)."""
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    registry = odoo.modules.registry.Registry(DB)
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_key = base64.b64encode(
        private_key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    ).decode()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].create(
            {"name": "Bench Salesperson", "login": "bench.sales@nordlys.example"}
        )
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Bench",
                "body_html": "<p>Bench</p>",
                "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                "state": "done",
            }
        )
        env["ir.config_parameter"].set_param(
            "sendgrid_delivery.verification_key", public_key
        )
        return private_key, mailing.id, user.id


def fill(have, size, mailing_id, user_id):
    """Contacts ``have + 1 .. size``, each with a sent trace of the mailing."""
    conn = suite.pg_connect(DB)
    with conn.cursor() as cr:
        common.insert_contacts(
            cr,
            CONTACTS_SQL,
            size - have,
            first=have + 1,
            user_id=user_id,
        )
        cr.execute(
            """
            INSERT INTO mailing_trace (trace_type, mass_mailing_id, model, res_id,
                                       email, trace_status, mail_mail_id_int,
                                       sent_datetime, create_date, write_date)
            SELECT 'mail', %s, 'res.partner', p.id, p.email_normalized, 'sent',
                   1000000000 + p.id, now(), now(), now()
              FROM res_partner p
             WHERE p.name LIKE 'SG bench %%'
               AND NOT EXISTS (SELECT 1 FROM mailing_trace t
                                WHERE t.model = 'res.partner' AND t.res_id = p.id)
            """,
            (mailing_id,),
        )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE res_partner")
        cr.execute("VACUUM ANALYZE mailing_trace")
        # events point at traces spread over all the contacts
        cr.execute(
            "SELECT id, email, mail_mail_id_int FROM mailing_trace"
            " ORDER BY random() LIMIT 20000"
        )
        traces = cr.fetchall()
    conn.close()
    return traces


def make_batch(rng, traces, prefix, batch_no):
    now = int(time.time())
    events = []
    for i in range(BATCH_SIZE):
        trace_id, email, mail_int = traces[rng.randrange(len(traces))]
        kind = rng.choice(MIX)
        event = {
            "email": email,
            "timestamp": now - rng.randint(0, 3600),
            "event": kind,
            "sg_event_id": f"{prefix}-{batch_no}-{i}",
            "sg_message_id": f"{rng.getrandbits(64):x}.filter0001.16648.5515E0B88.0",
            "smtp-id": f"<{rng.getrandbits(40):x}@ismtpd-555>",
            "category": ["newsletter"],
            "odoo_db": DB,
            "odoo_mail_id": str(mail_int),
            "odoo_trace_id": str(trace_id),
        }
        if kind == "bounce":
            event.update(
                type=rng.choice(["bounce", "blocked"]),
                reason="550 5.1.1 The email account that you tried to reach "
                "does not exist",
                status="5.1.1",
                bounce_classification="Invalid Address",
            )
        elif kind in ("open", "click"):
            event.update(useragent="Mozilla/5.0 (Bench)", ip="192.0.2.10")
            if kind == "click":
                event["url"] = f"https://nordlys.example/tilbud/{i}"
        elif kind == "delivered":
            event["response"] = "250 OK"
        elif kind == "deferred":
            event.update(response="400 try again later", attempt="2")
        events.append(event)
    return json.dumps(events).encode()


def post_all(server, private_key, bodies):
    """Post ``bodies`` from SENDERS threads; (seconds, statuses, stored)."""
    from odoo.addons.sendgrid_delivery.services import webhook

    barrier = threading.Barrier(SENDERS)

    def sender(index):
        session = requests.Session()
        answers = []
        barrier.wait()
        for body in bodies[index::SENDERS]:
            timestamp = str(int(time.time()))
            reply = session.post(
                f"{server.url}/sendgrid/events",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    webhook.SIGNATURE_HEADER: webhook.sign(
                        private_key, body, timestamp
                    ),
                    webhook.TIMESTAMP_HEADER: timestamp,
                },
                timeout=300,
            )
            stored = reply.json().get("stored", 0) if reply.ok else 0
            answers.append((reply.status_code, stored))
        return answers

    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = [a for part in pool.map(sender, range(SENDERS)) for a in part]
    elapsed = time.perf_counter() - started
    statuses = sorted({status for status, _stored in answers})
    return elapsed, statuses, sum(stored for _status, stored in answers)


def bare_insert(prefix):
    """The baseline: seconds to INSERT the rows the route stored, bare."""
    from psycopg2.extras import execute_values

    conn = suite.pg_connect(DB)
    with conn.cursor() as cr:
        # every column but the id: the same row, whatever columns addons add
        cr.execute(
            "SELECT string_agg(quote_ident(column_name), ', '"
            " ORDER BY ordinal_position) FROM information_schema.columns"
            " WHERE table_name = 'sendgrid_event' AND column_name <> 'id'"
        )
        columns = cr.fetchone()[0]
        cr.execute(
            f"SELECT {columns} FROM sendgrid_event WHERE sg_event_id LIKE %s",
            (f"{prefix}-%",),
        )
        rows = cr.fetchall()
        cr.execute("CREATE TEMP TABLE bench_event (LIKE sendgrid_event INCLUDING ALL)")
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH_SIZE):
            execute_values(
                cr,
                f"INSERT INTO bench_event ({columns}) VALUES %s",
                rows[start : start + BATCH_SIZE],
                page_size=BATCH_SIZE,
            )
        elapsed = time.perf_counter() - started
    conn.rollback()
    conn.close()
    return len(rows), elapsed


def main():
    started = time.monotonic()
    rng = random.Random(20261122)
    with common.bench_database(DB, [ADDON]) as conf:
        private_key, mailing_id, user_id = prepare(conf)
        have = 0
        with common.OdooServer(conf, DB, workers=WORKERS) as server:
            for size in common.sizes():
                say(f"filling {size} contacts with a trace each ...")
                traces = fill(have, size, mailing_id, user_id)
                have = size
                warmup = [
                    make_batch(rng, traces, f"warm{size}", n) for n in range(SENDERS)
                ]
                post_all(server, private_key, warmup)  # every worker warm
                prefix = f"b{size}"
                bodies = [make_batch(rng, traces, prefix, n) for n in range(BATCHES)]
                say(f"posting {BATCHES} x {BATCH_SIZE} events ({SENDERS} senders) ...")
                elapsed, statuses, stored = post_all(server, private_key, bodies)
                rows, bare = bare_insert(prefix)
                rate = stored / elapsed
                say(
                    f"{size}: {stored} events stored in {elapsed:.2f}s over HTTP "
                    f"= {rate:.0f} events/s (answers {statuses}); bare INSERT of "
                    f"the same {rows} rows {bare:.2f}s = {rows / bare:.0f} rows/s"
                )
                common.report(
                    "sendgrid_webhook",
                    size,
                    f"events stored per second by POST /sendgrid/events (signed, "
                    f"batches of {BATCH_SIZE}, {SENDERS} senders, --workers {WORKERS})",
                    rate,
                    "events/s",
                    f">= {GOAL:,} events/s",
                    rate >= GOAL
                    and statuses == [200]
                    and stored == BATCHES * BATCH_SIZE,
                    events=stored,
                    seconds=round(elapsed, 3),
                    statuses=statuses,
                    cpus=os.cpu_count(),
                    baseline={
                        "what": "bare multi-row INSERT of the same rows, one "
                        "connection, same indexes",
                        "rows": rows,
                        "seconds": round(bare, 3),
                        "rows_per_second": round(rows / bare),
                    },
                )
    say(f"total {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
