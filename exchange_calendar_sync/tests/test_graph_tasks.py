from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestGraphTasks(ExchangeSyncCase):
    def task_link(self, remote_id):
        return self.env["exchange.item.link"].search(
            [("res_model", "=", "mail.activity"), ("remote_id", "=", remote_id)]
        )

    def test_outlook_task_becomes_activity_and_back(self):
        due = date.today() + timedelta(days=4)
        task = self.fake.add_task(
            "anna@nordlys.example",
            "Ring til kunden",
            due=due,
            body={"contentType": "text", "content": "Om tilbuddet"},
        )
        self.fake.add_task("anna@nordlys.example", "Old and done", status="completed")
        self.sync()
        link = self.task_link(task["id"])
        activity = self.env["mail.activity"].browse(link.res_id)
        self.assertEqual(activity.summary, "Ring til kunden")
        self.assertEqual(activity.date_deadline, due)
        self.assertEqual(activity.user_id, self.anna)
        self.assertIn("Om tilbuddet", str(activity.note))
        # on the user's own contact, not on the technical mailbox record
        self.assertEqual(activity.res_model, "res.partner")
        self.assertEqual(activity.res_id, self.anna.partner_id.id)
        self.assertEqual(self.mb_anna.tasks_folder_name, "Opgaver")
        # completed tasks from Outlook are not imported as new work
        self.assertEqual(len(self.links(self.mb_anna, "mail.activity")), 1)
        # completed in Outlook → done in Odoo
        self.fake.update_task("anna@nordlys.example", task["id"], status="completed")
        self.sync()
        self.assertFalse(activity.exists())
        self.assertFalse(self.task_link(task["id"]))

    def test_odoo_activity_becomes_task_and_done_completes_it(self):
        partner = self.env["res.partner"].create({"name": "Kunde A/S"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Send tilbud",
            note="<p>Version 2</p>",
            date_deadline=date.today() + timedelta(days=2),
            user_id=self.anna.id,
        )
        self.sync()
        tasks = self.fake.tasks("anna@nordlys.example")
        self.assertEqual(len(tasks), 1)
        self.assertEqual(tasks[0]["title"], "Send tilbud")
        self.assertEqual(tasks[0]["status"], "notStarted")
        self.assertTrue(
            tasks[0]["dueDateTime"]["dateTime"].startswith(
                fields.Date.to_string(date.today() + timedelta(days=2))
            )
        )
        # the key travels in an open extension, created with the task
        extension = tasks[0]["extensions"][0]
        self.assertEqual(extension["extensionName"], "com.nordiccrm.odoo.sync")
        self.assertEqual(
            extension["odooKey"], self.mb_anna._odoo_key("mail.activity", activity.id)
        )
        self.assertNotIn("linkedResources", tasks[0])
        # edit in Odoo → PATCH
        activity.write({"summary": "Send tilbud v3"})
        self.sync()
        self.assertEqual(
            self.fake.tasks("anna@nordlys.example")[0]["title"], "Send tilbud v3"
        )
        # done in Odoo → completed in Outlook
        activity.action_feedback(feedback="Sendt")
        self.sync()
        self.assertEqual(
            self.fake.tasks("anna@nordlys.example")[0]["status"], "completed"
        )
        self.assertFalse(self.links(self.mb_anna, "mail.activity"))
        # the echo of our own completion creates nothing
        self.sync()
        self.assertFalse(
            self.env["mail.activity"].search([("user_id", "=", self.anna.id)])
        )

    def test_task_deleted_both_ways(self):
        task = self.fake.add_task("anna@nordlys.example", "Slettes i Outlook")
        partner = self.env["res.partner"].create({"name": "Kunde B"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Slettes i Odoo",
            user_id=self.anna.id,
        )
        self.sync()
        imported = self.env["mail.activity"].browse(self.task_link(task["id"]).res_id)
        self.assertTrue(imported)
        self.fake.delete_task("anna@nordlys.example", task["id"])
        activity.unlink()
        self.sync()
        self.assertFalse(imported.exists())
        self.assertFalse(self.fake.tasks("anna@nordlys.example"))

    def test_task_conflict_later_modification_wins(self):
        partner = self.env["res.partner"].create({"name": "Kunde D"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo", summary="Tilbud", user_id=self.anna.id
        )
        self.sync()
        task = self.fake.tasks("anna@nordlys.example")[0]
        activity.write({"summary": "Tilbud (Odoo)"})
        self.fake.update_task(
            "anna@nordlys.example",
            task["id"],
            title="Tilbud (Outlook)",
            when=activity.write_date + timedelta(hours=1),
        )
        self.sync()
        self.assertEqual(activity.summary, "Tilbud (Outlook)")
        self.assertEqual(self.mb_anna.last_conflict_count, 1)
        self.assertTrue(
            partner.message_ids.filtered(lambda m: "Outlook version" in (m.body or ""))
        )

    def test_task_created_before_a_crash_is_linked_not_duplicated(self):
        """The run died after To Do created the task and before Odoo committed
        its link: the next run finds the key in the task's open extension
        (a delta never carries it) instead of creating a second task."""
        partner = self.env["res.partner"].create({"name": "Kunde C"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo", summary="Ring op", user_id=self.anna.id
        )
        self.sync()
        task = self.fake.tasks("anna@nordlys.example")[0]
        # what the lost transaction would have written is not there
        self.links(self.mb_anna, "mail.activity").unlink()
        activity.exchange_need_sync = True
        before = len(self.fake.requests)
        self.sync()
        self.assertEqual(len(self.fake.tasks("anna@nordlys.example")), 1)
        link = self.task_link(task["id"])
        self.assertEqual(link.res_id, activity.id)
        self.assertEqual(
            self.env["mail.activity"].search_count([("user_id", "=", self.anna.id)]),
            1,
        )
        requests = self.fake.requests[before:]
        # Graph's lists and deltas leave out the extension: one GET expands it
        self.assertFalse(
            [r for r in requests if r.path.endswith("/delta") and "$expand" in r.query]
        )
        expanded = [r for r in requests if r.query.get("$expand") == "extensions"]
        self.assertEqual(len(expanded), 1)
        self.assertTrue(expanded[0].path.endswith(task["id"]))
        # once linked, the next runs ask nothing more about it
        before = len(self.fake.requests)
        self.sync()
        self.assertFalse(
            [r for r in self.fake.requests[before:] if "$expand" in r.query]
        )

    def test_task_lists_never_carry_our_key(self):
        """The fake answers as Graph: relationships only with $expand."""
        partner = self.env["res.partner"].create({"name": "Kunde E"})
        partner.activity_schedule(
            "mail.mail_activity_data_todo", summary="Tjek", user_id=self.anna.id
        )
        self.sync()
        backend = self.config._make_backend()
        box = self.mb_anna._box()
        listed = backend.client.list_tasks(box.email, box.todo_list_id)
        self.assertEqual(len(listed), 1)
        self.assertNotIn("extensions", listed[0])
        self.assertNotIn("linkedResources", listed[0])
        one = backend.client.get_task(box.email, box.todo_list_id, listed[0]["id"])
        self.assertEqual(
            one["extensions"][0]["odooKey"],
            self.mb_anna._odoo_key("mail.activity", self.task_link(one["id"]).res_id),
        )

    def test_outlook_task_is_an_activity_of_the_user_on_their_own_contact(self):
        portal = self.env["res.users"].create(
            {
                "name": "Portal Kunde",
                "login": "portal.kunde.tasks",
                "email": "portal@klant.example",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        task = self.fake.add_task("anna@nordlys.example", "Privat huskeliste")
        self.sync()
        activity = self.env["mail.activity"].browse(self.task_link(task["id"]).res_id)
        # Anna finds it among her own activities, on her own contact
        mine = (
            self.env["mail.activity"]
            .with_user(self.anna)
            .search([("user_id", "=", self.anna.id)])
        )
        self.assertEqual(mine, activity)
        self.assertEqual(mine.res_name, self.anna.partner_id.display_name)
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "exchange.sync.mailbox")]
            )
        )
        # a portal user reads no activity at all
        with self.assertRaises(AccessError):
            activity.with_user(portal).read(["summary"])
        # done by Anna in Odoo → completed in To Do
        activity.with_user(self.anna).action_feedback(feedback="Klaret")
        self.sync()
        self.assertEqual(
            self.fake.tasks("anna@nordlys.example")[0]["status"], "completed"
        )
