from datetime import timedelta

from odoo.tests import tagged

from ..services import mapping
from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestRelink(ExchangeSyncCase):
    def test_relink_after_migration(self):
        box = "anna@nordlys.example"
        hour = timedelta(hours=1)
        a = self.fake.add_event(box, "Alpha", self.base, self.base + hour)
        self.fake.add_event(box, "Beta", self.base + 2 * hour, self.base + 3 * hour)
        self.fake.add_event(box, "Gamma", self.base + 4 * hour, self.base + 5 * hour)
        self.fake.add_event(box, "Gamma", self.base + 4 * hour, self.base + 5 * hour)
        only_odoo = self.new_event(
            name="Delta", start=self.base + 6 * hour, stop=self.base + 7 * hour
        )
        self.sync()
        alpha = self.event_for(a["id"])
        gammas = self.anna_events().filtered(lambda e: e.name == "Gamma")
        self.assertEqual(len(self.links(self.mb_anna)), 5)

        # the mailbox moves to Microsoft 365: every id changes, Delta did not survive
        self.fake.mailboxes.pop(box)
        self.fake.add_mailbox(box, "Kalender", "Opgaver")
        a2 = self.fake.add_event(box, "Alpha", self.base, self.base + hour)
        a2["iCalUId"] = a["iCalUId"]  # Exchange keeps the meeting's iCalUId
        b2 = self.fake.add_event(
            box, "Beta", self.base + 2 * hour, self.base + 3 * hour
        )
        self.fake.add_event(box, "Gamma", self.base + 4 * hour, self.base + 5 * hour)
        self.fake.add_event(box, "Epsilon", self.base + 8 * hour, self.base + 9 * hour)
        self.assertNotEqual(a2["id"], a["id"])

        wizard = self.env["exchange.relink.wizard"].create(
            {"mailbox_id": self.mb_anna.id}
        )
        wizard.action_analyse()
        self.assertEqual(wizard.relinked_count, 2)  # Alpha by iCalUId, Beta by time
        self.assertEqual(wizard.ambiguous_count, 1)  # two Gammas in Odoo
        self.assertEqual(wizard.unmatched_remote_count, 1)  # Epsilon
        self.assertEqual(wizard.unmatched_odoo_count, 1)  # Delta
        ambiguous = wizard.line_ids.filtered(lambda ln: ln.status == "ambiguous")
        self.assertEqual(ambiguous.candidate_event_ids, gammas)
        ambiguous.event_id = gammas[0]
        wizard.action_relink()
        self.assertEqual(wizard.state, "done")

        link_alpha = self.links(self.mb_anna).filtered(lambda ln: ln.res_id == alpha.id)
        self.assertEqual(link_alpha.remote_id, a2["id"])
        beta = self.anna_events().filtered(lambda e: e.name == "Beta")
        self.assertEqual(self.event_for(b2["id"]), beta)
        self.assertFalse(
            self.links(self.mb_anna).filtered(lambda ln: ln.res_id == only_odoo.id)
        )
        self.assertFalse(self.mb_anna.event_sync_state)

        # the next sync converges: nothing duplicated, only Epsilon is new
        before = self.anna_events()
        self.sync()
        new = self.anna_events() - before
        self.assertEqual(new.mapped("name"), ["Epsilon"])
        self.assertEqual(len(self.fake.events(box)), 4)  # Delta not pushed back
        self.assertTrue(only_odoo.exists())
        self.assertTrue(
            self.mb_anna.message_ids.filtered(lambda m: "Re-linked" in (m.body or ""))
        )

    def test_relink_tasks_by_subject_and_due_date(self):
        partner = self.env["res.partner"].create({"name": "Kunde E"})
        due = self.base.date() + timedelta(days=1)
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Ring tilbage",
            user_id=self.anna.id,
            date_deadline=due,
        )
        self.sync()
        self.assertEqual(len(self.links(self.mb_anna, "mail.activity")), 1)
        box = "anna@nordlys.example"
        self.fake.mailboxes.pop(box)
        self.fake.add_mailbox(box, "Kalender", "Opgaver")
        moved = self.fake.add_task(box, "Ring tilbage", due=due)
        wizard = self.env["exchange.relink.wizard"].create(
            {"mailbox_id": self.mb_anna.id}
        )
        wizard.action_analyse()
        self.assertEqual(wizard.relinked_count, 1)
        wizard.action_relink()
        link = self.links(self.mb_anna, "mail.activity")
        self.assertEqual((link.res_id, link.remote_id), (activity.id, moved["id"]))
        self.sync()
        self.assertEqual(len(self.fake.tasks(box)), 1)
        self.assertEqual(
            self.env["mail.activity"].search_count([("summary", "=", "Ring tilbage")]),
            1,
        )

    def test_relink_series_by_ical_uid_and_occurrences_follow(self):
        box = "anna@nordlys.example"
        start = self.base - timedelta(weeks=8)
        weekly = {
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": [mapping.GRAPH_WEEKDAYS[start.weekday()]],
                "firstDayOfWeek": "monday",
            },
            "range": {
                "type": "numbered",
                "startDate": start.date().isoformat(),
                "numberOfOccurrences": 30,  # beyond the window's end
            },
        }
        hour = timedelta(hours=1)
        master = self.fake.add_series(box, "Ugemøde", start, start + hour, weekly)
        self.sync()
        series_link = self.links(self.mb_anna, "calendar.recurrence")
        recurrence = self.env["calendar.recurrence"].browse(series_link.res_id)
        self.assertEqual(len(recurrence.calendar_event_ids), 30)

        # the mailbox moves: new ids, the series keeps its iCalUId; one
        # occurrence was moved in Outlook before the move
        self.fake.mailboxes.pop(box)
        self.fake.add_mailbox(box, "Kalender", "Opgaver")
        moved_master = self.fake.add_series(box, "Ugemøde", start, start + hour, weekly)
        moved_master["iCalUId"] = master["iCalUId"]
        window = self.config._window()
        occurrences = self.fake.occurrences(box, moved_master["id"], *window)
        shifted = occurrences[1]
        new_start = mapping.graph_time_to_utc(shifted["start"]) + 2 * hour
        self.fake.move_occurrence(box, shifted["id"], new_start, new_start + hour)
        original = mapping.parse_datetime(shifted["originalStart"])

        wizard = self.env["exchange.relink.wizard"].create(
            {"mailbox_id": self.mb_anna.id}
        )
        wizard.action_analyse()
        series_line = wizard.line_ids.filtered(
            lambda ln: ln.res_model == "calendar.recurrence"
        )
        self.assertEqual(series_line.status, "match")
        self.assertEqual(series_line.recurrence_id, recurrence)
        self.assertEqual(wizard.relinked_count, len(occurrences) + 1)
        self.assertEqual(wizard.ambiguous_count, 0)
        wizard.action_relink()

        series_link = self.links(self.mb_anna, "calendar.recurrence")
        self.assertEqual(
            (series_link.res_id, series_link.remote_id),
            (recurrence.id, moved_master["id"]),
        )
        for occurrence in occurrences:
            event = self.event_for(occurrence["id"])
            self.assertEqual(event.recurrence_id, recurrence)
        # the moved occurrence follows by its original start
        self.assertEqual(self.event_for(shifted["id"]).start, original)

        # the next runs converge, also when later occurrences enter the window
        self.sync()
        self.assertEqual(self.event_for(shifted["id"]).start, new_start)
        self.config.write({"days_ahead": self.config.days_ahead + 60})
        self.sync()
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 30
        )
        self.assertEqual(
            self.env["calendar.recurrence"].search_count(
                [("calendar_event_ids.name", "=", "Ugemøde")]
            ),
            1,
        )
        self.assertEqual(
            len(self.links(self.mb_anna)),
            len(self.fake.occurrences(box, moved_master["id"], *self.config._window())),
        )
        self.assertFalse(
            [
                r
                for r in self.fake.requests
                if r.method in ("POST", "PATCH", "DELETE") and "/events" in r.path
            ]
        )
