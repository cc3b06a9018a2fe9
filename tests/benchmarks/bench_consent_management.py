#!/usr/bin/env python3
"""Benchmark: the consent initialisation a Consent officer runs, 10k to 1M contacts.

What is timed: ``consent.init.report.action_run()`` called as a Consent officer
(the "Initialise legal bases" button): the access check, every initialisation
rule (Sales and service for every contact, blacklisted addresses -> E-marketing
withdrawn, and the rules other installed addons add), records, ``init`` history
events and ``emarketing_state`` written set-based, the count of contacts without
E-marketing record and the report wizard with its lines, flushed to the
database. Goal: 1,000,000 contacts in < 60 s, i.e. < 6 s per 100,000 (the goal
of a smaller size is pro rata).

Data, at each size of ``common.sizes()`` (10,000 / 100,000 by default,
1,000,000 with ``BENCH_SCALE=1m``): that many contacts inserted with one
``INSERT ... SELECT generate_series`` (1 % of their addresses blacklisted),
without any consent record; each run is rolled back.

Baseline on the same contacts: the same work done the usual ORM way, contact by
contact (search for an existing record, ``create`` it - which logs its event -
for Sales and service and, when blacklisted, for E-marketing), time-boxed to
``BENCH_BASELINE_SECONDS`` (60): it reports the contacts it covered in that
time, never an extrapolation.

Prints one ``BENCH {json}`` line per size and drops its database. Run time on
the 2-core machine, measured on 2026-12-02: 126 s for 10k and 100k (both
baselines included), 3.5 minutes for 1M alone (``BENCH_SIZES=1000000``).
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

DB = f"test_consent_management_bench_{os.getpid()}"
GOAL_SECONDS_PER_MILLION = 60.0

GENERATE_SQL = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, lang,
                         email, email_normalized, create_date, write_date{extra_cols})
SELECT 'Bench contact ' || n, 'Bench contact ' || n, true, 'contact', false,
       'en_US', 'bench' || n || '@nordlys.example', 'bench' || n || '@nordlys.example',
       now(), now(){extra_vals}
  FROM generate_series(%(first)s, %(first)s + %(count)s - 1) AS n
"""


def fill(conn, have, size):
    """Contacts ``have + 1 .. size``; every hundredth address blacklisted."""
    with conn.cursor() as cr:
        common.insert_contacts(cr, GENERATE_SQL, size - have, first=have + 1)
        cr.execute(
            """INSERT INTO mail_blacklist (email, active, create_date, write_date)
               SELECT 'bench' || n || '@nordlys.example', true, now(), now()
                 FROM generate_series(%(first)s, %(last)s) AS n
                WHERE n %% 100 = 1""",
            {"first": have + 1, "last": size},
        )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE res_partner")
        cr.execute("VACUUM ANALYZE mail_blacklist")
    conn.autocommit = False


def orm_loop(env, partners, deadline):
    """What an initialiser written contact by contact with the ORM does, until
    ``deadline`` (perf_counter); returns the number of contacts covered."""
    Record = env["consent.record"]
    sales = env.ref("consent_management.consent_purpose_sales_service")
    emarketing = env.ref("consent_management.consent_purpose_emarketing")
    covered = 0
    for partner in partners:
        if time.perf_counter() >= deadline:
            break
        covered += 1
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
    return covered


def officer(env):
    return env["res.users"].create(
        {
            "name": "Bench Consent officer",
            "login": "bench.officer@nordlys.example",
            "groups_id": [
                (4, env.ref("base.group_user").id),
                (4, env.ref("consent_management.group_consent_officer").id),
            ],
        }
    )


def measure(registry, size):
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search(
            [("login", "=", "bench.officer@nordlys.example")]
        ) or officer(env)
        cr.commit()
        bench = env["res.partner"].search(
            [("name", "=like", "Bench contact %")], order="id"
        )
        if len(bench) != size:
            raise SystemExit(f"found {len(bench)} bench contacts, not {size}")
        # ours: the officer's button, whole
        env.invalidate_all()
        started = time.perf_counter()
        action = env["consent.init.report"].with_user(user).action_run()
        env.flush_all()
        ours = time.perf_counter() - started
        report = env["consent.init.report"].browse(action["res_id"])
        counts = report.line_ids.mapped("count")
        withdrawn = env["res.partner"].search_count(
            [("id", "in", bench.ids), ("emarketing_state", "=", "withdrawn")]
        )
        cr.rollback()
        env.invalidate_all()
        say(f"initialisation report: {counts}; {withdrawn} bench contacts withdrawn")
        if counts[0] < size or withdrawn != size // 100:
            raise SystemExit("the initialisation did not do the expected work")
        # baseline: contact by contact, time-boxed
        box = common.baseline_seconds()
        started = time.perf_counter()
        covered = orm_loop(env, bench, started + box)
        loop = time.perf_counter() - started
        cr.rollback()
        env.invalidate_all()
    return ours, covered, loop


def main():
    import odoo
    from odoo.tools import config

    started = time.monotonic()
    with common.bench_database(DB, ["consent_management"]) as conf:
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
            ours, covered, loop = measure(registry, size)
            goal = GOAL_SECONDS_PER_MILLION * size / 1_000_000
            complete = covered == size
            say(
                f"{size}: initialisation {ours:.2f}s; per-record ORM loop covered "
                f"{covered} of {size} contacts in {loop:.1f}s"
                + ("" if complete else " (time box reached)")
            )
            common.report(
                "consent_init",
                size,
                "consent.init.report.action_run() as a Consent officer, flushed",
                ours,
                "s",
                f"< {goal:g} s (1M in < 60 s, pro rata)",
                ours < goal,
                baseline={
                    "what": "per-record ORM loop (search + create per contact)",
                    "contacts_covered": covered,
                    "seconds": round(loop, 3),
                    "contacts_per_second": round(covered / loop) if loop else None,
                    "time_boxed": not complete,
                    "ratio": round(loop / ours, 2) if complete else None,
                },
            )
    say(f"total {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
