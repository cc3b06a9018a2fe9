from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestGraphEvents(ExchangeSyncCase):
    def test_outlook_events_arrive_in_odoo(self):
        fake = self.fake
        timed = fake.add_event(
            "anna@nordlys.example",
            "Budget review",
            self.base,
            self.base + timedelta(hours=2),
            location={"displayName": "Room Aalborg"},
            body={"contentType": "html", "content": "<p>Bring numbers</p>"},
            attendees=[
                {
                    "emailAddress": {"address": "kunde@klant.example"},
                    "type": "required",
                },
                {"emailAddress": {"address": "bo@nordlys.example"}, "type": "required"},
            ],
            sensitivity="private",
            showAs="free",
        )
        day = self.base.date() + timedelta(days=3)
        midnight = datetime.combine(day, datetime.min.time())
        allday = fake.add_event(
            "anna@nordlys.example",
            "Konference",
            midnight,
            midnight + timedelta(days=2),
            isAllDay=True,
        )
        # outside the window: ignored
        fake.add_event(
            "anna@nordlys.example",
            "Old",
            self.base - timedelta(days=90),
            self.base - timedelta(days=90, hours=-1),
        )
        self.sync()

        event = self.event_for(timed["id"])
        self.assertEqual(event.name, "Budget review")
        self.assertEqual(event.start, self.base)
        self.assertEqual(event.stop, self.base + timedelta(hours=2))
        self.assertEqual(event.location, "Room Aalborg")
        self.assertIn("Bring numbers", event.description)
        self.assertEqual(event.privacy, "private")
        self.assertEqual(event.show_as, "free")
        self.assertEqual(event.user_id, self.anna)
        self.assertEqual(
            set(event.partner_ids.mapped("email_normalized")),
            {"anna@nordlys.example", "bo@nordlys.example", "kunde@klant.example"},
        )
        self.assertIn(self.bo.partner_id, event.partner_ids)

        whole_days = self.event_for(allday["id"])
        self.assertTrue(whole_days.allday)
        self.assertEqual(whole_days.start_date, day)
        self.assertEqual(whole_days.stop_date, day + timedelta(days=1))
        self.assertEqual(len(self.links(self.mb_anna)), 2)
        self.assertEqual(self.mb_anna.sync_status, "ok")
        self.assertTrue(self.mb_anna.event_sync_state.startswith(self.fake.url))

        # nothing changed: the next run asks one delta page per folder, creates nothing
        before = len(self.fake.requests)
        count = self.env["calendar.event"].search_count([])
        self.sync()
        delta_calls = [
            r for r in self.fake.requests[before:] if r.path.endswith("/delta")
        ]
        self.assertEqual(len(delta_calls), 2)  # calendar + To Do
        self.assertIn("$deltatoken", str(delta_calls[0].query))
        self.assertEqual(self.env["calendar.event"].search_count([]), count)

    def test_odoo_event_goes_to_outlook_and_links_per_mailbox(self):
        event = self.new_event(
            name="Salgsmøde",
            location="Kontoret",
            description="<p>Agenda</p>",
            privacy="confidential",
            partner_ids=[(6, 0, [self.anna.partner_id.id, self.bo.partner_id.id])],
        )
        self.sync()
        remote = self.fake.events("anna@nordlys.example")
        self.assertEqual(len(remote), 1)
        self.assertEqual(remote[0]["subject"], "Salgsmøde")
        self.assertEqual(remote[0]["start"]["timeZone"], "Europe/Copenhagen")
        self.assertEqual(remote[0]["sensitivity"], "confidential")
        self.assertEqual(remote[0]["location"]["displayName"], "Kontoret")
        self.assertEqual(
            [a["emailAddress"]["address"] for a in remote[0]["attendees"]],
            ["bo@nordlys.example"],
        )
        post = self.fake.calls(
            "POST", "/v1.0/users/anna@nordlys.example/calendar/events"
        )[0]
        self.assertEqual(
            post.json()["transactionId"],
            self.mb_anna._odoo_key("calendar.event", event.id),
        )
        self.assertFalse(event.exchange_need_sync)
        # Exchange delivered the invitation to Bo; his sync links the same event
        self.assertEqual(len(self.fake.events("bo@nordlys.example")), 1)
        self.sync(self.mb_bo)
        self.assertEqual(len(self.links(self.mb_bo)), 1)
        self.assertEqual(self.links(self.mb_bo).res_id, event.id)
        self.assertEqual(event.exchange_link_count, 2)
        self.assertEqual(self.links(self.mb_bo).ical_uid, remote[0]["iCalUId"])
        self.assertEqual(
            self.env["calendar.event"].search_count([("name", "=", "Salgsmøde")]), 1
        )

        # and nothing goes back and forth on the next runs
        def event_posts():
            return [r for r in self.fake.calls("POST") if r.path.endswith("/events")]

        posts = len(event_posts())
        self.sync(self.mb_anna, self.mb_bo)
        self.assertEqual(len(event_posts()), posts)
        self.assertFalse(self.fake.calls("PATCH"))

    def test_all_day_event_to_outlook(self):
        day = self.base.date() + timedelta(days=1)
        self.new_event(
            name="Fridag", allday=True, start=day, stop=day + timedelta(days=1)
        )
        self.sync()
        remote = self.fake.events("anna@nordlys.example")[0]
        self.assertTrue(remote["isAllDay"])
        self.assertEqual(remote["start"]["dateTime"], f"{day}T00:00:00")
        self.assertEqual(
            remote["end"]["dateTime"], f"{day + timedelta(days=2)}T00:00:00"
        )

    def test_changes_both_ways(self):
        remote = self.fake.add_event(
            "anna@nordlys.example", "Demo", self.base, self.base + timedelta(hours=1)
        )
        self.sync()
        event = self.event_for(remote["id"])
        # Outlook → Odoo
        self.fake.update_event(
            "anna@nordlys.example",
            remote["id"],
            subject="Demo (moved)",
            start={
                "dateTime": (self.base + timedelta(hours=3)).isoformat(),
                "timeZone": "UTC",
            },
            end={
                "dateTime": (self.base + timedelta(hours=4)).isoformat(),
                "timeZone": "UTC",
            },
        )
        self.sync()
        self.assertEqual(event.name, "Demo (moved)")
        self.assertEqual(event.start, self.base + timedelta(hours=3))
        self.assertFalse(self.fake.calls("PATCH"))
        # Odoo → Outlook
        event.write({"name": "Demo with customer", "location": "Odense"})
        self.assertTrue(self.links(self.mb_anna).need_push)
        self.sync()
        patched = self.fake.events("anna@nordlys.example")[0]
        self.assertEqual(patched["subject"], "Demo with customer")
        self.assertEqual(patched["location"]["displayName"], "Odense")
        self.assertFalse(self.links(self.mb_anna).need_push)
        self.assertEqual(self.links(self.mb_anna).change_key, patched["changeKey"])

    def test_deletes_both_ways(self):
        first = self.fake.add_event(
            "anna@nordlys.example", "One", self.base, self.base + timedelta(hours=1)
        )
        second = self.fake.add_event(
            "anna@nordlys.example", "Two", self.base, self.base + timedelta(hours=1)
        )
        self.sync()
        one, two = self.event_for(first["id"]), self.event_for(second["id"])
        # deleted in Outlook → @removed in the delta → gone in Odoo
        self.fake.delete_event("anna@nordlys.example", first["id"])
        self.sync()
        self.assertFalse(one.exists())
        # deleted in Odoo → DELETE in Outlook
        two.unlink()
        self.assertEqual(
            self.env["exchange.item.link"].search_count(
                [("pending_action", "=", "delete")]
            ),
            1,
        )
        self.sync()
        self.assertFalse(self.fake.events("anna@nordlys.example"))
        self.assertEqual(len(self.fake.calls("DELETE")), 1)
        self.assertFalse(
            self.env["exchange.item.link"].search(
                [
                    ("mailbox_id", "=", self.mb_anna.id),
                    ("res_model", "=", "calendar.event"),
                ]
            )
        )

    def test_attendee_removing_meeting_only_leaves_it(self):
        event = self.new_event(
            partner_ids=[(6, 0, [self.anna.partner_id.id, self.bo.partner_id.id])]
        )
        self.sync(self.mb_anna, self.mb_bo)
        bo_copy = self.fake.events("bo@nordlys.example")[0]
        self.fake.delete_event("bo@nordlys.example", bo_copy["id"])
        self.sync(self.mb_bo)
        self.assertTrue(event.exists())
        self.assertNotIn(self.bo.partner_id, event.partner_ids)
        self.assertEqual(event.exchange_link_count, 1)

    def test_conflict_later_modification_wins(self):
        remote = self.fake.add_event(
            "anna@nordlys.example", "Plan", self.base, self.base + timedelta(hours=1)
        )
        self.sync()
        event = self.event_for(remote["id"])
        # Odoo changed, Outlook changed earlier → Odoo wins and overwrites Outlook
        event.write({"name": "Plan (Odoo)"})
        self.fake.update_event(
            "anna@nordlys.example",
            remote["id"],
            subject="Plan (Outlook)",
            when=event.write_date - timedelta(hours=1),
        )
        self.sync()
        self.assertEqual(event.name, "Plan (Odoo)")
        self.assertEqual(
            self.fake.events("anna@nordlys.example")[0]["subject"], "Plan (Odoo)"
        )
        self.assertEqual(self.mb_anna.last_conflict_count, 1)
        note = event.message_ids.filtered(lambda m: "Odoo version" in (m.body or ""))
        self.assertTrue(note)
        # both changed again, Outlook later → Outlook wins, nothing is pushed
        event.write({"name": "Plan (Odoo again)"})
        self.fake.update_event(
            "anna@nordlys.example",
            remote["id"],
            subject="Plan (Outlook 2)",
            when=event.write_date + timedelta(hours=1),
        )
        patches = len(self.fake.calls("PATCH"))
        self.sync()
        self.assertEqual(event.name, "Plan (Outlook 2)")
        self.assertEqual(len(self.fake.calls("PATCH")), patches)
        self.assertTrue(
            event.message_ids.filtered(lambda m: "Outlook version" in (m.body or ""))
        )

    def test_colleague_attendee_is_their_own_partner(self):
        # Bo's mailbox address differs from the e-mail on his Odoo user
        self.mb_bo.email = "b.sync@nordlys.example"
        remote = self.fake.add_event(
            "anna@nordlys.example",
            "Intern",
            self.base,
            self.base + timedelta(hours=1),
            attendees=[
                {
                    "emailAddress": {"address": "B.Sync@nordlys.example"},
                    "type": "required",
                }
            ],
        )
        self.sync()
        event = self.event_for(remote["id"])
        self.assertIn(self.bo.partner_id, event.partner_ids)
        self.assertFalse(
            self.env["res.partner"].search(
                [("email", "=ilike", "b.sync@nordlys.example")]
            )
        )

    def test_series_occurrences_share_an_icaluid_but_stay_apart(self):
        uid = "040000008200E00074C5B7101A82E008-weekly"
        hour, week = timedelta(hours=1), timedelta(days=7)
        # every copy of a meeting lists its attendees, Bo among them
        bo_invited = {
            "emailAddress": {"address": "bo@nordlys.example"},
            "type": "required",
        }
        for mailbox in ("anna@nordlys.example", "bo@nordlys.example"):
            for n in range(2):
                occurrence = self.fake.add_event(
                    mailbox,
                    "Ugemøde",
                    self.base + n * week,
                    self.base + n * week + hour,
                    type="occurrence",
                    seriesMasterId="master-1",
                    organizer={"emailAddress": {"address": "anna@nordlys.example"}},
                    attendees=[bo_invited],
                )
                occurrence["iCalUId"] = uid
        self.sync(self.mb_anna, self.mb_bo)
        events = self.env["calendar.event"].search([("name", "=", "Ugemøde")])
        self.assertEqual(len(events), 2)
        self.assertEqual(sorted(events.mapped("exchange_link_count")), [2, 2])
        for event in events:
            starts = {
                self.fake.mailboxes[link.mailbox_id.email]["events"][link.remote_id][
                    "start"
                ]["dateTime"][:16]
                for link in event.exchange_link_ids
            }
            self.assertEqual(starts, {event.start.isoformat()[:16]})

    def test_colleagues_copy_without_icaluid_joins_the_same_event(self):
        hour = timedelta(hours=1)
        organizer = {"emailAddress": {"address": "anna@nordlys.example"}}
        for mailbox in ("anna@nordlys.example", "bo@nordlys.example"):
            copy = self.fake.add_event(
                mailbox,
                "Statusmøde",
                self.base,
                self.base + hour,
                organizer=organizer,
                attendees=[
                    {
                        "emailAddress": {"address": "bo@nordlys.example"},
                        "type": "required",
                    }
                ],
                type="occurrence",
            )
            copy.pop("iCalUId")  # delta pages may leave occurrences without it
        self.sync(self.mb_anna, self.mb_bo)
        event = self.env["calendar.event"].search([("name", "=", "Statusmøde")])
        self.assertEqual(len(event), 1)
        self.assertEqual(event.exchange_link_count, 2)
