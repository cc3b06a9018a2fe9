"""Crash safety proven with a real process: the sync runs in a separate Odoo
process on this database (real commits, as the cron), against the fake Graph /
EWS servers of this process, and is killed with SIGKILL at the points where a
crash can lose or duplicate something. Every run after a kill must converge:
each item once on each side, one link each, the sync state consistent.

The worker (``crash_worker.py``) commits its own records, marked per test, and
deletes them at the end: this test's transaction never writes, so the worker
sees and locks nothing of it.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.ews import FakeEws, t
from nordic_crm_fakes.msgraph import FakeGraph

import odoo
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

WORKER = Path(__file__).with_name("crash_worker.py")
MAILBOX = "crash@nordlys.example"
TIMEOUT = 240  # seconds for one worker run (a few on an idle machine)


class GraphSide:
    """The Outlook side of the fake Graph, in the words of the test."""

    def __init__(self):
        self.fake = FakeGraph().start()
        self.fake.add_mailbox(MAILBOX)

    def config(self):
        return {
            "backend": "graph",
            "tenant_id": FakeGraph.tenant,
            "client_id": FakeGraph.client_id,
            "client_secret": FakeGraph.client_secret,
            "graph_url": f"{self.fake.url}/v1.0",
            "login_url": self.fake.url,
        }

    def add(self, name, start):
        return self.fake.add_event(MAILBOX, name, start, start + timedelta(hours=1))[
            "id"
        ]

    def rename(self, remote_id, name):
        self.fake.update_event(MAILBOX, remote_id, subject=name)

    def delete(self, remote_id):
        self.fake.delete_event(MAILBOX, remote_id)

    def items(self):
        """``{remote id: subject}`` of the mailbox's calendar."""
        return {e["id"]: e["subject"] for e in self.fake.events(MAILBOX)}

    def block_create(self, nth, created, killed):
        """The ``nth`` create is done by Exchange, then its answer never comes."""
        fake, count = self.fake, {"n": 0}

        def lose_answer(request):
            if request.method == "POST" and request.path.endswith("/calendar/events"):
                count["n"] += 1
                if count["n"] == nth:
                    fake.fail_when = None
                    fake.handle(request)
                    created.set()
                    killed.wait(TIMEOUT)
                    return Reply(503, {"error": {"code": "ServiceUnavailable"}})
            return None

        fake.fail_when = lose_answer

    def unblock(self):
        self.fake.fail_when = None

    def stop(self):
        self.fake.stop()


class EwsSide(GraphSide):
    def __init__(self):
        self.fake = FakeEws().start()
        self.fake.add_mailbox(MAILBOX)

    def config(self):
        return {
            "backend": "ews",
            "ews_url": self.fake.endpoint,
            "ews_username": FakeEws.username,
            "ews_password": FakeEws.password,
            "ews_auth_type": "basic",
            "ews_access": "delegate",
        }

    def add(self, name, start):
        return self.fake.add_event(MAILBOX, name, start, start + timedelta(hours=1))

    def rename(self, remote_id, name):
        self.fake.update_item(MAILBOX, remote_id, Subject=name)

    def delete(self, remote_id):
        self.fake.delete_item(MAILBOX, remote_id)

    def items(self):
        return {
            elem.find(t("ItemId")).get("Id"): self.fake.text(elem, "Subject")
            for elem in self.fake.items(MAILBOX)
        }

    def block_create(self, nth, created, killed):
        count = {"n": 0}

        def lose_answer(operation):
            if operation == "CreateItem":
                count["n"] += 1
                if count["n"] == nth:
                    created.set()
                    killed.wait(TIMEOUT)
                    return Reply(500, b"")
            return None

        self.fake.fail_after = lose_answer

    def unblock(self):
        self.fake.fail_after = None


@tagged("post_install", "-at_install")
class TestCrashProcess(TransactionCase):
    def setUp(self):
        super().setUp()
        self.marker = uuid.uuid4().hex[:10]
        self.base = datetime.combine(
            datetime.utcnow().date(), datetime.min.time()
        ) + timedelta(days=2, hours=8)

    # -- the worker process ----------------------------------------------------
    def _command(self):
        args = [sys.executable, str(WORKER)]
        if config.rcfile and os.path.isfile(config.rcfile):
            args += ["-c", config.rcfile]
        args += [
            f"--addons-path={config['addons_path']}",
            f"--database={self.env.cr.dbname}",
            "--log-level=warn",
        ]
        for key, option in (
            ("db_host", "--db_host"),
            ("db_port", "--db_port"),
            ("db_user", "--db_user"),
            ("db_password", "--db_password"),
            ("data_dir", "--data-dir"),
        ):
            if config.get(key):
                args.append(f"{option}={config[key]}")
        return args

    def _environ(self):
        environ = dict(os.environ)
        odoo_root = str(Path(odoo.__file__).resolve().parents[1])
        environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [odoo_root, environ.get("PYTHONPATH")])
        )
        return environ

    def _steps(self, *steps):
        common = {"marker": self.marker, "page_size": 3, "push_batch": 2}
        common["base"] = self.base.isoformat()
        return json.dumps([dict(common, **step) for step in steps])

    def worker(self, *steps, killed=False):
        """Run the steps in a new process; its JSON answers, by operation."""
        proc = subprocess.run(
            self._command(),
            input=self._steps(*steps),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=self._environ(),
            check=False,
        )
        if killed:
            self.assertEqual(
                proc.returncode,
                -signal.SIGKILL,
                f"not killed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}",
            )
        else:
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        return {
            answer.get("label") or answer["op"]: answer
            for answer in map(json.loads, proc.stdout.splitlines())
        }

    def cleanup(self):
        if not getattr(self, "cleaned", False):
            self.worker({"op": "cleanup"})

    def kill_during_create(self, side, nth, *steps):
        """Run the steps; SIGKILL the process while Exchange answers its
        ``nth`` create (the item exists remotely, the answer is lost)."""
        created, killed = threading.Event(), threading.Event()
        side.block_create(nth, created, killed)
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._environ(),
        )
        try:
            proc.stdin.write(self._steps(*steps))
            proc.stdin.close()
            self.assertTrue(created.wait(TIMEOUT), "the create never came")
            os.kill(proc.pid, signal.SIGKILL)
            self.assertEqual(proc.wait(TIMEOUT), -signal.SIGKILL)
        finally:
            killed.set()
            if proc.poll() is None:
                proc.kill()
            proc.wait(TIMEOUT)
            proc.stdout.close()
            proc.stderr.close()
            side.unblock()

    # -- the scenario ----------------------------------------------------------
    def assert_converged(self, side, state, expected):
        """Each name once in Odoo and once in Outlook, linked one to one."""
        odoo_names = sorted(e["name"] for e in state["events"])
        remote = side.items()
        self.assertEqual(odoo_names, sorted(expected), "Odoo side")
        self.assertEqual(sorted(remote.values()), sorted(expected), "Outlook side")
        links = [link for link in state["links"] if link["res_model"] == EVENT]
        self.assertEqual(len(links), len(expected))
        self.assertEqual({link["remote_id"] for link in links}, set(remote))
        self.assertEqual(
            {link["res_id"] for link in links}, {e["id"] for e in state["events"]}
        )
        by_id = {e["id"]: e["name"] for e in state["events"]}
        for link in links:
            self.assertEqual(by_id[link["res_id"]], remote[link["remote_id"]])
            self.assertFalse(link["pending_action"] or link["need_push"], link)
        self.assertFalse([e for e in state["events"] if e["need_sync"]])
        mailbox = state["mailbox"]
        self.assertEqual(mailbox["sync_status"], "ok", mailbox["last_error"])
        self.assertTrue(mailbox["event_sync_state"])
        self.assertFalse(mailbox["is_event_full_sync"])

    def run_crashes(self, side):
        self.addCleanup(side.stop)
        self.addCleanup(self.cleanup)
        outlook = {
            f"Outlook {i}": side.add(f"Outlook {i}", self.base + timedelta(hours=i))
            for i in range(1, 8)
        }
        setup = {
            "op": "setup",
            "email": MAILBOX,
            "config": dict(
                side.config(),
                enabled=True,
                days_back=30,
                days_ahead=90,
                sync_tasks=False,
            ),
            "events": [f"Odoo {i}" for i in range(1, 6)],
        }
        # 1. page two of the first full round applied, not committed
        self.worker(setup, {"op": "sync", "kill": "before_commit:4"}, killed=True)
        side.add("Outlook 8", self.base + timedelta(days=1))
        side.rename(outlook["Outlook 1"], "Outlook 1 (changed)")
        # 2. a page committed, the round's delta link / final state not stored
        self.worker({"op": "sync", "kill": "after_commit:1"}, killed=True)
        # 3. events created in Outlook, their links not committed
        self.worker({"op": "sync", "kill": "remote_created:3"}, killed=True)
        side.delete(outlook["Outlook 2"])
        side.rename(outlook["Outlook 3"], "Outlook 3 (changed)")
        # 4. killed from outside while Exchange answers a create
        self.kill_during_create(
            side,
            2,
            {"op": "add_events", "events": ["Odoo 6"]},
            {"op": "sync"},
        )
        # restarted: converges, and a second run finds nothing left to do
        first = {"op": "sync", "label": "restarted"}
        answers = self.worker(first, {"op": "sync"}, {"op": "state"}, {"op": "cleanup"})
        self.cleaned = True
        self.assertEqual(answers["restarted"]["status"], "ok", answers["restarted"])
        state = answers["state"]
        expected = [
            "Outlook 1 (changed)",
            "Outlook 3 (changed)",
            *(f"Outlook {i}" for i in range(4, 9)),
            *(f"Odoo {i}" for i in range(1, 7)),
        ]
        self.assert_converged(side, state, expected)
        self.assertEqual(
            (state["mailbox"]["pulled"], state["mailbox"]["pushed"]), (0, 0)
        )

    def test_graph_sync_killed_at_each_point_converges(self):
        self.run_crashes(GraphSide())

    def test_ews_sync_killed_at_each_point_converges(self):
        self.run_crashes(EwsSide())


EVENT = "calendar.event"
