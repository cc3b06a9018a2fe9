"""Benchmark: requests of an incremental Exchange sync vs the initial sync.

Creates a throwaway database with ``exchange_calendar_sync`` (see
``common.create_db``); for each backend (Microsoft Graph, EWS) puts 5,000
events in a fake mailbox, runs the initial sync (the baseline: what a sync
without stored delta links / sync states costs every time, like a plain
calendar read), then changes 10, 100 and 1,000 events in Outlook and runs the
sync after each batch of changes. Prints one ``BENCH {json}`` line per backend
and point (``exchange_sync_<backend>``, size = the number of changes): the
requests the run sent.

Goal: the requests grow with the changes, not with the calendar - a run costs
at most its fixed part (the requests of the 10-change run) plus the initial
sync's requests in proportion to the share of the calendar that changed
(``initial x changes / 5,000``), and fewer than the initial sync.

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
CHANGES = (10, 100, 1000)
DB = f"test_exchange_calendar_sync_bench_{os.getpid()}"


class GraphSide:
    name = "graph"

    def __init__(self, mailbox):
        from nordic_crm_fakes.msgraph import FakeGraph

        self.mailbox = mailbox
        self.fake = FakeGraph().start()
        self.fake.add_mailbox(mailbox)

    def config(self):
        return {
            "backend": "graph",
            "tenant_id": self.fake.tenant,
            "client_id": self.fake.client_id,
            "client_secret": self.fake.client_secret,
            "graph_url": f"{self.fake.url}/v1.0",
            "login_url": self.fake.url,
        }

    def add(self, subject, start, end):
        return self.fake.add_event(self.mailbox, subject, start, end)["id"]

    def rename(self, remote_id, subject):
        self.fake.update_event(self.mailbox, remote_id, subject=subject)


class EwsSide(GraphSide):
    name = "ews"

    def __init__(self, mailbox):
        from nordic_crm_fakes.ews import FakeEws

        self.mailbox = mailbox
        self.fake = FakeEws().start()
        self.fake.add_mailbox(mailbox)

    def config(self):
        return {
            "backend": "ews",
            "ews_url": self.fake.endpoint,
            "ews_username": self.fake.username,
            "ews_password": self.fake.password,
            "ews_auth_type": "basic",
            "ews_access": "impersonation",
        }

    def add(self, subject, start, end):
        return self.fake.add_event(self.mailbox, subject, start, end)

    def rename(self, remote_id, subject):
        self.fake.update_item(self.mailbox, remote_id, Subject=subject)


def bench_backend(env, side_class):
    index = side_class.name
    mailbox = f"bench-{index}@nordlys.example"
    side = side_class(mailbox)
    lines = []
    try:
        start = datetime.combine(datetime.utcnow().date(), datetime.min.time())
        remote = [
            side.add(
                f"Bench event {i}",
                start + timedelta(hours=8 + (i % 9), days=i % 300),
                start + timedelta(hours=9 + (i % 9), days=i % 300),
            )
            for i in range(EVENTS)
        ]
        company = env["res.company"].create({"name": f"Bench {index} ApS"})
        user = env["res.users"].create(
            {
                "name": f"Bench User {index}",
                "login": f"bench-{index}",
                "email": mailbox,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
            }
        )
        config = env["exchange.sync.config"].create(
            dict(
                side.config(),
                name=f"Bench {index}",
                company_id=company.id,
                enabled=True,
                days_back=30,
                days_ahead=365,
                sync_tasks=True,
            )
        )
        box = env["exchange.sync.mailbox"].create(
            {"config_id": config.id, "user_id": user.id}
        )
        env.cr.commit()

        def run_sync():
            before = len(side.fake.requests)
            started = time.monotonic()
            box._run_sync()
            assert box.sync_status == "ok", box.last_error
            return len(side.fake.requests) - before, time.monotonic() - started

        initial, initial_seconds = run_sync()
        linked = env["exchange.item.link"].search_count([("mailbox_id", "=", box.id)])
        assert linked == EVENTS, linked
        common.say(f"# {index} initial: {initial} requests in {initial_seconds:.1f}s")
        offset = 0
        fixed = None
        for changes in CHANGES:
            suffix = f" (changed {index} {changes})"
            for remote_id in remote[offset : offset + changes]:
                side.rename(remote_id, "Bench event" + suffix)
            offset += changes
            requests, seconds = run_sync()
            changed = env["calendar.event"].search_count(
                [("name", "=like", "%" + suffix)]
            )
            assert changed == changes, (changed, changes)
            assert box.last_pulled_count == changes, box.last_pulled_count
            common.say(
                f"# {index} {changes} changes: {requests} requests in {seconds:.2f}s"
            )
            fixed = requests if fixed is None else fixed
            bound = fixed + initial * changes / EVENTS
            lines.append(
                dict(
                    benchmark=f"exchange_sync_{index}",
                    size=changes,
                    figure=f"requests of one {index} sync run after {changes} "
                    f"changes in Outlook, calendar of {EVENTS} events",
                    value=requests,
                    unit="requests",
                    goal=f"<= {bound:.1f} (fixed {fixed} + initial {initial} x "
                    f"{changes}/{EVENTS}) and < {initial}",
                    met=requests <= bound and requests < initial,
                    seconds=round(seconds, 3),
                    baseline={
                        "what": f"initial sync of {EVENTS} events (no delta link "
                        "or sync state)",
                        "requests": initial,
                        "seconds": round(initial_seconds, 3),
                        "ratio": round(requests / initial, 4),
                    },
                )
            )
    finally:
        side.fake.stop()
    return lines


def run(conf):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(conf), "-d", DB, "--log-level=warn"])
    registry = Registry(DB)
    try:
        lines = []
        for side_class in (GraphSide, EwsSide):
            with registry.cursor() as cr:
                env = odoo.api.Environment(
                    cr, odoo.SUPERUSER_ID, {"tracking_disable": True}
                )
                env["ir.config_parameter"].set_param(
                    "exchange_calendar_sync.page_size", "100"
                )
                lines += bench_backend(env, side_class)
        for line in lines:
            common.report(**line)
    finally:
        Registry.delete(DB)
        odoo.sql_db.close_db(DB)  # let dropdb through


def main():
    with common.bench_database(DB, ["exchange_calendar_sync"]) as conf:
        run(conf)


if __name__ == "__main__":
    main()
