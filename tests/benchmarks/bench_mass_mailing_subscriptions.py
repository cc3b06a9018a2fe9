#!/usr/bin/env python3
"""Benchmark: sending a mailing with consent enforcement vs Odoo's own send.

Creates a throwaway database (a copy of ``tmpl_suite`` when it exists, else a
fresh install), installs ``mass_mailing_subscriptions``, inserts 100,000
contacts (``BENCH_MMS_CONTACTS`` to change it) with one ``INSERT ... SELECT
generate_series`` (70 % with an active E-marketing record, 10 % withdrawn,
20 % without any; half subscribed to "Offers") and times the whole send path a
user waits for, ``mailing.mailing.action_send_mail()`` of an "Offers" mailing
to all of them: Odoo's recipient computation, the composer rendering every
e-mail, the mails and traces created (the e-mails stay queued: no SMTP):

* baseline: the E-marketing privacy switch off, i.e. Odoo's own send;
* ours: the switch on, i.e. the same plus the composer's consent check (one
  statement per composer batch) cancelling the excluded recipients with their
  reason, through Odoo's own cancelled mails and traces.

Each side runs ``BENCH_MMS_ROUNDS`` times (default 1), alternating, each run
rolled back; the best run of each side is compared. Prints ``BENCH
mailing_send: <seconds>s for <n> contacts (ratio <x> vs Odoo's own send)``
and drops its database. Goal: ratio <= 1.2.
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

CONTACTS = int(os.environ.get("BENCH_MMS_CONTACTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_MMS_ROUNDS", "1"))
DB = f"test_mass_mailing_subscriptions_bench_{os.getpid()}"
ADDON = "mass_mailing_subscriptions"

GENERATE_SQL = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                         email, email_normalized, create_date, write_date{extra_cols})
SELECT 'Bench contact ' || n, 'Bench contact ' || n, true, 'contact', false,
       'en_US', 'bench' || n || '@nordlys.example', 'bench' || n || '@nordlys.example',
       now(), now(){extra_vals}
  FROM generate_series(1, %(count)s) AS n
"""

CONSENT_SQL = """
INSERT INTO consent_record (partner_id, purpose_id, legal_basis, state, source,
                            captured_at, create_uid, create_date, write_uid, write_date)
SELECT p.id, %(purpose)s,
       'consent', CASE WHEN p.id %% 10 = 7 THEN 'withdrawn' ELSE 'active' END,
       'import', now(), 1, now(), 1, now()
  FROM res_partner p
 WHERE p.name LIKE 'Bench contact %%' AND p.id %% 10 < 8
"""


def fill(conn):
    with conn.cursor() as cr:
        common.insert_contacts(cr, GENERATE_SQL, CONTACTS)
        cr.execute("SELECT id FROM consent_purpose WHERE code = 'emarketing'")
        purpose = cr.fetchone()[0]
        cr.execute(CONSENT_SQL, {"purpose": purpose})
        cr.execute(
            """UPDATE res_partner p SET emarketing_state = r.state
                 FROM consent_record r
                WHERE r.partner_id = p.id AND r.purpose_id = %s""",
            (purpose,),
        )
        cr.execute(
            """SELECT res_id FROM ir_model_data
                WHERE module = %s AND name = 'subscription_type_offers'""",
            (ADDON,),
        )
        offers = cr.fetchone()[0]
        cr.execute(
            """INSERT INTO res_partner_mailing_subscription_type_rel
                      (partner_id, type_id)
               SELECT p.id, %s FROM res_partner p
                WHERE p.name LIKE 'Bench contact %%' AND p.id %% 2 = 0""",
            (offers,),
        )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cr:
        for table in (
            "res_partner",
            "consent_record",
            "res_partner_mailing_subscription_type_rel",
        ):
            cr.execute(f"VACUUM ANALYZE {table}")
    conn.autocommit = False


def measure(conf):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(conf), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        offers = env.ref(f"{ADDON}.subscription_type_offers")

        def run(enforced):
            params.set_param(
                "consent_management.emarketing_privacy", "True" if enforced else "False"
            )
            mailing = env["mailing.mailing"].create(
                {
                    "name": "Bench offers",
                    "subject": "Bench offers",
                    "body_html": '<p>Offers</p><a href="/unsubscribe_from_list">'
                    "Unsubscribe</a>",
                    "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": repr([("name", "=like", "Bench contact %")]),
                    "subscription_type_id": offers.id,
                }
            )
            env.flush_all()
            env.invalidate_all()
            started = time.perf_counter()
            mailing.action_send_mail()
            env.flush_all()
            seconds = time.perf_counter() - started
            statuses = dict(
                env["mailing.trace"]._read_group(
                    [("mass_mailing_id", "=", mailing.id)],
                    ["trace_status"],
                    ["__count"],
                )
            )
            cr.rollback()
            env.invalidate_all()
            return seconds, statuses

        timings = {False: [], True: []}
        statuses = {}
        for _round in range(ROUNDS):
            for enforced in (False, True):
                seconds, statuses[enforced] = run(enforced)
                timings[enforced].append(seconds)
                say(f"enforced={enforced}: {seconds:.2f}s {statuses[enforced]}")
    kept = CONTACTS - statuses[True].get("cancel", 0)
    if sum(statuses[False].values()) != CONTACTS or statuses[False].get("cancel"):
        raise SystemExit("Odoo's own send did not mail every contact")
    # active when id % 10 < 7, subscribed when even: 40 % of the contacts remain
    if abs(kept - CONTACTS * 0.4) > CONTACTS * 0.01:
        raise SystemExit(f"unexpected number of kept recipients: {kept}")
    return min(timings[True]), min(timings[False]), kept


def main():
    started = time.monotonic()
    with common.bench_database(DB, ["mass_mailing", ADDON]) as conf:
        say(f"inserting {CONTACTS} contacts ...")
        conn = suite.pg_connect(DB)
        fill(conn)
        conn.close()
        say("measuring ...")
        ours, baseline, kept = measure(conf)
    say(
        f"enforced {ours:.3f}s ({kept} of {CONTACTS} kept), "
        f"Odoo without enforcement {baseline:.3f}s; total "
        f"{time.monotonic() - started:.0f}s"
    )
    print(
        f"BENCH mailing_send: {ours:.2f}s for {CONTACTS} contacts "
        f"(ratio {ours / baseline:.2f} vs Odoo's own send)",
        flush=True,
    )


if __name__ == "__main__":
    main()
