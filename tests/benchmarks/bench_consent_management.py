#!/usr/bin/env python3
"""Benchmark: set-based consent initialiser vs a per-record ORM loop.

Creates a throwaway database (a copy of ``tmpl_suite`` when it exists, else a
fresh install), installs ``consent_management``, inserts 200,000 contacts with
one ``INSERT ... SELECT generate_series`` (1 % of their addresses blacklisted)
and measures

* ours: ``consent.initializer._run_rules()`` over all 200,000 contacts
  (rule 1: Sales and service for everyone, rule 4: blacklisted -> E-marketing
  withdrawn; records, ``init`` events and ``emarketing_state`` in SQL);
* baseline: the same work done the usual ORM way, contact by contact (search
  for an existing record, ``create`` the record - which logs its event - for
  Sales and service and, when blacklisted, for E-marketing). The loop runs on a
  sample of 2,000 contacts and its time is extrapolated linearly to 200,000.

Prints ``BENCH consent_init: <seconds>s for 200000 contacts (ratio <x> vs
per-record ORM loop)`` and drops its database. Runtime about one to two minutes.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import common  # noqa: E402
from tests.benchmarks.common import say  # noqa: E402
from tests.harness import suite  # noqa: E402

CONTACTS = 200_000
SAMPLE = 2_000
DB = f"test_consent_management_bench_{os.getpid()}"

GENERATE_SQL = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                         email, email_normalized, create_date, write_date{extra_cols})
SELECT 'Bench contact ' || n, 'Bench contact ' || n, true, 'contact', false,
       'en_US', 'bench' || n || '@nordlys.example', 'bench' || n || '@nordlys.example',
       now(), now(){extra_vals}
  FROM generate_series(1, %(count)s) AS n
"""


def fill(conn):
    with conn.cursor() as cr:
        common.insert_contacts(cr, GENERATE_SQL, CONTACTS)
        cr.execute(
            """INSERT INTO mail_blacklist (email, active, create_date, write_date)
               SELECT 'bench' || n || '@nordlys.example', true, now(), now()
                 FROM generate_series(1, %(count)s, 100) AS n""",
            {"count": CONTACTS},
        )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE res_partner")
        cr.execute("VACUUM ANALYZE mail_blacklist")
    conn.autocommit = False


def orm_loop(env, partners):
    """What an initialiser written contact by contact with the ORM does."""
    Record = env["consent.record"]
    sales = env.ref("consent_management.consent_purpose_sales_service")
    emarketing = env.ref("consent_management.consent_purpose_emarketing")
    for partner in partners:
        if not Record.search_count(
            [("partner_id", "=", partner.id), ("purpose_id", "=", sales.id)]
        ):
            Record.create(
                {
                    "partner_id": partner.id,
                    "purpose_id": sales.id,
                    "legal_basis": "legitimate_interest",
                    "state": "active",
                    "source": "initialisation",
                }
            )
        if partner.is_blacklisted and not Record.search_count(
            [("partner_id", "=", partner.id), ("purpose_id", "=", emarketing.id)]
        ):
            Record.create(
                {
                    "partner_id": partner.id,
                    "purpose_id": emarketing.id,
                    "legal_basis": "consent",
                    "state": "withdrawn",
                    "source": "initialisation",
                }
            )
    env.flush_all()


def measure(conf):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = env["res.partner"].search(
            [("name", "=like", "Bench contact %")], order="id"
        )
        if len(bench) != CONTACTS:
            raise SystemExit(f"found {len(bench)} bench contacts")
        sample = bench[:SAMPLE]
        env.invalidate_all()
        started = time.perf_counter()
        orm_loop(env, sample)
        loop_seconds = time.perf_counter() - started
        created = env["consent.record"].search_count([("partner_id", "in", sample.ids)])
        cr.rollback()
        env.invalidate_all()

        started = time.perf_counter()
        report = env["consent.initializer"]._run_rules()
        env.flush_all()
        ours_seconds = time.perf_counter() - started
        counts = [count for _name, count in report]
        withdrawn = env["res.partner"].search_count(
            [("id", "in", bench.ids), ("emarketing_state", "=", "withdrawn")]
        )
        cr.rollback()
    say(f"ORM loop: {loop_seconds:.2f}s for {SAMPLE} contacts ({created} records)")
    say(f"initialiser report: {counts}; {withdrawn} bench contacts withdrawn")
    if counts[0] < CONTACTS or withdrawn != CONTACTS // 100:
        raise SystemExit("the initialiser did not do the expected work")
    return ours_seconds, loop_seconds * CONTACTS / SAMPLE


def main():
    started = time.monotonic()
    with common.bench_database(DB, ["consent_management"]) as conf:
        say(f"inserting {CONTACTS} contacts ...")
        conn = suite.pg_connect(DB)
        fill(conn)
        conn.close()
        say("measuring ...")
        ours, loop_estimate = measure(conf)
    say(
        f"set-based initialiser {ours:.2f}s; per-record ORM loop measured on "
        f"{SAMPLE} contacts and extrapolated linearly to {CONTACTS}: "
        f"{loop_estimate:.0f}s; total {time.monotonic() - started:.0f}s"
    )
    print(
        f"BENCH consent_init: {ours:.1f}s for {CONTACTS} contacts "
        f"(ratio {loop_estimate / ours:.1f} vs per-record ORM loop, "
        f"sampled on {SAMPLE} and extrapolated linearly)",
        flush=True,
    )


if __name__ == "__main__":
    main()
