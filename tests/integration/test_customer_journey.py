"""One contact's journey through the whole suite, over real HTTP (issue 10).

Double opt-in → preferences → consent-enforced mailings through SendGrid on a
loopback SMTP server → a signed hard bounce → withdrawal → WhatsApp consent and
window → an incoming call → the consent history export. Each step runs the
addons' real routes and models; only the providers are fakes on 127.0.0.1.
"""

import csv
import io
import json
import re
import time
import uuid
from urllib.parse import urlsplit

from nordic_crm_fakes.smtp import FakeSMTPServer

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user

from odoo.addons.sendgrid_delivery.services import smtpapi
from odoo.addons.sendgrid_delivery.tests.common import (
    generate_key_pair,
    real_smtp_sending,
    signed_headers,
)
from odoo.addons.whatsapp_business.tests.common import WhatsappCommon

PRIVACY_PARAM = "consent_management.emarketing_privacy"
MOBILE_NATIONAL = "20 55 44 33"
MOBILE_E164_DIGITS = "4520554433"


class TestCustomerJourney(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.country_id = env.ref("base.dk")
        env["ir.config_parameter"].sudo().set_param(PRIVACY_PARAM, "True")
        cls.salesperson = new_test_user(
            env,
            login="journey_sales",
            password="journey_sales_pw1",
            name="Sofie Sælger",
            email="sofie@nordlys.example",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.contact = env["res.partner"].create(
            {
                "name": "Mette Hansen",
                "email": "mette@kunde.example",
                "mobile": MOBILE_NATIONAL,
                "country_id": env.ref("base.dk").id,
                "user_id": cls.salesperson.id,
            }
        )
        cls.newsletter = env.ref(
            "mass_mailing_subscriptions.subscription_type_newsletter"
        )
        cls.events = env.ref("mass_mailing_subscriptions.subscription_type_events")
        cls.offers = env.ref("mass_mailing_subscriptions.subscription_type_offers")
        # SendGrid: the relay points at an SMTP server on loopback; a local key
        # signs the event webhook as SendGrid would.
        cls.smtp = FakeSMTPServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        env["res.config.settings"].create(
            {"sendgrid_use": True, "sendgrid_api_key": "SG.journey"}
        ).execute()
        env["ir.mail_server"]._sendgrid_server().write(
            {
                "smtp_host": cls.smtp.host,
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
            }
        )
        cls.private_key, public_key = generate_key_pair()
        env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.verification_key", public_key
        )
        cls._setup_whatsapp()

    # -- helpers -------------------------------------------------------------
    def _csrf(self, path):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200, path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _page_state(self, path):
        """The token and the hidden state a page renders, as a browser sends them."""
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200, path)
        return {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1],
            **dict(re.findall(r'name="(shown_[a-z_]+)" value="([^"]*)"', page.text)),
        }

    def _mailing(self, subscription_type):
        return self.env["mailing.mailing"].create(
            {
                "subject": f"Nordlys {subscription_type.name}",
                # Odoo's mailing templates end with this footer link.
                "body_html": '<p>Hej Mette</p><p><a href="/unsubscribe_from_list">'
                "Afmeld</a></p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", self.contact.id)]),
                "subscription_type_id": subscription_type.id,
            }
        )

    def _send(self, mailing):
        """Send as the scheduler does (queue, then the mass-mailing cron)."""
        self.smtp.clear()
        mailing.action_put_in_queue()
        with real_smtp_sending():
            self.env["mailing.mailing"]._process_mass_mailing_queue()
        return self.smtp.messages_to(self.contact.email)

    def _trace(self, mailing):
        return mailing.mailing_trace_ids.filtered(lambda t: t.res_id == self.contact.id)

    def _history(self):
        rows = list(csv.DictReader(io.StringIO(self.contact._consent_history_csv())))
        return [(row["Purpose"], row["Event"], row["Source"]) for row in rows]

    # -- the journey ---------------------------------------------------------
    def test_journey(self):
        contact = self.contact

        # 1. Double opt-in by link.
        link = contact._consent_signed_path("emarketing", action="confirm")
        self.assertEqual(self.url_open(link).status_code, 200)
        confirmed = self.url_open(link, data={"confirm": "1"})
        self.assertEqual(confirmed.status_code, 200)
        contact.invalidate_recordset()
        self.assertEqual(contact.emarketing_state, "active")

        # ... chooses two subscription types on the preferences page.
        preferences = contact._subscription_preferences_path()
        saved = self.url_open(
            preferences,
            data={
                **self._page_state(preferences),
                "action": "save",  # the button the person presses
                "emarketing": "1",
                "subscription_type_ids": [str(self.newsletter.id), str(self.events.id)],
            },
        )
        self.assertEqual(saved.status_code, 200)
        contact.invalidate_recordset()
        self.assertEqual(contact.subscription_type_ids, self.newsletter | self.events)

        # A mailing of a third type skips them, with the reason shown.
        offers_mailing = self._mailing(self.offers)
        self.assertFalse(self._send(offers_mailing))
        skipped = self._trace(offers_mailing)
        self.assertEqual(skipped.trace_status, "cancel")
        self.assertEqual(skipped.failure_type, "mail_not_subscribed")
        self.assertIn("Offers", skipped.failure_reason)

        # A mailing of a chosen type reaches them through SendGrid on loopback,
        # with the manage-subscriptions link and the X-SMTPAPI header.
        news_mailing = self._mailing(self.newsletter)
        (received,) = self._send(news_mailing)
        html = received.message.get_body(("html",)).get_content()
        self.assertIn(preferences, html)
        self.assertIn("unsubscribe_oneclick", received.message["List-Unsubscribe"])
        unique_args = json.loads(str(received.message[smtpapi.HEADER_NAME]))[
            "unique_args"
        ]
        trace = self._trace(news_mailing)
        self.assertEqual(unique_args["odoo_trace_id"], str(trace.id))

        # 2. SendGrid posts a signed hard bounce for that message.
        bounce = dict(
            unique_args,
            email=contact.email,
            timestamp=int(time.time()) - 30,
            event="bounce",
            type="bounce",
            reason="550 5.1.1 The email account does not exist",
            status="5.1.1",
            sg_event_id=uuid.uuid4().hex,
            sg_message_id="journey.filter0001",
        )
        body = json.dumps([bounce]).encode()
        answer = self.url_open(
            "/sendgrid/events",
            data=body,
            headers=signed_headers(self.private_key, body),
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        contact.invalidate_recordset()
        self.assertTrue(contact.is_email_invalid)
        self.assertEqual(trace.trace_status, "bounce")
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", contact.id),
                ("user_id", "=", self.salesperson.id),
            ]
        )
        self.assertTrue(activities, "the salesperson is told about the bounce")
        # ... and the next mailing skips the contact.
        next_mailing = self._mailing(self.newsletter)
        self.assertFalse(self._send(next_mailing))
        self.assertNotEqual(self._trace(next_mailing).trace_status, "sent")

        # 3. WhatsApp marketing consent, then withdrawal on the preferences page.
        whatsapp_link = contact._consent_signed_path("whatsapp_marketing")
        self.assertEqual(
            self.url_open(whatsapp_link, data={"confirm": "1"}).status_code, 200
        )
        self.tmpl_marketing._send_to_partner(contact)  # allowed while consented
        withdrawn = self.url_open(
            preferences,
            data={"csrf_token": self._csrf(preferences), "action": "withdraw_all"},
        )
        self.assertEqual(withdrawn.status_code, 200)
        contact.invalidate_recordset()
        self.assertEqual(contact.emarketing_state, "withdrawn")
        with self.assertRaisesRegex(UserError, "consent"):
            self.tmpl_marketing._send_to_partner(contact)
        self.tmpl_utility._send_to_partner(
            contact, header_values={1: "SO1042"}, body_values={1: "Mette", 2: "24.11"}
        )
        # Their inbound WhatsApp message opens the 24-hour window.
        raw, headers = self.signed(
            self.inbound_payload(
                f"wamid.journey{uuid.uuid4().hex[:8]}",
                sender=MOBILE_E164_DIGITS,
                text="Hej, hvornår kommer min ordre?",
            )
        )
        self.assertEqual(
            self.url_open("/whatsapp/webhook", data=raw, headers=headers).status_code,
            200,
        )
        channel = self.env["discuss.channel"]._whatsapp_get_or_create(
            self.account, contact
        )[contact]
        self.assertTrue(channel.whatsapp_is_window_open)

        # 4. An incoming call from their number in national format opens them.
        self.authenticate("journey_sales", "journey_sales_pw1")
        call = self.url_open(
            "/unitel/incoming?number=" + MOBILE_NATIONAL.replace(" ", ""),
            allow_redirects=False,
        )
        self.assertEqual(
            urlsplit(call.headers["Location"]).path, f"/odoo/contacts/{contact.id}"
        )

        # 5. The consent history export lists every step above, in order.
        history = self._history()
        self.assertEqual(
            history,
            [
                # every contact has its basis from birth (issue 15)
                ("Sales and service", "Initialised", "Initialisation"),
                ("E-marketing", "Confirmed (double opt-in)", "Double opt-in"),
                ("E-marketing", "Preferences changed", "Portal"),
                ("E-marketing", "Changed", "Bounce"),
                ("WhatsApp marketing", "Confirmed (double opt-in)", "Double opt-in"),
                # withdraw-from-all covers every channel the page shows (issue 17)
                ("E-marketing", "Withdrawn", "Portal"),
                ("Phone marketing", "Withdrawn", "Portal"),
                ("SMS marketing", "Withdrawn", "Portal"),
                ("WhatsApp marketing", "Withdrawn", "Portal"),
                ("E-marketing", "Preferences changed", "Portal"),
            ],
        )
