from datetime import timedelta

from nordic_crm_fakes.ews import DAYS, FakeEws, t

from odoo.tests import tagged

from ..services import mapping
from .common import ExchangeSyncCase

ANNA = "anna@nordlys.example"


@tagged("post_install", "-at_install")
class TestEwsRecurrence(ExchangeSyncCase):
    """Odoo recurrences ↔ EWS recurring masters (Recurrence, ModifiedOccurrences,
    DeletedOccurrences), their occurrences and exceptions linked one to one."""

    def setUp(self):
        super().setUp()
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

    def window(self):
        return self.config._window()

    def outlook_series(self, weeks_before=8, count=20):
        start = self.base - timedelta(weeks=weeks_before)
        master_id = self.ews.add_series(
            ANNA, "Ugemøde", start, start + timedelta(hours=1), count=count
        )
        return master_id, self.ews.occurrences(ANNA, master_id, *self.window())

    def series_link(self, mailbox=None):
        return self.links(mailbox or self.mb_anna, model="calendar.recurrence")

    def recurrence(self):
        return self.env["calendar.recurrence"].browse(self.series_link().res_id)

    def writes(self):
        return [
            op
            for op in self.ews.operations
            if op in ("CreateItem", "UpdateItem", "DeleteItem")
        ]

    def assert_linked(self, master_id, recurrence):
        """Each Outlook occurrence of the window is linked to the Odoo
        occurrence at its time, once; nothing else of the series is linked."""
        occurrences = self.ews.occurrences(ANNA, master_id, *self.window())
        links = self.links(self.mb_anna)
        self.assertEqual(
            sorted(links.mapped("remote_id")), sorted(o["id"] for o in occurrences)
        )
        for occurrence in occurrences:
            event = self.event_for(occurrence["id"])
            self.assertEqual(event.recurrence_id, recurrence)
            self.assertEqual(event.start, occurrence["start"])
        self.assertEqual(len(set(links.mapped("res_id"))), len(links))

    def test_series_started_before_the_window_arrives_by_its_master(self):
        master_id, occurrences = self.outlook_series()
        self.sync()
        self.assertEqual(self.series_link().remote_id, master_id)
        self.assertTrue(self.series_link().ical_uid)
        recurrence = self.recurrence()
        self.assertEqual(
            (recurrence.rrule_type, recurrence.end_type, recurrence.count),
            ("weekly", "count", 20),
        )
        self.assertTrue(recurrence[mapping.WEEKDAY_FIELDS[self.base.weekday()]])
        # Odoo's rule makes the 20 occurrences, the first before the window
        events = recurrence.calendar_event_ids
        self.assertEqual(len(events), 20)
        self.assertEqual(min(events.mapped("start")), self.base - timedelta(weeks=8))
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 20
        )
        self.assertTrue(occurrences)
        self.assert_linked(master_id, recurrence)
        self.assertFalse(self.writes())
        # nothing more to do on the next run
        self.sync()
        self.assertEqual(
            (self.mb_anna.last_pulled_count, self.mb_anna.last_pushed_count), (0, 0)
        )
        self.assertFalse(self.writes())
        self.assertEqual(len(recurrence.calendar_event_ids), 20)

    def test_moved_and_cancelled_occurrences_stay_linked(self):
        master_id, occurrences = self.outlook_series()
        self.sync()
        moved, cancelled = occurrences[2], occurrences[4]
        moved_event = self.event_for(moved["id"])
        cancelled_event = self.event_for(cancelled["id"])
        recurrence = moved_event.recurrence_id
        new_start = moved["start"] + timedelta(hours=3)
        self.ews.move_occurrence(
            ANNA, moved["id"], new_start, new_start + timedelta(hours=1)
        )
        self.ews.cancel_occurrence(ANNA, cancelled["id"])
        self.sync()
        # the moved occurrence moves alone, and stays in its series
        self.assertEqual(moved_event.start, new_start)
        self.assertEqual(moved_event.recurrence_id, recurrence)
        self.assertEqual(self.event_for(moved["id"]), moved_event)
        # the cancelled one is gone in Odoo; the rest of the series stays
        self.assertFalse(cancelled_event.exists())
        self.assertEqual(len(recurrence.calendar_event_ids), 19)
        self.assert_linked(master_id, recurrence)
        self.assertFalse(self.writes())

    def test_occurrences_cancelled_before_the_first_sync_are_not_made(self):
        master_id, occurrences = self.outlook_series()
        self.ews.cancel_occurrence(ANNA, occurrences[1]["id"])
        self.sync()
        recurrence = self.recurrence()
        self.assertEqual(len(recurrence.calendar_event_ids), 19)
        self.assertNotIn(
            occurrences[1]["start"], recurrence.calendar_event_ids.mapped("start")
        )
        self.assert_linked(master_id, recurrence)

    def test_series_deleted_in_outlook_is_removed_in_odoo(self):
        master_id, _occurrences = self.outlook_series()
        self.sync()
        recurrence = self.recurrence()
        events = recurrence.calendar_event_ids
        self.ews.delete_item(ANNA, master_id)
        self.sync()
        self.assertFalse(events.exists())
        self.assertFalse(self.series_link())
        self.assertFalse(self.links(self.mb_anna))
        self.assertFalse(self.writes())

    def test_odoo_recurrence_becomes_an_ews_recurring_master(self):
        weekday = mapping.WEEKDAY_FIELDS[self.base.weekday()]
        event = self.new_event(
            name="Fredagsbar",
            recurrency=True,
            rrule_type="weekly",
            interval=1,
            end_type="count",
            count=5,
            **{weekday: True},
        )
        recurrence = event.recurrence_id
        self.assertEqual(len(recurrence.calendar_event_ids), 5)
        self.sync()
        items = self.ews.items(ANNA)
        self.assertEqual(len(items), 1)  # one master, not five single items
        self.assertEqual(self.writes(), ["CreateItem"])
        master = items[0]
        self.assertEqual(self.ews.text(master, "CalendarItemType"), "RecurringMaster")
        rule = master.find(t("Recurrence"))
        weekly = rule.find(t("WeeklyRecurrence"))
        self.assertEqual(weekly.findtext(t("DaysOfWeek")), DAYS[self.base.weekday()])
        numbered = rule.find(t("NumberedRecurrence"))
        self.assertEqual(numbered.findtext(t("NumberOfOccurrences")), "5")
        self.assertEqual(
            numbered.findtext(t("StartDate"))[:10], self.base.date().isoformat()
        )
        master_id = master.find(t("ItemId")).get("Id")
        self.assertEqual(self.series_link().remote_id, master_id)
        self.assertEqual(self.series_link().res_id, recurrence.id)
        # the next run links Exchange's occurrences to Odoo's, without new events
        self.sync()
        self.assertEqual(len(self.ews.occurrences(ANNA, master_id)), 5)
        self.assert_linked(master_id, recurrence)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Fredagsbar")]), 5
        )
        self.sync()
        self.assertEqual(
            (self.mb_anna.last_pulled_count, self.mb_anna.last_pushed_count), (0, 0)
        )
        self.assertEqual(self.writes(), ["CreateItem"])

    def test_occurrence_changed_in_odoo_updates_that_occurrence(self):
        master_id, occurrences = self.outlook_series()
        self.sync()
        event = self.event_for(occurrences[1]["id"])
        event.write({"name": "Ugemøde (flyttet lokale)", "location": "Aarhus"})
        self.sync()
        after = self.ews.occurrences(ANNA, master_id, *self.window())
        self.assertEqual(after[1]["type"], "Exception")
        self.assertEqual(after[1]["subject"], "Ugemøde (flyttet lokale)")
        self.assertEqual(after[1]["location"], "Aarhus")
        self.assertEqual(after[2]["subject"], "Ugemøde")
        self.assertEqual(after[2]["type"], "Occurrence")
        self.assertEqual(self.writes(), ["UpdateItem"])

    def test_occurrence_deleted_in_odoo_deletes_that_occurrence(self):
        master_id, occurrences = self.outlook_series()
        self.sync()
        self.event_for(occurrences[3]["id"]).unlink()
        self.sync()
        after = self.ews.occurrences(ANNA, master_id, *self.window())
        self.assertEqual(len(after), len(occurrences) - 1)
        self.assertNotIn(occurrences[3]["id"], [o["id"] for o in after])
        self.assertEqual(len(self.recurrence().calendar_event_ids), 19)
        self.sync()
        self.assertEqual(len(self.recurrence().calendar_event_ids), 19)
        self.assert_linked(master_id, self.recurrence())

    def test_series_of_a_colleague_is_not_pushed_by_an_attendee(self):
        weekday = mapping.WEEKDAY_FIELDS[self.base.weekday()]
        self.new_event(
            name="Bo's series",
            user_id=self.bo.id,
            partner_ids=[(6, 0, [self.anna.partner_id.id, self.bo.partner_id.id])],
            recurrency=True,
            rrule_type="weekly",
            end_type="count",
            count=2,
            **{weekday: True},
        )
        self.sync(self.mb_anna)
        self.assertFalse(self.ews.items(ANNA))
        self.sync(self.mb_bo)
        self.assertEqual(
            [
                self.ews.text(i, "CalendarItemType")
                for i in self.ews.items("bo@nordlys.example")
            ],
            ["RecurringMaster"],
        )

    def test_series_entering_the_rolling_window_arrives_by_its_master(self):
        # a series that starts after the window: not taken in yet
        start = self.window()[1] + timedelta(days=3)
        master_id = self.ews.add_series(
            ANNA, "Kvartalsmøde", start, start + timedelta(hours=2), count=4
        )
        self.sync()
        self.assertFalse(self.series_link())
        self.assertFalse(
            self.env["calendar.event"].search([("name", "=", "Kvartalsmøde")])
        )
        # two weeks later the window reaches it: the master is read, once
        self.config.write({"days_ahead": self.config.days_ahead + 14})
        self.sync()
        self.assertEqual(self.series_link().remote_id, master_id)
        recurrence = self.recurrence()
        self.assertEqual(len(recurrence.calendar_event_ids), 4)
        self.assert_linked(master_id, recurrence)

    # -- a series' rule changed on either side -------------------------------
    def test_rule_changed_in_outlook_replaces_the_occurrences(self):
        master_id, occurrences = self.outlook_series()
        self.sync()
        recurrence = self.recurrence()
        kept = self.event_for(occurrences[0]["id"])
        self.ews.set_recurrence(ANNA, master_id, count=10)
        self.sync()
        # the same recurrence, with the new end; what the rule keeps is kept
        self.assertEqual(self.recurrence(), recurrence)
        self.assertEqual((recurrence.end_type, recurrence.count), ("count", 10))
        self.assertEqual(len(recurrence.calendar_event_ids), 10)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 10
        )
        self.assertTrue(kept.exists())
        self.assertEqual(self.event_for(occurrences[0]["id"]), kept)
        self.assert_linked(master_id, recurrence)
        self.assertFalse(self.writes())  # nothing sent back, nothing deleted
        self.assertIn(
            "rule was changed in Outlook",
            kept.recurrence_id.base_event_id.message_ids[:1].body,
        )
        self.sync()
        self.assertEqual(
            (self.mb_anna.last_pulled_count, self.mb_anna.last_pushed_count), (0, 0)
        )

    def test_weekday_changed_in_outlook_moves_the_series(self):
        master_id, _occurrences = self.outlook_series()
        self.sync()
        recurrence = self.recurrence()
        start = self.base - timedelta(weeks=8) + timedelta(days=1)
        self.ews.set_recurrence(
            ANNA,
            master_id,
            start=start,
            end=start + timedelta(hours=1),
            count=20,
            days_of_week=[DAYS[start.weekday()]],
        )
        self.sync()
        events = recurrence.calendar_event_ids
        self.assertEqual(len(events), 20)
        self.assertEqual({e.start.weekday() for e in events}, {start.weekday()})
        self.assertTrue(recurrence[mapping.WEEKDAY_FIELDS[start.weekday()]])
        self.assertFalse(recurrence[mapping.WEEKDAY_FIELDS[self.base.weekday()]])
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 20
        )
        self.assert_linked(master_id, recurrence)
        self.assertFalse(self.writes())

    def test_rule_changed_in_odoo_updates_the_recurring_master(self):
        weekday = mapping.WEEKDAY_FIELDS[self.base.weekday()]
        event = self.new_event(
            name="Fredagsbar",
            recurrency=True,
            rrule_type="weekly",
            end_type="count",
            count=5,
            **{weekday: True},
        )
        self.sync()
        self.sync()
        master_id = self.series_link().remote_id
        self.assertEqual(len(self.links(self.mb_anna)), 5)
        event.write({"count": 3, "recurrence_update": "all_events"})
        new_recurrence = event.recurrence_id
        self.assertEqual(self.series_link().res_id, new_recurrence.id)
        self.sync()
        # one UpdateItem of the master, no occurrence deleted one by one
        self.assertEqual(self.writes(), ["CreateItem", "UpdateItem"])
        master = self.ews.items(ANNA)[0]
        self.assertEqual(master.find(t("ItemId")).get("Id"), master_id)
        numbered = master.find(t("Recurrence")).find(t("NumberedRecurrence"))
        self.assertEqual(numbered.findtext(t("NumberOfOccurrences")), "3")
        self.assertEqual(len(self.ews.occurrences(ANNA, master_id)), 3)
        # the next run links the new occurrences; nothing duplicated
        self.sync()
        self.assert_linked(master_id, new_recurrence)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Fredagsbar")]), 3
        )
        self.sync()
        self.assertEqual(
            (self.mb_anna.last_pulled_count, self.mb_anna.last_pushed_count), (0, 0)
        )
        self.assertEqual(self.writes(), ["CreateItem", "UpdateItem"])

    def test_relink_after_migration_relinks_the_master_by_uid(self):
        _master_id, _occurrences = self.outlook_series()
        self.sync()
        recurrence = self.recurrence()
        uid = self.series_link().ical_uid
        # a new Exchange server: new item ids, the series keeps its UID
        self.ews.mailboxes.pop(ANNA)
        self.ews.add_mailbox(ANNA, "Kalender", "Opgaver")
        start = self.base - timedelta(weeks=8)
        new_master = self.ews.add_series(
            ANNA, "Ugemøde", start, start + timedelta(hours=1), count=20, uid=uid
        )
        wizard = self.env["exchange.relink.wizard"].create(
            {"mailbox_id": self.mb_anna.id}
        )
        wizard.action_analyse()
        line = wizard.line_ids.filtered(
            lambda ln: ln.res_model == "calendar.recurrence"
        )
        self.assertEqual((line.status, line.recurrence_id), ("match", recurrence))
        wizard.action_relink()
        self.assertEqual(
            (self.series_link().res_id, self.series_link().remote_id),
            (recurrence.id, new_master),
        )
        self.assert_linked(new_master, recurrence)
        self.sync()
        self.assert_linked(new_master, recurrence)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 20
        )
        self.assertFalse(self.writes())
