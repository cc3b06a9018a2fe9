"""Benchmark: Graph requests of an incremental Exchange sync vs the initial sync.

Creates a throwaway database with ``exchange_calendar_sync`` (see
``common.create_db``), puts 5,000 events in a fake Microsoft Graph
mailbox, runs the initial sync (the baseline: what a sync without stored delta
links costs every time, like a plain calendarView read), changes 10 events in
Outlook and runs the sync again. Prints one line::

    BENCH exchange_incremental: <n> requests for 10 changes
    (ratio <x> vs initial sync of 5000 events)   <- on one line

Run: python3 tests/benchmarks/bench_exchange_calendar_sync.py
"""

import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import common  # noqa: E402

EVENTS = 5000
CHANGES = 10
DB = f"test_exchange_calendar_sync_bench_{os.getpid()}"


def run(conf):
    from nordic_crm_fakes.msgraph import FakeGraph

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(conf), "-d", DB, "--log-level=warn"])
    registry = Registry(DB)
    fake = FakeGraph().start()
    try:
        mailbox = "bench@nordlys.example"
        fake.add_mailbox(mailbox)
        start = datetime.combine(datetime.utcnow().date(), datetime.min.time())
        remote = [
            fake.add_event(
                mailbox,
                f"Bench event {i}",
                start + timedelta(hours=8 + (i % 9), days=i % 300),
                start + timedelta(hours=9 + (i % 9), days=i % 300),
            )
            for i in range(EVENTS)
        ]
        with registry.cursor() as cr:
            env = odoo.api.Environment(
                cr, odoo.SUPERUSER_ID, {"tracking_disable": True}
            )
            env["ir.config_parameter"].set_param(
                "exchange_calendar_sync.page_size", "100"
            )
            company = env["res.company"].create({"name": "Bench ApS"})
            user = env["res.users"].create(
                {
                    "name": "Bench User",
                    "login": "bench",
                    "email": mailbox,
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                }
            )
            config = env["exchange.sync.config"].create(
                {
                    "company_id": company.id,
                    "enabled": True,
                    "backend": "graph",
                    "tenant_id": fake.tenant,
                    "client_id": fake.client_id,
                    "client_secret": fake.client_secret,
                    "graph_url": f"{fake.url}/v1.0",
                    "login_url": fake.url,
                    "days_back": 30,
                    "days_ahead": 365,
                    "sync_tasks": True,
                }
            )
            box = env["exchange.sync.mailbox"].create(
                {"config_id": config.id, "user_id": user.id}
            )
            cr.commit()

            before = len(fake.requests)
            started = time.monotonic()
            box._run_sync()
            initial_seconds = time.monotonic() - started
            initial = len(fake.requests) - before
            linked = env["exchange.item.link"].search_count(
                [("mailbox_id", "=", box.id)]
            )
            assert box.sync_status == "ok", box.last_error
            assert linked == EVENTS, linked

            for item in remote[:: EVENTS // CHANGES][:CHANGES]:
                fake.update_event(
                    mailbox, item["id"], subject=item["subject"] + " (changed)"
                )
            before = len(fake.requests)
            started = time.monotonic()
            box._run_sync()
            incremental_seconds = time.monotonic() - started
            incremental = len(fake.requests) - before
            changed = env["calendar.event"].search_count(
                [("name", "like", "(changed)")]
            )
            assert changed == CHANGES, changed
            assert box.last_pulled_count == CHANGES, box.last_pulled_count
        print(
            f"# initial: {initial} requests in {initial_seconds:.1f}s; incremental: "
            f"{incremental} requests in {incremental_seconds:.2f}s",
            file=sys.stderr,
        )
        ratio = incremental / initial
        print(
            f"BENCH exchange_incremental: {incremental} requests for {CHANGES} changes "
            f"(ratio {ratio:.3f} vs initial sync of {EVENTS} events)"
        )
    finally:
        fake.stop()
        Registry.delete(DB)
        odoo.sql_db.close_db(DB)  # let dropdb through


def main():
    with common.bench_database(DB, ["exchange_calendar_sync"]) as conf:
        run(conf)


if __name__ == "__main__":
    main()
