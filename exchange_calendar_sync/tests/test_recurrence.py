from datetime import timedelta

from odoo.tests import tagged

from ..services import mapping
from .common import ExchangeSyncCase

ANNA = "anna@nordlys.example"


@tagged("post_install", "-at_install")
class TestGraphRecurrence(ExchangeSyncCase):
    """Odoo recurrences ↔ Graph series masters (patternedRecurrence), their
    occurrences and exceptions linked one to one."""

    def weekly(self, start, count):
        return {
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": [mapping.GRAPH_WEEKDAYS[start.weekday()]],
                "firstDayOfWeek": "monday",
            },
            "range": {
                "type": "numbered",
                "startDate": start.date().isoformat(),
                "numberOfOccurrences": count,
            },
        }

    def window(self):
        return self.config._window()

    def outlook_series(self, weeks_before=8, count=20):
        start = self.base - timedelta(weeks=weeks_before)
        master = self.fake.add_series(
            ANNA,
            "Ugemøde",
            start,
            start + timedelta(hours=1),
            self.weekly(start, count),
        )
        return master, self.fake.occurrences(ANNA, master["id"], *self.window())

    def series_link(self, mailbox=None):
        return self.links(mailbox or self.mb_anna, model="calendar.recurrence")

    def test_series_started_before_the_window_arrives_by_its_master(self):
        master, occurrences = self.outlook_series()
        self.sync()
        recurrence = self.env["calendar.recurrence"].browse(self.series_link().res_id)
        self.assertEqual(self.series_link().remote_id, master["id"])
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
        # each Outlook occurrence of the window is linked to the Odoo one
        self.assertEqual(len(self.links(self.mb_anna)), len(occurrences))
        for occurrence in occurrences:
            event = self.event_for(occurrence["id"])
            self.assertEqual(event.recurrence_id, recurrence)
            self.assertEqual(
                event.start, mapping.graph_time_to_utc(occurrence["start"])
            )
        # the master was read once; nothing more to do on the next run
        gets = [
            r
            for r in self.fake.requests
            if r.method == "GET" and r.path.endswith(f"/events/{master['id']}")
        ]
        self.assertEqual(len(gets), 1)
        self.sync()
        self.assertEqual(self.mb_anna.last_pulled_count, 0)
        self.assertEqual(self.mb_anna.last_pushed_count, 0)
        self.assertFalse(
            [
                r
                for r in self.fake.requests
                if r.method in ("POST", "PATCH") and "/users/" in r.path
            ]
        )

    def test_moved_and_cancelled_occurrences_stay_linked(self):
        _master, occurrences = self.outlook_series()
        self.sync()
        moved, cancelled = occurrences[2], occurrences[4]
        moved_event = self.event_for(moved["id"])
        cancelled_event = self.event_for(cancelled["id"])
        recurrence = moved_event.recurrence_id
        new_start = mapping.graph_time_to_utc(moved["start"]) + timedelta(hours=3)
        self.fake.move_occurrence(
            ANNA, moved["id"], new_start, new_start + timedelta(hours=1)
        )
        self.fake.cancel_occurrence(ANNA, cancelled["id"])
        self.sync()
        # the moved occurrence moves alone, and stays in its series
        self.assertEqual(moved_event.start, new_start)
        self.assertEqual(moved_event.recurrence_id, recurrence)
        self.assertEqual(self.event_for(moved["id"]), moved_event)
        # the cancelled one is gone in Odoo; the rest of the series stays
        self.assertFalse(cancelled_event.exists())
        self.assertEqual(len(recurrence.calendar_event_ids), 19)
        self.assertEqual(len(self.links(self.mb_anna)), len(occurrences) - 1)
        others = [
            o for o in occurrences if o["id"] not in (moved["id"], cancelled["id"])
        ]
        for occurrence in others:
            self.assertEqual(
                self.event_for(occurrence["id"]).start,
                mapping.graph_time_to_utc(occurrence["start"]),
            )

    def test_occurrence_changed_in_odoo_patches_that_occurrence(self):
        _master, occurrences = self.outlook_series()
        self.sync()
        event = self.event_for(occurrences[1]["id"])
        event.write({"name": "Ugemøde (flyttet lokale)", "location": "Aarhus"})
        self.sync()
        instance = self.fake.occurrences(ANNA, _master["id"], *self.window())[1]
        self.assertEqual(instance["type"], "exception")
        self.assertEqual(instance["subject"], "Ugemøde (flyttet lokale)")
        self.assertEqual(
            self.fake.occurrences(ANNA, _master["id"], *self.window())[2]["subject"],
            "Ugemøde",
        )

    def test_odoo_recurrence_becomes_an_outlook_series(self):
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
        masters = [e for e in self.fake.events(ANNA) if e.get("type") == "seriesMaster"]
        self.assertEqual(len(masters), 1, self.fake.events(ANNA))
        self.assertEqual(len(self.fake.events(ANNA)), 1)  # no single events
        rule = masters[0]["recurrence"]
        self.assertEqual(rule["pattern"]["type"], "weekly")
        self.assertEqual(
            rule["pattern"]["daysOfWeek"], [mapping.GRAPH_WEEKDAYS[self.base.weekday()]]
        )
        self.assertEqual(
            rule["range"],
            {
                "type": "numbered",
                "startDate": self.base.date().isoformat(),
                "numberOfOccurrences": 5,
            },
        )
        self.assertEqual(self.series_link().res_id, recurrence.id)
        # the next run links Outlook's occurrences to Odoo's, without new events
        self.sync()
        occurrences = self.fake.occurrences(ANNA, masters[0]["id"], *self.window())
        self.assertEqual(len(occurrences), 5)
        for occurrence in occurrences:
            linked = self.event_for(occurrence["id"])
            self.assertEqual(linked.recurrence_id, recurrence)
            self.assertEqual(
                linked.start, mapping.graph_time_to_utc(occurrence["start"])
            )
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Fredagsbar")]), 5
        )
        self.sync()
        self.assertEqual(
            (self.mb_anna.last_pulled_count, self.mb_anna.last_pushed_count), (0, 0)
        )
        posts = [
            r for r in self.fake.requests if r.method == "POST" and "/events" in r.path
        ]
        self.assertEqual(len(posts), 1)

    def test_series_master_created_twice_after_a_lost_answer_is_one_series(self):
        from nordic_crm_fakes.base import Reply

        weekday = mapping.WEEKDAY_FIELDS[self.base.weekday()]
        event = self.new_event(
            name="Standup",
            recurrency=True,
            rrule_type="weekly",
            end_type="count",
            count=3,
            **{weekday: True},
        )
        path = f"/v1.0/users/{ANNA}/calendar/events"

        def create_then_lose_answer(request):
            if request.method == "POST" and request.path == path:
                self.fake.fail_when = None
                self.fake.handle(request)  # Exchange made the series...
                self.fake.fail_when = create_then_lose_answer
                return Reply(503, {"error": {"code": "ServiceUnavailable"}})
            return None

        self.fake.fail_when = create_then_lose_answer
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertFalse(self.series_link())
        self.fake.fail_when = None
        self.sync()
        self.sync()
        masters = [e for e in self.fake.events(ANNA) if e.get("type") == "seriesMaster"]
        self.assertEqual(len(masters), 1)
        self.assertEqual(self.series_link().res_id, event.recurrence_id.id)
        self.assertEqual(len(self.links(self.mb_anna)), 3)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Standup")]), 3
        )

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
        self.assertFalse(self.fake.events(ANNA))
        self.sync(self.mb_bo)
        self.assertEqual(
            [e["type"] for e in self.fake.events("bo@nordlys.example")],
            ["seriesMaster"],
        )

    def test_rule_changed_in_odoo_patches_the_series_master(self):
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
        writes = [
            (r.method, r.path.rsplit("/", 1)[-1])
            for r in self.fake.requests
            if r.method in ("POST", "PATCH", "DELETE") and "/events" in r.path
        ]
        # one PATCH of the master, no occurrence deleted one by one
        self.assertEqual(writes, [("POST", "events"), ("PATCH", master_id)])
        master = next(e for e in self.fake.events(ANNA) if e["id"] == master_id)
        self.assertEqual(master["recurrence"]["range"]["numberOfOccurrences"], 3)
        self.sync()
        occurrences = self.fake.occurrences(ANNA, master_id, *self.window())
        self.assertEqual(len(occurrences), 3)
        links = self.links(self.mb_anna)
        self.assertEqual(
            sorted(links.mapped("remote_id")), sorted(o["id"] for o in occurrences)
        )
        for occurrence in occurrences:
            linked = self.event_for(occurrence["id"])
            self.assertEqual(linked.recurrence_id, new_recurrence)
            self.assertEqual(
                linked.start, mapping.graph_time_to_utc(occurrence["start"])
            )
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Fredagsbar")]), 3
        )

    def test_rule_changed_in_outlook_replaces_the_occurrences(self):
        master, occurrences = self.outlook_series()
        self.sync()
        recurrence = self.env["calendar.recurrence"].browse(self.series_link().res_id)
        kept = self.event_for(occurrences[0]["id"])
        dropped = self.event_for(occurrences[-1]["id"])
        self.fake.update_event(
            ANNA,
            master["id"],
            recurrence=self.weekly(self.base - timedelta(weeks=8), 10),
        )
        self.sync()
        # the same recurrence, with the new end; what the rule keeps is kept
        self.assertEqual(self.series_link().res_id, recurrence.id)
        self.assertEqual((recurrence.end_type, recurrence.count), ("count", 10))
        self.assertEqual(len(recurrence.calendar_event_ids), 10)
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Ugemøde")]), 10
        )
        self.assertTrue(kept.exists())
        self.assertEqual(self.event_for(occurrences[0]["id"]), kept)
        self.assertFalse(dropped.exists())
        now_listed = self.fake.occurrences(ANNA, master["id"], *self.window())
        links = self.links(self.mb_anna)
        self.assertEqual(
            sorted(links.mapped("remote_id")), sorted(o["id"] for o in now_listed)
        )
        for occurrence in now_listed:
            self.assertEqual(self.event_for(occurrence["id"]).recurrence_id, recurrence)
        # nothing was sent back to Outlook
        self.assertFalse(
            [
                r
                for r in self.fake.requests
                if r.method in ("POST", "PATCH", "DELETE") and "/events" in r.path
            ]
        )
