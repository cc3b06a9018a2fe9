#!/usr/bin/env python3
"""Benchmark: sending a mailing with consent enforcement vs Odoo's own send.

What is timed: the whole send path a user waits for,
``mailing.mailing.action_send_mail()`` of an "Offers" mailing to every bench
contact, flushed: Odoo's recipient computation, the composer rendering every
e-mail, the mails and traces created (the e-mails stay queued: no SMTP):

* baseline: the E-marketing privacy switch off, i.e. Odoo's own send, on the
  same contacts;
* ours: the switch on, i.e. the same plus the composer's consent check (one
  statement per composer batch) cancelling the excluded recipients with their
  reason, through Odoo's own cancelled mails and traces.

Goal: ours <= 1.2x the baseline, at every size.

Data, at each size of ``common.sizes()`` (10,000 / 100,000 by default, 1,000,000
with ``BENCH_SCALE=1m``): that many contacts inserted with one ``INSERT ...
SELECT generate_series`` (70 % with an active E-marketing record, 10 %
withdrawn, 20 % without any; half subscribed to "Offers"). Each side runs
``BENCH_MMS_ROUNDS`` times (default 3 up to 20,000 contacts, where a run
takes seconds and a passing load weighs on one side only; 1 above),
alternating, each run rolled back; the best run of each side is compared.
Prints one ``BENCH {json}`` line per size and drops its database. Run time on
the 2-core machine: see README.md (both sides render every e-mail); the 1M size
creates a million mails per side in one transaction and takes hours: run it on
a machine with the memory for it.
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

GOAL_RATIO = 1.2
# BENCH_MMS_PROFILE=<prefix>: cProfile each timed send into
# <prefix>.<size>.{core,enforced}.prof (slows both sides alike; for finding
# where the time goes, not for the figure)
PROFILE = os.environ.get("BENCH_MMS_PROFILE")
ROUNDS = os.environ.get("BENCH_MMS_ROUNDS")
SMALL = 20000  # sizes up to this one run three rounds by default


def rounds(size):
    return int(ROUNDS) if ROUNDS else (3 if size <= SMALL else 1)


DB = f"test_mass_mailing_subscriptions_bench_{os.getpid()}"
ADDON = "mass_mailing_subscriptions"

GENERATE_SQL = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                         email, email_normalized, create_date, write_date{extra_cols})
SELECT 'Bench contact ' || n, 'Bench contact ' || n, true, 'contact', false,
       'en_US', 'bench' || n || '@nordlys.example', 'bench' || n || '@nordlys.example',
       now(), now(){extra_vals}
  FROM generate_series(%(first)s, %(first)s + %(count)s - 1) AS n
"""

CONSENT_SQL = """
INSERT INTO consent_record (partner_id, purpose_id, legal_basis, state, source,
                            captured_at, create_uid, create_date, write_uid, write_date)
SELECT p.id, %(purpose)s,
       'consent', CASE WHEN p.id %% 10 = 7 THEN 'withdrawn' ELSE 'active' END,
       'import', now(), 1, now(), 1, now()
  FROM res_partner p
 WHERE p.name LIKE 'Bench contact %%' AND p.id %% 10 < 8
   AND NOT EXISTS (SELECT 1 FROM consent_record r
                    WHERE r.partner_id = p.id AND r.purpose_id = %(purpose)s)
"""


def fill(conn, have, size):
    """Contacts ``have + 1 .. size`` with their consent and subscriptions."""
    with conn.cursor() as cr:
        common.insert_contacts(cr, GENERATE_SQL, size - have, first=have + 1)
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
                WHERE p.name LIKE 'Bench contact %%' AND p.id %% 2 = 0
                  ON CONFLICT DO NOTHING""",
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


def measure(registry, size):
    import odoo

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
            profiler = None
            if PROFILE:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started = time.perf_counter()
            mailing.action_send_mail()
            env.flush_all()
            seconds = time.perf_counter() - started
            if profiler:
                profiler.disable()
                side = "enforced" if enforced else "core"
                profiler.dump_stats(f"{PROFILE}.{size}.{side}.prof")
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
        for _round in range(rounds(size)):
            for enforced in (False, True):
                seconds, statuses[enforced] = run(enforced)
                timings[enforced].append(seconds)
                say(f"enforced={enforced}: {seconds:.2f}s {statuses[enforced]}")
    kept = size - statuses[True].get("cancel", 0)
    if sum(statuses[False].values()) != size or statuses[False].get("cancel"):
        raise SystemExit("Odoo's own send did not mail every contact")
    # active when id % 10 < 7, subscribed when even: 40 % of the contacts remain
    if abs(kept - size * 0.4) > size * 0.01:
        raise SystemExit(f"unexpected number of kept recipients: {kept}")
    return min(timings[True]), min(timings[False]), kept


def main():
    import odoo
    from odoo.tools import config

    started = time.monotonic()
    with common.bench_database(DB, ["mass_mailing", ADDON]) as conf:
        config.parse_config(["-c", str(conf), "--log-level=warn"])
        registry = odoo.modules.registry.Registry(DB)
        have = 0
        for size in common.sizes():
            say(f"inserting contacts up to {size} ...")
            conn = suite.pg_connect(DB)
            fill(conn, have, size)
            conn.close()
            have = size
            say("measuring ...")
            ours, baseline, kept = measure(registry, size)
            ratio = ours / baseline
            say(
                f"{size}: enforced {ours:.3f}s ({kept} of {size} kept), Odoo "
                f"without enforcement {baseline:.3f}s: ratio {ratio:.2f}"
            )
            common.report(
                "mailing_send",
                size,
                "mailing.action_send_mail() to every contact, with consent "
                "enforcement / without (Odoo's own send)",
                ratio,
                "x",
                f"<= {GOAL_RATIO}x Odoo's own send",
                ratio <= GOAL_RATIO,
                seconds=round(ours, 3),
                kept=kept,
                rounds=rounds(size),
                baseline={
                    "what": "the same action_send_mail() with the E-marketing "
                    "privacy switch off (Odoo's own send), same contacts",
                    "seconds": round(baseline, 3),
                },
            )
    say(f"total {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
