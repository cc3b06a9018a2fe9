"""A synced user writes their own Outlook items, the Odoo key included: a key
naming another user's event or activity must never link it (issue 14, case 7)."""

import secrets
from datetime import date, timedelta

from nordic_crm_fakes.ews import FakeEws

from odoo.tests import tagged

from .common import ExchangeSyncCase

EVENT = "calendar.event"
ACTIVITY = "mail.activity"


class ForgedKeyMixin:
    """Anna owns an event and an activity, both synced to her mailbox; Bo
    forges keys naming them in his own mailbox."""

    def legacy_key(self, model, res_id, mailbox):
        # the unsigned key of older versions: database uuid, record, mailbox
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return f"odoo-{uuid.replace('-', '')[:12]}-{model}-{res_id}-{mailbox.id}"

    def forged_keys(self, model, res_id):
        """Keys Bo can write: Anna's own (copied from a shared calendar), one
        for his mailbox with a made-up signature, and the legacy format."""
        return [
            self.mb_anna._odoo_key(model, res_id),
            f"odoo2-{self.mb_bo.id}-{model}-{res_id}-{secrets.token_hex(32)}",
            self.legacy_key(model, res_id, self.mb_bo),
        ]

    def setup_anna_records(self):
        self.event = self.new_event(name="Annas lønsamtale")
        partner = self.env["res.partner"].create({"name": "Annas kunde"})
        self.activity = partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Annas opfølgning",
            date_deadline=date.today() + timedelta(days=3),
            user_id=self.anna.id,
        )
        self.sync(self.mb_anna)
        self.assertEqual(self.links(self.mb_anna).res_id, self.event.id)
        self.assertEqual(self.links(self.mb_anna, ACTIVITY).res_id, self.activity.id)

    def assert_anna_records_untouched(self):
        self.assertFalse(
            self.links(self.mb_bo).filtered(lambda link: link.res_id == self.event.id)
        )
        self.assertFalse(
            self.links(self.mb_bo, ACTIVITY).filtered(
                lambda link: link.res_id == self.activity.id
            )
        )
        self.assertTrue(self.event.exists())
        self.assertEqual(self.event.name, "Annas lønsamtale")
        self.assertEqual(self.event.start, self.base)
        self.assertNotIn(self.bo.partner_id, self.event.partner_ids)
        self.assertTrue(self.activity.exists())
        self.assertTrue(self.activity.active)
        self.assertEqual(self.activity.summary, "Annas opfølgning")
        self.assertEqual(self.activity.user_id, self.anna)


@tagged("post_install", "-at_install")
class TestForgedGraphKeys(ForgedKeyMixin, ExchangeSyncCase):
    bo_box = "bo@nordlys.example"

    def test_forged_transaction_id_never_links_another_users_event(self):
        self.setup_anna_records()
        forged = [
            self.fake.add_event(
                self.bo_box,
                f"Kapret {n}",
                self.base + timedelta(hours=3),
                self.base + timedelta(hours=4),
                transactionId=key,
            )
            for n, key in enumerate(self.forged_keys(EVENT, self.event.id))
        ]
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()
        # each forged item is an Outlook-born event of Bo's, nothing more
        for item in forged:
            event = self.event_for(item["id"], self.mb_bo)
            self.assertTrue(event)
            self.assertNotEqual(event, self.event)
            self.assertEqual(event.user_id, self.bo)
        # Bo rewrites and deletes his items: Anna's event is not affected
        self.fake.update_event(self.bo_box, forged[0]["id"], subject="Omskrevet")
        self.fake.delete_event(self.bo_box, forged[1]["id"])
        self.fake.delete_event(self.bo_box, forged[2]["id"])
        self.sync(self.mb_bo)
        self.sync(self.mb_anna)
        self.assert_anna_records_untouched()
        self.assertEqual(len(self.links(self.mb_anna)), 1)

    def test_forged_external_id_never_links_another_users_activity(self):
        self.setup_anna_records()
        forged = [
            self.fake.add_task(
                self.bo_box,
                f"Kapret opgave {n}",
                extensions=[
                    {
                        "@odata.type": "microsoft.graph.openTypeExtension",
                        "extensionName": "com.nordiccrm.odoo.sync",
                        "odooKey": key,
                    }
                ],
            )
            for n, key in enumerate(self.forged_keys(ACTIVITY, self.activity.id))
        ]
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()
        bo_activities = self.env[ACTIVITY].search([("user_id", "=", self.bo.id)])
        self.assertEqual(
            sorted(bo_activities.mapped("summary")),
            [f"Kapret opgave {n}" for n in range(3)],
        )
        # completing or deleting them in Outlook leaves Anna's activity alone
        self.fake.update_task(self.bo_box, forged[0]["id"], status="completed")
        self.fake.update_task(self.bo_box, forged[1]["id"], title="Omskrevet")
        self.fake.delete_task(self.bo_box, forged[2]["id"])
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()

    def test_same_subject_and_time_never_joins_a_meeting_uninvited(self):
        self.setup_anna_records()
        # a copy of Anna's meeting claiming her as organizer, in Bo's calendar
        self.fake.add_event(
            self.bo_box,
            "Annas lønsamtale",
            self.base,
            self.base + timedelta(hours=1),
            organizer={"emailAddress": {"address": "anna@nordlys.example"}},
        )
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()
        self.assertEqual(len(self.links(self.mb_bo)), 1)

    def test_signed_key_of_own_mailbox_still_links(self):
        """The genuine round trip: an item carrying the key this mailbox signed
        for its own record (as after a crash) is linked, not duplicated."""
        event = self.new_event(
            name="Mit eget møde",
            user_id=self.bo.id,
            partner_ids=[(6, 0, [self.bo.partner_id.id])],
        )
        item = self.fake.add_event(
            self.bo_box,
            "Mit eget møde",
            self.base,
            self.base + timedelta(hours=1),
            transactionId=self.mb_bo._odoo_key(EVENT, event.id),
        )
        self.sync(self.mb_bo)
        self.assertEqual(self.event_for(item["id"], self.mb_bo), event)
        self.assertEqual(len(self.fake.events(self.bo_box)), 1)
        self.assertEqual(
            self.env[EVENT].search_count([("name", "=", "Mit eget møde")]), 1
        )

    def test_signed_key_of_own_mailbox_still_links_a_task(self):
        partner = self.env["res.partner"].create({"name": "Bos kunde"})
        activity = partner.activity_schedule(
            "mail.mail_activity_data_todo", summary="Bos opgave", user_id=self.bo.id
        )
        task = self.fake.add_task(
            self.bo_box,
            "Bos opgave",
            extensions=[
                {
                    "@odata.type": "microsoft.graph.openTypeExtension",
                    "extensionName": "com.nordiccrm.odoo.sync",
                    "odooKey": self.mb_bo._odoo_key(ACTIVITY, activity.id),
                }
            ],
        )
        self.sync(self.mb_bo)
        link = self.links(self.mb_bo, ACTIVITY)
        self.assertEqual(link.remote_id, task["id"])
        self.assertEqual(link.res_id, activity.id)
        self.assertEqual(len(self.fake.tasks(self.bo_box)), 1)
        # completing it in Outlook completes the linked activity
        self.fake.update_task(self.bo_box, task["id"], status="completed")
        self.sync(self.mb_bo)
        self.assertFalse(activity.exists())


@tagged("post_install", "-at_install")
class TestForgedEwsKeys(ForgedKeyMixin, ExchangeSyncCase):
    bo_box = "bo@nordlys.example"

    def setUp(self):
        super().setUp()
        self.ews = FakeEws().start()
        self.addCleanup(self.ews.stop)
        self.ews.add_mailbox("anna@nordlys.example", "Kalender", "Opgaver")
        self.ews.add_mailbox(self.bo_box)
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

    def test_forged_extended_property_never_links_another_users_records(self):
        self.setup_anna_records()
        anna_item = self.links(self.mb_anna).remote_id
        self.assertEqual(
            self.ews.odoo_key("anna@nordlys.example", anna_item),
            self.mb_anna._odoo_key(EVENT, self.event.id),
        )
        events = [
            self.ews.add_event(
                self.bo_box,
                f"Kapret {n}",
                self.base + timedelta(hours=3),
                self.base + timedelta(hours=4),
                odoo_key=key,
            )
            for n, key in enumerate(self.forged_keys(EVENT, self.event.id))
        ]
        tasks = [
            self.ews.add_task(self.bo_box, f"Kapret opgave {n}", odoo_key=key)
            for n, key in enumerate(self.forged_keys(ACTIVITY, self.activity.id))
        ]
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()
        for remote_id in events:
            self.assertNotIn(self.event_for(remote_id, self.mb_bo), (self.event,))
        self.ews.update_item(self.bo_box, events[0], Subject="Omskrevet")
        self.ews.delete_item(self.bo_box, events[1])
        self.ews.update_item(
            self.bo_box, tasks[0], Status="Completed", PercentComplete="100"
        )
        self.ews.delete_item(self.bo_box, tasks[1])
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()

    def test_forged_uid_never_joins_a_meeting_uninvited(self):
        self.setup_anna_records()
        uid = self.links(self.mb_anna).ical_uid
        self.assertTrue(uid)
        self.ews.add_event(
            self.bo_box,
            "Kopi",
            self.base,
            self.base + timedelta(hours=1),
            uid=uid,
        )
        # a key Bo's mailbox signed for a record that is gone lends no trust
        gone = self.new_event(name="Bos slettede møde", user_id=self.bo.id)
        gone_key = self.mb_bo._odoo_key(EVENT, gone.id)
        gone.unlink()
        self.ews.add_event(
            self.bo_box,
            "Kopi 2",
            self.base,
            self.base + timedelta(hours=1),
            uid=uid,
            odoo_key=gone_key,
        )
        self.sync(self.mb_bo)
        self.assert_anna_records_untouched()
        self.assertEqual(len(self.links(self.mb_bo)), 2)
        self.assertEqual(
            sorted(
                self.env[EVENT]
                .browse(self.links(self.mb_bo).mapped("res_id"))
                .mapped("name")
            ),
            ["Kopi", "Kopi 2"],
        )
