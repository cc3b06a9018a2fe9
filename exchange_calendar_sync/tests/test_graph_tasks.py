from datetime import date, timedelta

from odoo import fields
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
        self.assertEqual(activity.res_model, "exchange.sync.mailbox")
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
        key = tasks[0]["linkedResources"][0]["externalId"]
        self.assertEqual(key, self.mb_anna._odoo_key("mail.activity", activity.id))
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
