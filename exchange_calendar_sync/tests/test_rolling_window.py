"""The sync window rolls with the calendar: [today - days back, today + days ahead].

Runs on several days (freezegun): events entering the window arrive from both
sides, events leaving it stay where they are, on both sides.
"""

from datetime import datetime, timedelta

from freezegun import freeze_time
from nordic_crm_fakes.ews import FakeEws

from odoo.tests import tagged

from .common import ExchangeSyncCase

ANNA = "anna@nordlys.example"


def _midnight(day):
    return datetime.combine(day, datetime.min.time())


class RollingWindowMixin:
    """The scenario, for both backends (``add_remote``/``remote_subjects`` differ)."""

    allow_inherited_tests_method = True  # Odoo's loader: run the scenario per backend

    def day(self, offset, hours=9):
        return _midnight(self.today) + timedelta(days=offset, hours=hours)

    def run_on(self, offset):
        with freeze_time(self.day(offset, hours=6)):
            self.sync()

    def test_window_rolls_over_several_runs(self):
        # days back 30, days ahead 90 (common set-up)
        far_remote = self.add_remote("Outlook, day 100", self.day(100))
        far_odoo = self.new_event(
            name="Odoo, day 100",
            start=self.day(100, 13),
            stop=self.day(100, 14),
        )
        old_remote = self.add_remote("Outlook, day -20", self.day(-20))
        old_odoo = self.new_event(
            name="Odoo, day -25", start=self.day(-25), stop=self.day(-25, 10)
        )
        self.run_on(0)
        self.assertTrue(self.event_for(old_remote))
        self.assertFalse(self.event_for(far_remote))
        self.assertIn("Odoo, day -25", self.remote_subjects())
        self.assertNotIn("Odoo, day 100", self.remote_subjects())
        self.assertTrue(far_odoo.exchange_need_sync)

        # two weeks later: day 100 entered the window, days -20/-25 left it
        self.run_on(15)
        arrived = self.event_for(far_remote)
        self.assertEqual(arrived.name, "Outlook, day 100")
        self.assertEqual(arrived.start, self.day(100))
        self.assertIn("Odoo, day 100", self.remote_subjects())
        self.assertFalse(far_odoo.exchange_need_sync)
        # left alone on both sides
        self.assertTrue(self.event_for(old_remote).exists())
        self.assertTrue(old_odoo.exists())
        self.assertIn("Outlook, day -20", self.remote_subjects())
        self.assertIn("Odoo, day -25", self.remote_subjects())
        self.assertEqual(len(self.links(self.mb_anna)), 4)
        self.assertEqual(
            (self.mb_anna.event_window_start, self.mb_anna.event_window_end),
            (_midnight(self.today) + timedelta(days=15 - 30),)
            + (_midnight(self.today) + timedelta(days=15 + 90),),
        )

        # a day later, nothing new: nothing duplicated, nothing removed
        events = self.env["calendar.event"].search_count([])
        self.run_on(16)
        self.assertEqual(self.env["calendar.event"].search_count([]), events)
        self.assertEqual(len(self.remote_subjects()), 4)
        self.assertEqual(len(self.links(self.mb_anna)), 4)
        self.assertEqual(self.mb_anna.sync_status, "ok")

    def test_mailbox_synced_before_the_rolling_window_converges(self):
        """A mailbox whose state predates the window fields (an upgrade) gets
        its window on the next run, without duplicating anything."""
        self.add_remote("Outlook, day 3", self.day(3))
        self.new_event(name="Odoo, day 4", start=self.day(4), stop=self.day(4, 10))
        self.run_on(0)
        self.mb_anna.write({"event_window_start": False, "event_window_end": False})
        self.run_on(0)
        self.assertEqual(self.mb_anna.event_window_start, self.day(-30, 0))
        self.assertEqual(self.mb_anna.event_window_end, self.day(90, 0))
        self.assertEqual(len(self.links(self.mb_anna)), 2)
        self.assertEqual(len(self.remote_subjects()), 2)
        self.assertEqual(
            sorted(self.anna_events().mapped("name")), ["Odoo, day 4", "Outlook, day 3"]
        )


@tagged("post_install", "-at_install")
class TestGraphRollingWindow(RollingWindowMixin, ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.today = self.base.date() - timedelta(days=2)

    def add_remote(self, subject, start):
        return self.fake.add_event(ANNA, subject, start, start + timedelta(hours=1))[
            "id"
        ]

    def remote_subjects(self):
        return sorted(e["subject"] for e in self.fake.events(ANNA))

    def test_moved_window_starts_a_new_delta_round(self):
        self.run_on(0)
        self.run_on(0)
        self.run_on(1)
        ranges = self.fake.delta_ranges(ANNA)
        self.assertEqual(
            ranges,
            [
                (self.day(-30, 0), self.day(90, 0)),
                (self.day(-29, 0), self.day(91, 0)),
            ],
        )

    def test_delta_link_is_bound_to_its_range(self):
        """The fake refuses, as Graph does, to stretch a delta link to new dates."""
        self.run_on(0)
        link = self.mb_anna.event_sync_state
        self.assertIn("$deltatoken", link)
        backend = self.config._make_backend()
        with self.assertRaises(Exception) as caught:
            backend.client._request(
                "GET",
                link,
                params={
                    "startDateTime": "2030-01-01T00:00:00Z",
                    "endDateTime": "2031-01-01T00:00:00Z",
                },
            )
        self.assertEqual(caught.exception.status, 400)

    def test_event_moved_out_of_the_window_in_outlook_is_not_deleted(self):
        moved = self.add_remote("Moved far ahead", self.day(5))
        gone = self.add_remote("Deleted", self.day(6))
        self.run_on(0)
        event, deleted = self.event_for(moved), self.event_for(gone)
        start = {"dateTime": self.day(200).isoformat(), "timeZone": "UTC"}
        end = {"dateTime": self.day(200, 10).isoformat(), "timeZone": "UTC"}
        self.fake.update_event(ANNA, moved, start=start, end=end)
        self.fake.delete_event(ANNA, gone)
        self.run_on(0)
        # Graph reported both as removed; only the deleted one is gone
        self.assertTrue(event.exists())
        self.assertEqual(event.start, self.day(200))
        self.assertFalse(deleted.exists())
        self.assertEqual(len(self.links(self.mb_anna)), 1)
        # a new round on the next day does not delete it either
        self.run_on(1)
        self.assertTrue(event.exists())
        self.assertEqual(self.fake.events(ANNA)[0]["subject"], "Moved far ahead")

    def test_full_round_keeps_an_event_that_moved_out_unseen(self):
        moved = self.add_remote("Moved while the window moved", self.day(5))
        self.run_on(0)
        event = self.event_for(moved)
        # moved and the window rolled the same day: the new round does not list it
        start = {"dateTime": self.day(300).isoformat(), "timeZone": "UTC"}
        end = {"dateTime": self.day(300, 10).isoformat(), "timeZone": "UTC"}
        self.fake.update_event(ANNA, moved, start=start, end=end)
        self.run_on(1)
        self.assertTrue(event.exists())
        self.assertEqual(event.start, self.day(300))


@tagged("post_install", "-at_install")
class TestEwsRollingWindow(RollingWindowMixin, ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.today = self.base.date() - timedelta(days=2)
        self.ews = FakeEws().start()
        self.addCleanup(self.ews.stop)
        self.ews.add_mailbox(ANNA, "Kalender", "Opgaver")
        self.ews.add_mailbox("bo@nordlys.example")
        self.config.write(
            {
                "backend": "ews",
                "ews_url": self.ews.endpoint,
                "ews_username": FakeEws.username,
                "ews_password": FakeEws.password,
                "ews_auth_type": "basic",
                "ews_access": "delegate",
            }
        )

    def add_remote(self, subject, start):
        return self.ews.add_event(ANNA, subject, start, start + timedelta(hours=1))

    def remote_subjects(self):
        return sorted(self.ews.text(e, "Subject") for e in self.ews.items(ANNA))

    def test_moved_window_asks_exchange_for_the_new_days_only(self):
        self.run_on(0)
        self.assertFalse(self.ews.calendar_views)  # the first sync covers it
        state = self.mb_anna.event_sync_state
        self.run_on(15)
        # the folder-wide sync state is kept; the 15 new days come by date
        self.assertEqual(self.ews.calendar_views, [(self.day(90, 0), self.day(105, 0))])
        self.assertNotEqual(self.mb_anna.event_sync_state, False)
        self.assertTrue(state)

    def test_event_moved_out_of_the_window_in_outlook_is_not_deleted(self):
        moved = self.add_remote("Moved far ahead", self.day(5))
        self.run_on(0)
        event = self.event_for(moved)
        self.ews.update_item(ANNA, moved, Start=self.day(200), End=self.day(200, 10))
        self.run_on(0)
        self.assertTrue(event.exists())
        self.assertEqual(event.start, self.day(200))
        # an Outlook event outside the window that was never synced stays out
        self.add_remote("Far ahead, never synced", self.day(300))
        self.run_on(0)
        self.assertEqual(len(self.links(self.mb_anna)), 1)
