"""Concurrent requests and cron workers (issue 20): two real database cursors
on committed rows, as two Odoo workers would run them. The rows are committed
from a third cursor and removed again afterwards."""

import threading
import time

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import TOKEN, FakeMetaGraph
from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

SENDER = "4521990077"


def retrying(func, env, tries=5):
    """What Odoo does with a request (``odoo.service.model.retrying``): run it
    again in a fresh transaction after a serialization failure, and only then;
    commit. (Odoo's own also reloads the registry, which another thread cannot
    do while the test loads the modules.)"""
    for attempt in range(tries):
        try:
            result = func()
            env.cr.commit()  # pylint: disable=invalid-commit
            return result
        except pg_errors.SerializationFailure:
            env.cr.rollback()
            env.transaction.clear()
            if attempt == tries - 1:
                raise
            time.sleep(0.1)


class TestWhatsappConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeMetaGraph().start()
        cls.addClassCleanup(cls.fake.stop)

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.fake.sent.clear()
        self.fake._queued.clear()

    # -- helpers -------------------------------------------------------------
    def committed(self, func):
        """Run ``func(env)`` in its own transaction and commit it."""
        with self.registry.cursor() as cr:
            result = func(api.Environment(cr, SUPERUSER_ID, {}))
            cr.commit()  # pylint: disable=invalid-commit
            return result

    def worker(self):
        # the environment is made here: in another thread Registry() would wait
        # for the module loading the tests run in
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def in_thread(self, func):
        """Run ``func()`` in another thread (another worker); returns a join
        function giving ``(result, exception)``."""
        outcome = {}

        def run():
            try:
                outcome["result"] = func()
            except Exception as exc:  # reported by the test, not lost in the thread
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()

        def join():
            thread.join(30)
            self.assertFalse(thread.is_alive(), "the second worker never finished")
            return outcome.get("result"), outcome.get("error")

        return join

    def backend_pid(self, env):
        """The server process of ``env``'s cursor (its snapshot starts here)."""
        env.cr.execute("SELECT pg_backend_pid()")
        return env.cr.fetchone()[0]

    def wait_until_blocked(self, pid):
        """Until the server process ``pid`` waits for a lock (or 5 s: the old
        code never waited, and the test fails on the outcome instead)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [pid],
                )
                if cr.fetchone() == ("Lock",):
                    return True
            time.sleep(0.05)
        return False

    def create_account(self, env):
        return env["whatsapp.account"].create(
            {
                "name": "Concurrency test",
                "phone_number_id": self.fake.phone_number_id,
                "business_account_id": self.fake.waba_id,
                "access_token": TOKEN,
                "base_url": self.fake.url,
                "api_version": self.fake.version,
            }
        )

    def cleanup(self, account_id=None, partner_domain=None):
        def remove(env):
            if partner_domain:
                partners = env["res.partner"].search(partner_domain)
                env["discuss.channel"].search(
                    [("whatsapp_partner_id", "in", partners.ids)]
                ).unlink()
                partners.unlink()
            if account_id:
                env["discuss.channel"].search(
                    [("whatsapp_account_id", "=", account_id)]
                ).unlink()
                env["whatsapp.account"].browse(account_id).unlink()

        self.committed(remove)

    # -- 1. contacts -----------------------------------------------------------
    def test_concurrent_first_messages_create_one_contact(self):
        self.addCleanup(
            self.cleanup, partner_domain=[("mobile_e164", "=", "+" + SENDER)]
        )

        def item(n):
            return {"wamid": f"wamid.CC.{n}", "phone": SENDER, "profile_name": "Nina"}

        env_a, env_b = self.worker(), self.worker()
        first = env_a["res.partner"]._whatsapp_find_or_create([item(1)])["wamid.CC.1"]
        pid = self.backend_pid(env_b)
        # the second request runs while the first has not committed yet, as Odoo
        # runs it: retried on a serialization failure
        join = self.in_thread(
            lambda: retrying(
                lambda: (
                    env_b["res.partner"]
                    ._whatsapp_find_or_create([item(2)])["wamid.CC.2"]
                    .id
                ),
                env_b,
            )
        )
        self.assertTrue(self.wait_until_blocked(pid), "no lock on the number")
        env_a.cr.commit()
        second_id, error = join()
        self.assertIsNone(error)
        self.assertEqual(second_id, first.id)
        partners = self.committed(
            lambda env: (
                env["res.partner"].search([("mobile_e164", "=", "+" + SENDER)]).ids
            )
        )
        self.assertEqual(partners, [first.id])

    def test_known_phone_contact_found_by_two_concurrent_requests(self):
        """A customer whose WhatsApp number is the 'phone' field, written to
        from two workers at once: both find that contact through the shared
        lookup, neither creates a second one nor waits for the other."""
        self.addCleanup(self.cleanup, partner_domain=[("name", "=", "Concurrency Pia")])
        partner_id = self.committed(
            lambda env: (
                env["res.partner"]
                .create({"name": "Concurrency Pia", "phone": "+45 21 99 00 66"})
                .id
            )
        )

        def item(n):
            return {"wamid": f"wamid.CK.{n}", "phone": "4521990066"}

        env_a, env_b = self.worker(), self.worker()
        first = env_a["res.partner"]._whatsapp_find_or_create([item(1)])["wamid.CK.1"]
        # the first has not committed: the second must not wait for it
        join = self.in_thread(
            lambda: retrying(
                lambda: (
                    env_b["res.partner"]
                    ._whatsapp_find_or_create([item(2)])["wamid.CK.2"]
                    .id
                ),
                env_b,
            )
        )
        second_id, error = join()
        env_a.cr.commit()
        self.assertIsNone(error)
        self.assertEqual(first.id, partner_id)
        self.assertEqual(second_id, partner_id)
        found = self.committed(
            lambda env: (
                env["res.partner"]
                .search(
                    [
                        "|",
                        ("phone_e164", "=", "+4521990066"),
                        ("mobile_e164", "=", "+4521990066"),
                    ]
                )
                .ids
            )
        )
        self.assertEqual(found, [partner_id])

    def test_contact_known_to_the_snapshot_is_no_conflict(self):
        """A contact our transaction edited (the committed number differs) is
        not taken for one created concurrently: no endless retry."""
        self.addCleanup(
            self.cleanup, partner_domain=[("name", "=", "Concurrency Otto")]
        )
        partner_id = self.committed(
            lambda env: (
                env["res.partner"]
                .create({"name": "Concurrency Otto", "mobile": "+" + SENDER})
                .id
            )
        )
        env = self.worker()
        env["res.partner"].browse(partner_id).mobile = "+4521990078"
        found = env["res.partner"]._whatsapp_find_or_create(
            [{"wamid": "wamid.CC.9", "phone": SENDER, "profile_name": "Otto"}]
        )["wamid.CC.9"]
        self.assertNotEqual(found.id, partner_id)
        self.assertEqual(found.mobile_e164, "+" + SENDER)

    # -- 2. conversations --------------------------------------------------------
    @mute_logger("odoo.sql_db")  # the loser's INSERT: an expected conflict
    def test_concurrent_first_messages_create_one_conversation(self):
        def setup(env):
            account = self.create_account(env)
            partner = env["res.partner"].create(
                {"name": "Concurrency Kim", "mobile": "+4520112299"}
            )
            return account.id, partner.id

        account_id, partner_id = self.committed(setup)
        self.addCleanup(self.cleanup, account_id, [("id", "=", partner_id)])

        def get_or_create(env):
            channels = env["discuss.channel"]._whatsapp_get_or_create(
                env["whatsapp.account"].browse(account_id),
                env["res.partner"].browse(partner_id),
            )
            return list(channels.values())[0].id

        env_a, env_b = self.worker(), self.worker()
        first_id = get_or_create(env_a)
        pid = self.backend_pid(env_b)
        join = self.in_thread(lambda: retrying(lambda: get_or_create(env_b), env_b))
        self.assertTrue(self.wait_until_blocked(pid))
        env_a.cr.commit()
        # the old code: the unique constraint's error, answered 400 to Meta
        second_id, error = join()
        self.assertIsNone(error)
        self.assertEqual(second_id, first_id)
        channels = self.committed(
            lambda env: (
                env["discuss.channel"]
                .search([("whatsapp_account_id", "=", account_id)])
                .ids
            )
        )
        self.assertEqual(channels, [first_id])

    # -- 3. the send queue ---------------------------------------------------------
    def commit_queue(self, count):
        def setup(env):
            account = self.create_account(env)
            messages = env["whatsapp.message"].create(
                [
                    {
                        "account_id": account.id,
                        "direction": "outbound",
                        "state": "outgoing",
                        "recipient": f"45209911{index:02d}",
                        "body": f"Kø {index}",
                    }
                    for index in range(count)
                ]
            )
            return account.id, messages.ids

        account_id, ids = self.committed(setup)
        self.addCleanup(self.cleanup, account_id)
        return ids

    def sent_bodies(self):
        return sorted(
            request.json()["text"]["body"]
            for request in self.fake.calls("POST", self.fake.messages_path)
        )

    def test_a_committed_message_stays_claimed_by_its_worker(self):
        """Worker A commits each message it sent; worker B, running while A
        sends the next one, never claims what A claimed."""
        ids = self.commit_queue(4)
        accepted = {"messaging_product": "whatsapp", "contacts": []}
        path = self.fake.messages_path
        self.fake.queue(
            "POST", path, Reply(200, dict(accepted, messages=[{"id": "w.1"}]))
        )
        # A's second message takes a while at Meta
        self.fake.queue(
            "POST", path, Reply(200, dict(accepted, messages=[{"id": "w.2"}]), delay=2)
        )

        env_a = self.worker()

        def cron_a():
            # another thread: not a test thread, so a real cron run that commits
            env_a["whatsapp.message"]._cron_send_outgoing()
            env_a.cr.commit()  # pylint: disable=invalid-commit

        join = self.in_thread(cron_a)
        deadline = time.monotonic() + 10
        while len(self.fake.calls("POST", path)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.fake.calls("POST", path)), 2)
        env_b = self.worker()
        env_b["whatsapp.message"]._cron_send_outgoing()
        env_b.cr.commit()
        _result, error = join()
        self.assertIsNone(error)
        self.assertEqual(self.sent_bodies(), [f"Kø {i}" for i in range(4)])
        states = self.committed(
            lambda env: env["whatsapp.message"].browse(ids).mapped("state")
        )
        self.assertEqual(states, ["sent"] * 4)

    def test_a_message_sent_since_the_snapshot_is_not_an_error(self):
        """Worker B's snapshot predates A's commit of a message: B cannot lock
        it (REPEATABLE READ) and treats it as taken instead of failing."""
        ids = self.commit_queue(2)
        env_a, env_b = self.worker(), self.worker()
        env_b.cr.execute("SELECT 1")  # B's snapshot
        env_a["whatsapp.message"]._claim_due(1)._send()
        env_a.cr.commit()
        self.assertIsNone(env_b["whatsapp.message"]._claim_due())
        # B's transaction is still usable; after a commit B claims the rest
        env_b.cr.commit()
        self.assertEqual(env_b["whatsapp.message"]._claim_due().ids, ids[1:])
        env_b.cr.rollback()
        self.assertEqual(self.sent_bodies(), ["Kø 0"])
