#!/usr/bin/env python3
"""Benchmark: SendGrid webhook ingestion vs a bare INSERT of the same rows.

Creates a throwaway database (a copy of ``tmpl_suite`` when it exists, else a
fresh install), installs ``sendgrid_delivery``, inserts 1,000 contacts with a
salesperson and a sent mailing with one trace each, then feeds 10 batches of
1,000 SendGrid events (delivered, open, click, processed, deferred, hard and
blocked bounces, spam reports, unsubscribes; events carry our unique_args like
real ones) through ``sendgrid.event._ingest_events`` - the set-based method the
webhook route calls after verifying the signature: one INSERT ... ON CONFLICT
DO NOTHING RETURNING that links message, trace and partner, then the effects
(traces, chatter status, invalid e-mails, blacklist, consent withdrawal,
activities for salespeople).

Baseline: a bare multi-row INSERT (psycopg2 ``execute_values``, one statement
per batch) of exactly the rows our method stored, no lookups, no effects.

Each batch runs ours, reads back the stored rows, rolls back, then runs the
bare INSERT of those rows and rolls back, so both sides see the same database.
Prints ``BENCH sendgrid_events: <n> events/s (ratio <x> vs bare INSERT)`` and
drops its database. Goals: >= 2,000 events/s, ratio <= 3. The full route cost
(signature check and JSON parsing included) is reported on stderr too.
Runtime about one minute.
"""

import base64
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import common  # noqa: E402
from tests.benchmarks.common import say  # noqa: E402

BATCHES = 10
BATCH_SIZE = 1_000
CONTACTS = 1_000
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
MIX += ["unsubscribe"] if len(MIX) < 100 else []
COLUMNS = (
    "sg_event_id, event_type, email, event_date, sg_message_id, smtp_id, reason, "
    "status, response, attempt, bounce_type, bounce_classification, url, useragent, "
    "ip, asm_group_id, category, is_machine_open, mail_mail_id, mail_mail_id_int, "
    "mail_message_id, mailing_trace_id, mailing_id, partner_id, create_uid, "
    "create_date, write_uid, write_date"
)


def prepare(env):
    """1,000 contacts with a salesperson, one sent mailing with a trace each."""
    cr = env.cr
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
    # the ORM fills every column other addons (e.g. account) make NOT NULL
    env["res.partner"].create(
        [
            {
                "name": f"SG bench {n}",
                "email": f"sgbench{n}@kunde.example",
                "user_id": user.id,
            }
            for n in range(1, CONTACTS + 1)
        ]
    )
    env.flush_all()
    cr.execute(
        """
        INSERT INTO mailing_trace (trace_type, mass_mailing_id, model, res_id, email,
                                   trace_status, mail_mail_id_int, sent_datetime,
                                   create_date, write_date)
        SELECT 'mail', %s, 'res.partner', p.id, p.email_normalized, 'sent',
               1000000 + p.id, now(), now(), now()
          FROM res_partner p WHERE p.name LIKE 'SG bench %%'
        RETURNING id, res_id, email, mail_mail_id_int
        """,
        (mailing.id,),
    )
    traces = cr.fetchall()
    cr.commit()
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE mailing_trace")
    return traces


def make_batch(rng, traces, dbname, batch_no):
    now = int(time.time())
    events = []
    for i in range(BATCH_SIZE):
        trace_id, _partner_id, email, mail_int = traces[rng.randrange(len(traces))]
        kind = rng.choice(MIX)
        event = {
            "email": email,
            "timestamp": now - rng.randint(0, 3600),
            "event": kind,
            "sg_event_id": f"bench-{batch_no}-{i}-{rng.getrandbits(48):x}",
            "sg_message_id": f"{rng.getrandbits(64):x}.filter0001.16648.5515E0B88.0",
            "smtp-id": f"<{rng.getrandbits(40):x}@ismtpd-555>",
            "category": ["newsletter"],
            "odoo_db": dbname,
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


def measure(conf):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from psycopg2.extras import execute_values

    from odoo.addons.sendgrid_delivery.services import webhook

    registry = odoo.modules.registry.Registry(DB)
    rng = random.Random(20261122)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        traces = prepare(env)
        private_key = ec.generate_private_key(ec.SECP256R1())
        public_key = base64.b64encode(
            private_key.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        ).decode()
        env["ir.config_parameter"].set_param(
            "sendgrid_delivery.verification_key", public_key
        )
        cr.commit()
        Event = env["sendgrid.event"]
        ours = bare = full = 0.0
        stored_total = 0
        bodies = [make_batch(rng, traces, cr.dbname, n) for n in range(BATCHES + 1)]
        for number, body in enumerate(bodies):
            warmup = number == 0
            # ours: the ingest method on already verified, parsed events
            events = webhook.parse_events(body)
            env.invalidate_all()
            started = time.perf_counter()
            result = Event._ingest_events(events)
            env.flush_all()
            elapsed = time.perf_counter() - started
            cr.execute(
                f"SELECT {COLUMNS} FROM sendgrid_event WHERE sg_event_id LIKE %s",
                (f"bench-{number}-%",),
            )
            rows = cr.fetchall()
            if len(rows) != result["stored"] or result["stored"] != BATCH_SIZE:
                raise SystemExit(f"stored {result} but read {len(rows)} rows")
            cr.rollback()
            env.invalidate_all()
            # the whole route core: signature + parsing + the same ingest
            timestamp = str(int(time.time()))
            headers = {
                webhook.SIGNATURE_HEADER: webhook.sign(private_key, body, timestamp),
                webhook.TIMESTAMP_HEADER: timestamp,
            }
            started = time.perf_counter()
            status, _payload = Event._webhook_receive(body, headers)
            env.flush_all()
            route_elapsed = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"route answered {status}")
            cr.rollback()
            env.invalidate_all()
            # baseline: a bare INSERT of exactly the same rows
            started = time.perf_counter()
            execute_values(
                cr,
                f"INSERT INTO sendgrid_event ({COLUMNS}) VALUES %s",
                rows,
                page_size=BATCH_SIZE,
            )
            bare_elapsed = time.perf_counter() - started
            cr.rollback()
            if warmup:
                continue
            ours += elapsed
            full += route_elapsed
            bare += bare_elapsed
            stored_total += len(rows)
    return stored_total, ours, bare, full


def main():
    started = time.monotonic()
    with common.bench_database(DB, [ADDON]) as conf:
        say(f"measuring {BATCHES} batches x {BATCH_SIZE} events ...")
        events, ours, bare, full = measure(conf)
    say(
        f"ingest {ours:.3f}s, bare INSERT {bare:.3f}s, whole route core "
        f"(signature + parse + ingest) {full:.3f}s = {events / full:.0f} events/s; "
        f"total {time.monotonic() - started:.0f}s"
    )
    print(
        f"BENCH sendgrid_events: {events / ours:.0f} events/s "
        f"(ratio {ours / bare:.2f} vs bare INSERT)",
        flush=True,
    )


if __name__ == "__main__":
    main()
