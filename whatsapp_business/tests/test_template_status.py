"""Meta's template status and quality webhooks, and what they allow to send."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import APP_SECRET, WhatsappCommon

URL = "/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWhatsappTemplateStatus(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()

    def post(self, payload, secret=APP_SECRET):
        body, headers = self.signed(payload, secret)
        return self.url_open(URL, data=body, headers=headers)

    def status_update(self, template, event, reason="NONE", other_info=None):
        value = {
            "event": event,
            "message_template_id": int(template.meta_id),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "reason": reason,
        }
        if other_info:
            value["other_info"] = other_info
        return self.envelope(value, field="message_template_status_update")

    def quality_update(self, template, new, previous="GREEN"):
        return self.envelope(
            {
                "previous_quality_score": previous,
                "new_quality_score": new,
                "message_template_id": int(template.meta_id),
                "message_template_name": template.name,
                "message_template_language": template.language,
            },
            field="message_template_quality_update",
        )

    def test_paused_template_cannot_be_sent_and_says_why(self):
        template = self.tmpl_marketing
        pause = self.status_update(
            template,
            "PAUSED",
            other_info={
                "title": "FIRST_PAUSE",
                "description": "Paused for 3 hours due to low quality.",
            },
        )
        self.assertEqual(self.post(pause).status_code, 200)
        self.assertEqual(template.status, "paused")
        self.assertEqual(
            template.status_detail, "Paused for 3 hours due to low quality."
        )
        self.assertFalse(template.rejection_reason)
        self.assertFalse(template.is_sendable)
        self.assertIn("Meta paused it", template.status_reason)
        with self.assertRaisesRegex(UserError, "Meta paused it.*3 hours"):
            template._send_to_partner(self.customer)
        self.assertFalse(self.fake.sent)
        # the team reads it on the account
        note = self.account.message_ids[:1]
        self.assertIn(template.display_name, note.body)
        self.assertIn("Paused for 3 hours", note.body)
        # Meta unpauses it: sendable again, the explanation is gone
        self.post(self.status_update(template, "APPROVED"))
        self.assertEqual(template.status, "approved")
        self.assertFalse(template.status_detail)
        self.assertFalse(template.status_reason)
        message = template._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "sent")

    def test_disabled_template_cannot_be_sent(self):
        template = self.tmpl_utility
        self.post(self.status_update(template, "DISABLED"))
        self.assertEqual(template.status, "disabled")
        with self.assertRaisesRegex(UserError, "Meta disabled it"):
            template._send_to_partner(self.customer)
        # nor through the composer, as an agent
        composer = (
            self.env["whatsapp.composer"]
            .with_user(self.agent)
            .create(
                {
                    "partner_id": self.customer.id,
                    "account_id": self.account.id,
                    "template_id": template.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "Meta disabled it"):
            composer.action_send()
        self.assertFalse(self.fake.sent)

    def test_rejected_with_reason_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["whatsapp_business"], ["da_DK"], overwrite=True
        )
        template = self.tmpl_pending
        self.post(self.status_update(template, "REJECTED", reason="INCORRECT_CATEGORY"))
        self.assertEqual(template.status, "rejected")
        self.assertEqual(template.rejection_reason, "INCORRECT_CATEGORY")
        self.assertEqual(
            template.status_reason, "the category does not fit the content"
        )
        danish = template.with_context(lang="da_DK")
        self.assertEqual(danish.status_reason, "kategorien passer ikke til indholdet")
        with self.assertRaisesRegex(UserError, "kategorien passer ikke"):
            danish._send_to_partner(self.customer)
        # an unknown code is shown as Meta sent it
        self.post(self.status_update(template, "REJECTED", reason="SOMETHING_NEW"))
        self.assertEqual(template.status_reason, "SOMETHING_NEW")

    def test_quality_rating_follows_meta(self):
        template = self.tmpl_marketing
        self.post(self.quality_update(template, "YELLOW"))
        self.assertEqual(template.quality_rating, "yellow")
        self.post(self.quality_update(template, "RED", previous="YELLOW"))
        self.assertEqual(template.quality_rating, "red")
        # a rating alone does not stop sending: Meta pauses the template for that
        self.assertTrue(template.is_sendable)
        # an unknown score is ignored
        self.post(self.quality_update(template, "PURPLE", previous="RED"))
        self.assertEqual(template.quality_rating, "red")

    def test_forged_or_unsigned_updates_change_nothing(self):
        template = self.tmpl_marketing
        notes = len(self.account.message_ids)
        for payload in (
            self.status_update(template, "DISABLED"),
            self.quality_update(template, "RED"),
        ):
            self.assertEqual(self.post(payload, secret="forged").status_code, 403)
            self.assertEqual(self.post(payload, secret=None).status_code, 403)
        self.assertEqual(template.status, "approved")
        self.assertFalse(template.quality_rating)
        self.assertEqual(len(self.account.message_ids), notes)
        template._send_to_partner(self.customer)

    def test_update_for_another_account_changes_nothing(self):
        template = self.tmpl_marketing
        payload = self.status_update(template, "PAUSED")
        payload["entry"][0]["id"] = "999999"
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(template.status, "approved")

    def test_synchronisation_reads_quality_and_reason(self):
        templates = self.fake.templates
        self.addCleanup(setattr, self.fake, "templates", templates)
        self.fake.templates = [dict(t) for t in templates]
        self.fake.templates[1]["quality_score"] = {"score": "YELLOW"}
        self.fake.templates[4]["rejected_reason"] = "SCAM"
        self.account.action_sync_templates()
        self.assertEqual(self.tmpl_marketing.quality_rating, "yellow")
        rejected = self.account.template_ids.filtered(
            lambda t: t.name == "rejected_promo"
        )
        self.assertEqual(rejected.status_reason, "suspected scam")
