from datetime import date, timedelta

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.ews import FakeEws

from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestEws(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.ews = FakeEws().start()
        self.addCleanup(self.ews.stop)
        self.ews.add_mailbox("anna@nordlys.example", "Kalender", "Opgaver")
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

    def test_events_both_ways_with_deletes(self):
        box = "anna@nordlys.example"
        remote_id = self.ews.add_event(
            box,
            "Kundemøde",
            self.base,
            self.base + timedelta(hours=1),
            attendees=["kunde@klant.example"],
            location="Aarhus",
            body="<p>Oplæg</p>",
        )
        self.sync()
        self.assertNotIn("Autodiscover", " ".join(self.ews.operations))
        link = self.links(self.mb_anna)
        self.assertEqual(link.remote_id, remote_id)
        event = self.env["calendar.event"].browse(link.res_id)
        self.assertEqual(event.name, "Kundemøde")
        self.assertEqual(event.start, self.base)
        self.assertEqual(event.location, "Aarhus")
        self.assertIn(
            "kunde@klant.example", event.partner_ids.mapped("email_normalized")
        )
        self.assertTrue(link.ical_uid)
        self.assertTrue(self.mb_anna.event_sync_state)

        # Outlook change → Odoo
        self.ews.update_item(
            box,
            remote_id,
            Subject="Kundemøde (flyttet)",
            Start=self.base + timedelta(hours=2),
            End=self.base + timedelta(hours=3),
        )
        self.sync()
        self.assertEqual(event.name, "Kundemøde (flyttet)")
        self.assertEqual(event.start, self.base + timedelta(hours=2))

        # Odoo event → CreateItem; Odoo change → UpdateItem
        mine = self.new_event(name="Fra Odoo", location="Kontoret")
        self.sync()
        created = [
            i for i in self.ews.items(box) if self.ews.text(i, "Subject") == "Fra Odoo"
        ]
        self.assertEqual(len(created), 1)
        self.assertEqual(self.ews.text(created[0], "Location"), "Kontoret")
        mine.write({"name": "Fra Odoo, ændret"})
        self.sync()
        self.assertEqual(self.ews.text(created[0], "Subject"), "Fra Odoo, ændret")
        self.assertIn("UpdateItem", self.ews.operations)

        # deletes both ways
        self.ews.delete_item(box, remote_id)
        mine.unlink()
        self.sync()
        self.assertFalse(event.exists())
        self.assertFalse(self.ews.items(box))
        self.assertFalse(self.links(self.mb_anna))
        # steady state: no duplicates, nothing written
        operations = len(self.ews.operations)
        self.sync()
        self.assertNotIn("CreateItem", self.ews.operations[operations:])

    def test_all_day_event_to_exchange(self):
        day = date.today() + timedelta(days=3)
        self.new_event(name="Heldag", allday=True, start=day, stop=day)
        self.sync()
        item = self.ews.items("anna@nordlys.example")[0]
        self.assertIn(self.ews.text(item, "IsAllDayEvent"), ("true", "1"))
        self.assertTrue(self.ews.text(item, "Start").startswith(day.isoformat()))

    def test_tasks_both_ways(self):
        box = "anna@nordlys.example"
        task_id = self.ews.add_task(
            box, "Følg op", due=date.today() + timedelta(days=2)
        )
        partner = self.env["res.partner"].create({"name": "Kunde ApS"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Send faktura",
            user_id=self.anna.id,
            date_deadline=date.today() + timedelta(days=5),
        )
        self.sync()
        imported = self.env["mail.activity"].search(
            [("summary", "=", "Følg op"), ("user_id", "=", self.anna.id)]
        )
        self.assertEqual(imported.date_deadline, date.today() + timedelta(days=2))
        tasks = {self.ews.text(i, "Subject"): i for i in self.ews.items(box, "tasks")}
        self.assertIn("Send faktura", tasks)
        # done in Odoo → Completed in Exchange; completed in Exchange → done in Odoo
        activity.action_feedback()
        self.ews.update_item(box, task_id, Status="Completed", PercentComplete="100")
        self.sync()
        self.assertEqual(self.ews.text(tasks["Send faktura"], "Status"), "Completed")
        self.assertFalse(imported.exists())

    def test_folder_names_detected_for_permission_script(self):
        self.mb_anna.write({"calendar_folder_name": False, "tasks_folder_name": False})
        self.mb_anna.action_detect_folders()
        self.assertEqual(self.mb_anna.calendar_folder_name, "Kalender")
        self.assertEqual(self.mb_anna.tasks_folder_name, "Opgaver")
        wizard = self.env["exchange.permission.wizard"].create(
            {"config_id": self.config.id, "mailbox_ids": [(6, 0, self.mb_anna.ids)]}
        )
        self.assertIn("'anna@nordlys.example:\\Kalender'", wizard.script)
        self.assertIn(f"$ServiceAccount = '{FakeEws.username}'", wizard.script)

    def test_wrong_password_writes_nothing(self):
        self.ews.add_event(
            "anna@nordlys.example",
            "Hemmeligt",
            self.base,
            self.base + timedelta(hours=1),
        )
        self.config.ews_password = "forged"
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertFalse(self.links())
        self.assertFalse(self.mb_anna.event_sync_state)

    def test_crash_midway_converges(self):
        box = "anna@nordlys.example"
        for i in range(12):
            self.ews.add_event(
                box,
                f"EWS {i:02d}",
                self.base + timedelta(hours=i),
                self.base + timedelta(hours=i, minutes=30),
            )
        calls = {"n": 0}

        def die_on_second_get_item(operation):
            if operation == "GetItem":
                calls["n"] += 1
                if calls["n"] == 2:
                    return Reply(503, b"Service Unavailable")
            return None

        # the server dies while the second page of five is being read
        self.ews.fail_when = die_on_second_get_item
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertEqual(len(self.links(self.mb_anna)), 5)
        self.ews.fail_when = None
        self.sync()
        self.assertEqual(len(self.links(self.mb_anna)), 12)
        self.assertEqual(len(self.anna_events()), 12)
        self.assertEqual(len(set(self.anna_events().mapped("name"))), 12)

    def test_crash_after_exchange_created_the_item_does_not_duplicate(self):
        event = self.new_event(name="Oprettet én gang")
        partner = self.env["res.partner"].create({"name": "Kunde C"})
        partner.activity_schedule(
            "mail.mail_activity_data_todo", summary="Én opgave", user_id=self.anna.id
        )

        def lose_answer(operation):
            if operation == "CreateItem":
                return Reply(503, b"Service Unavailable")
            return None

        # Exchange creates the items but the answers never arrive
        self.ews.fail_after = lose_answer
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertFalse(self.links(self.mb_anna))
        self.assertEqual(len(self.ews.items("anna@nordlys.example")), 1)
        self.ews.fail_after = None
        self.sync()
        self.sync()
        # the items carry our key: recognised, linked, never created twice
        self.assertEqual(len(self.ews.items("anna@nordlys.example")), 1)
        self.assertEqual(len(self.ews.items("anna@nordlys.example", "tasks")), 1)
        self.assertEqual(self.links(self.mb_anna).res_id, event.id)
        self.assertEqual(len(self.links(self.mb_anna, "mail.activity")), 1)
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("name", "=", "Oprettet én gang")]
            ),
            1,
        )
        self.assertEqual(
            self.env["mail.activity"].search_count([("summary", "=", "Én opgave")]), 1
        )

    def test_rejected_sync_state_triggers_full_resync(self):
        box = "anna@nordlys.example"
        kept = self.ews.add_event(
            box, "Bliver", self.base, self.base + timedelta(hours=1)
        )
        gone = self.ews.add_event(
            box, "Forsvinder", self.base, self.base + timedelta(hours=1)
        )
        self.sync()
        self.ews.cursors.clear()  # Exchange forgot every sync state
        self.ews.delete_item(box, gone)
        self.sync()
        self.assertEqual(self.anna_events().mapped("name"), ["Bliver"])
        self.assertEqual(self.links(self.mb_anna).remote_id, kept)
