import json
import time
import uuid

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.mass_mailing_subscriptions.tests.common import SubscriptionsCase
from odoo.addons.sendgrid_delivery.tests.common import (
    generate_key_pair,
    signed_headers,
)

GROUP_OFFERS = 4242


class SendgridSubscriptionsCase(SubscriptionsCase):
    """Offers bound to SendGrid unsubscribe group 4242; a signing key; roles."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.private_key, public_key = generate_key_pair()
        cls.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.verification_key", public_key
        )
        cls.type_offers.asm_group_id = GROUP_OFFERS
        cls.user_manager = mail_new_test_user(
            cls.env,
            login="mailing_manager_sgs",
            name="Maja Manager",
            email="maja@nordlys.example",
            groups="base.group_user,sendgrid_delivery.group_mass_mailing_manager",
        )
        cls.user_internal = mail_new_test_user(
            cls.env,
            login="internal_sgs",
            name="Ivan Internal",
            email="ivan@nordlys.example",
            groups="base.group_user",
        )
        cls.user_portal = mail_new_test_user(
            cls.env,
            login="portal_sgs",
            name="Pia Portal",
            email="pia@kunde.example",
            groups="base.group_portal",
        )
        cls.mailing_offers = cls._create_partner_mailing(
            cls.type_offers, partners=cls.p_offers
        )
        cls.trace = cls.env["mailing.trace"].create(
            {
                "mass_mailing_id": cls.mailing_offers.id,
                "model": "res.partner",
                "res_id": cls.p_offers.id,
                "email": cls.p_offers.email,
                "trace_status": "sent",
            }
        )

    def event(self, event_type, email=None, **extra):
        """A SendGrid event of the offers mailing (our unique_args included)."""
        values = {
            "email": email or self.p_offers.email,
            "timestamp": int(time.time()) - 60,
            "event": event_type,
            "sg_event_id": uuid.uuid4().hex,
            "sg_message_id": "14c5d75ce93.filter0001.16648.5515E0B88.0",
            "odoo_db": self.env.cr.dbname,
            "odoo_trace_id": str(self.trace.id),
        }
        values.update(extra)
        return values

    def signed(self, events, key=None):
        body = json.dumps(events).encode()
        return body, signed_headers(key or self.private_key, body)

    def receive(self, events):
        body, headers = self.signed(events)
        return self.env["sendgrid.event"]._webhook_receive(body, headers)

    def history(self, partner):
        return self.env["consent.event"].search(
            [("partner_id", "=", partner.id)], order="id"
        )
