import time
from datetime import timedelta
from unittest.mock import patch

from nordic_crm_fakes.base import Reply

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestResilience(ExchangeSyncCase):
    def add_events(self, count, mailbox="anna@nordlys.example"):
        return [
            self.fake.add_event(
                mailbox,
                f"Event {i:02d}",
                self.base + timedelta(hours=i),
                self.base + timedelta(hours=i, minutes=30),
            )
            for i in range(count)
        ]

    def test_crash_midway_through_pages_converges(self):
        self.add_events(12)  # three pages of five
        pages = {"count": 0}

        def die_on_second_page(request):
            if request.path.endswith("/calendarView/delta"):
                pages["count"] += 1
                if pages["count"] >= 2:
                    return Reply(
                        500,
                        {"error": {"code": "InternalServerError", "message": "boom"}},
                    )
            return None

        self.fake.fail_when = die_on_second_page
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("500", self.mb_anna.last_error)
        # the first page was committed, and the stored link points at page two
        self.assertEqual(len(self.links(self.mb_anna)), 5)
        self.assertIn("$skiptoken", self.mb_anna.event_sync_state)
        # the next run resumes there and converges without duplicates
        self.fake.fail_when = None
        self.sync()
        self.assertEqual(len(self.links(self.mb_anna)), 12)
        self.assertEqual(len(self.anna_events()), 12)
        self.assertEqual(len(set(self.anna_events().mapped("name"))), 12)
        self.assertIn("$deltatoken", self.mb_anna.event_sync_state)

    def test_crash_after_remote_create_does_not_duplicate(self):
        event = self.new_event(name="Created once")
        path = "/v1.0/users/anna@nordlys.example/calendar/events"

        def create_then_lose_answer(request):
            if request.method == "POST" and request.path == path:
                self.fake.fail_when = None
                self.fake.handle(request)  # Exchange created it...
                self.fake.fail_when = create_then_lose_answer
                return Reply(
                    503, {"error": {"code": "ServiceUnavailable", "message": "lost"}}
                )
            return None

        self.fake.fail_when = create_then_lose_answer
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertFalse(self.links(self.mb_anna))  # rolled back with the batch
        self.assertEqual(len(self.fake.events("anna@nordlys.example")), 1)
        self.fake.fail_when = None
        self.sync()
        self.assertEqual(len(self.fake.events("anna@nordlys.example")), 1)
        self.assertEqual(self.links(self.mb_anna).res_id, event.id)
        self.assertFalse(event.exchange_need_sync)  # in Outlook: not a candidate
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Created once")]), 1
        )

    def test_one_failing_mailbox_never_stops_the_others(self):
        self.add_events(2)
        self.fake.mailboxes.pop("bo@nordlys.example")  # Bo's mailbox is not reachable
        self.config.with_context(exchange_sync_no_commit=True)._cron_sync()
        self.assertEqual(self.mb_bo.sync_status, "error")
        self.assertIn("invalid", self.mb_bo.last_error)
        self.assertEqual(self.mb_anna.sync_status, "ok")
        self.assertEqual(len(self.links(self.mb_anna)), 2)

    def test_cron_skips_disabled(self):
        self.add_events(1)
        self.config.enabled = False
        self.env["exchange.sync.config"]._cron_sync()
        self.assertFalse(self.fake.requests)
        self.config.enabled = True
        self.mb_bo.enabled = False
        self.env["exchange.sync.config"]._cron_sync()
        self.assertEqual(self.mb_anna.sync_status, "ok")
        self.assertEqual(self.mb_bo.sync_status, "new")

    def test_expired_delta_link_triggers_full_resync(self):
        kept, gone = self.add_events(2)
        self.sync()
        self.fake.expire_delta_tokens()
        self.fake.delete_event("anna@nordlys.example", gone["id"])
        self.fake.update_event(
            "anna@nordlys.example", kept["id"], subject="Kept, renamed"
        )
        self.sync()
        self.assertEqual(self.anna_events().mapped("name"), ["Kept, renamed"])
        self.assertEqual(len(self.links(self.mb_anna)), 1)
        errors = [r for r in self.fake.requests if r.query.get("$deltatoken")]
        self.assertTrue(errors)

    def test_throttling_honours_retry_after(self):
        self.add_events(1)
        self.fake.queue(
            "GET",
            "/v1.0/users/anna@nordlys.example/calendarView/delta",
            Reply(
                429,
                {"error": {"code": "TooManyRequests", "message": "slow down"}},
                headers={"Retry-After": "1"},
            ),
        )
        started = time.monotonic()
        self.sync()
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertEqual(len(self.links(self.mb_anna)), 1)

    def test_wrong_secret_writes_nothing(self):
        self.add_events(2)
        self.config.client_secret = "forged"
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("Invalid client secret", self.mb_anna.last_error)
        self.assertFalse(self.links())
        self.assertFalse(self.mb_anna.event_sync_state)
        self.assertFalse(self.anna_events())

    def test_a_mailbox_already_syncing_is_skipped(self):
        self.add_events(1)
        lock = "SELECT pg_advisory_lock(72640, %s)"
        with self.env.registry.cursor() as other:
            other.execute(lock, [self.mb_anna.id])
            self.mb_anna._run_sync()
            self.assertEqual(self.mb_anna.sync_status, "new")
            self.assertFalse(self.fake.requests)
            other.execute("SELECT pg_advisory_unlock(72640, %s)", [self.mb_anna.id])
        self.sync()
        self.assertEqual(len(self.links(self.mb_anna)), 1)

    def test_only_administrators_start_a_sync(self):
        with self.assertRaises(AccessError):
            self.mb_anna.with_user(self.anna).action_sync_now()
        with self.assertRaises(AccessError):
            self.config.with_user(self.anna).action_sync_now()
        self.assertFalse(self.fake.requests)

    def test_cron_waits_for_the_configured_interval(self):
        self.add_events(1)
        self.config.write({"interval_minutes": 60, "last_run": fields.Datetime.now()})
        self.env["exchange.sync.config"]._cron_sync()
        self.assertFalse(self.fake.requests)  # ran a minute ago: not due
        self.config.last_run = fields.Datetime.now() - timedelta(minutes=61)
        self.env["exchange.sync.config"]._cron_sync()
        self.assertEqual(self.mb_anna.sync_status, "ok")
        self.assertEqual(len(self.links(self.mb_anna)), 1)


@tagged("post_install", "-at_install")
class TestTwoRuns(ExchangeSyncCase):
    def test_mailbox_finished_by_another_run_is_not_synced_again(self):
        """Two cron workers run the sync at once: while this run works on Anna's
        mailbox, the other finishes Bo's. Reaching Bo's, this run skips it."""
        self.fake.add_event(
            "bo@nordlys.example",
            "Bo's meeting",
            self.base,
            self.base + timedelta(hours=1),
        )
        mailboxes = self.mb_anna | self.mb_bo
        Mailbox = self.registry["exchange.sync.mailbox"]
        sync = Mailbox._sync
        synced = []

        def sync_and_let_the_other_run_finish_bo(mailbox, backend):
            synced.append(mailbox.email)
            result = sync(mailbox, backend)
            if mailbox == self.mb_anna:
                # what the other worker commits meanwhile (a direct write, as
                # it comes from another transaction)
                self.env.cr.execute(
                    "UPDATE exchange_sync_mailbox SET last_sync = %s WHERE id = %s",
                    # in the very second this run started: still seen
                    [fields.Datetime.now(), self.mb_bo.id],
                )
            return result

        with patch.object(Mailbox, "_sync", sync_and_let_the_other_run_finish_bo):
            mailboxes._run_sync()
        self.assertEqual(synced, ["anna@nordlys.example"])
        self.assertFalse(
            self.env["calendar.event"].search([("name", "=", "Bo's meeting")]),
            "Bo's mailbox was synced a second time",
        )
        # a later run (started after the other finished) syncs Bo's as usual,
        # also within the same second
        with patch.object(Mailbox, "_sync", sync_and_let_the_other_run_finish_bo):
            self.mb_bo._run_sync()
        self.assertEqual(synced[-1], "bo@nordlys.example")
        self.assertTrue(
            self.env["calendar.event"].search([("name", "=", "Bo's meeting")])
        )

    def test_result_is_recorded_before_the_lock_is_released(self):
        """A run waiting for the lock must find the mailbox synced once it gets
        it: the result is written before the lock is released."""
        Mailbox = self.registry["exchange.sync.mailbox"]
        unlock = Mailbox._unlock
        seen = []

        def record_and_unlock(mailbox):
            self.env.flush_all()  # what a commit would have sent by now
            self.env.cr.execute(
                "SELECT sync_status, last_sync FROM exchange_sync_mailbox"
                " WHERE id = %s",
                [mailbox.id],
            )
            seen.append(self.env.cr.fetchone())
            return unlock(mailbox)

        with patch.object(Mailbox, "_unlock", record_and_unlock):
            self.mb_anna._run_sync()
        (status, last_sync) = seen[0]
        self.assertEqual(status, "ok")
        self.assertTrue(last_sync)

    def test_another_run_in_the_same_second_is_still_seen(self):
        """The marker is the writing transaction's time to the microsecond:
        another run that finished the mailbox in the very second this run
        started, writing the same ``last_sync``, is still seen."""
        Mailbox = self.registry["exchange.sync.mailbox"]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE exchange_sync_mailbox SET last_sync = date_trunc('second',"
            " now() AT TIME ZONE 'UTC') WHERE id = %s",
            [self.mb_bo.id],
        )
        mailboxes = self.mb_anna | self.mb_bo
        sync = Mailbox._sync
        synced = []

        def sync_and_let_the_other_run_finish_bo(mailbox, backend):
            synced.append(mailbox.email)
            result = sync(mailbox, backend)
            if mailbox == self.mb_anna:
                # same last_sync as before (same second), a later transaction
                self.env.cr.execute(
                    "UPDATE exchange_sync_mailbox SET write_date = write_date"
                    " + interval '1 millisecond' WHERE id = %s",
                    [self.mb_bo.id],
                )
            return result

        with patch.object(Mailbox, "_sync", sync_and_let_the_other_run_finish_bo):
            mailboxes._run_sync()
        self.assertEqual(synced, ["anna@nordlys.example"])
