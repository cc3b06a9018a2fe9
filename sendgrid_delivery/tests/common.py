"""Test helpers other addons may reuse: a local SendGrid signing key and events.

class MyTest(SendgridCommon):
    def test_x(self):
        body, headers = self.signed_request([self.event("delivered", mail=m)])
        status, result = self.env["sendgrid.event"]._webhook_receive(body, headers)
"""

import base64
import json
import time
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from nordic_crm_fakes.smtp import odoo_sends_mail

from odoo.tests import TransactionCase

from ..services import webhook


def generate_key_pair():
    """A P-256 key pair: (private key, base64 DER public key as SendGrid shows it)."""
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


def signed_headers(private_key, body, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        webhook.SIGNATURE_HEADER: webhook.sign(private_key, body, timestamp),
        webhook.TIMESTAMP_HEADER: timestamp,
        "Content-Type": "application/json",
    }


# kept under this name for the tests of this addon and others importing it
real_smtp_sending = odoo_sends_mail


class SendgridCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.private_key, cls.public_key = generate_key_pair()
        cls.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.verification_key", cls.public_key
        )
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Sofie Sælger",
                "login": "sofie.sg",
                "email": "sofie@nordlys.example",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id])],
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Anne Andersen",
                "email": "anne@kunde.example",
                "user_id": cls.salesperson.id,
            }
        )
        cls.partner_nl = cls.env["res.partner"].create(
            {"name": "Bram de Vries", "email": "bram@klant.example"}
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Nyhedsbrev",
                "body_html": "<p>Hej</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr(
                    [("id", "in", [cls.partner.id, cls.partner_nl.id])]
                ),
                "state": "done",
            }
        )
        cls.message = cls.partner.message_post(
            body="Hej Anne", partner_ids=cls.partner.ids, message_type="comment"
        )
        cls.traces = cls.env["mailing.trace"].create(
            [
                {
                    "mass_mailing_id": cls.mailing.id,
                    "model": "res.partner",
                    "res_id": partner.id,
                    "email": partner.email,
                    "trace_status": "sent",
                    "mail_mail_id_int": 900000 + partner.id,
                }
                for partner in (cls.partner, cls.partner_nl)
            ]
        )
        cls.trace = cls.traces[0]

    def event(
        self, event_type="delivered", trace=None, message=None, email=None, **extra
    ):
        """One SendGrid event dict carrying our unique_args."""
        trace = self.trace if trace is None else trace
        values = {
            "email": email or (trace.email if trace else self.partner.email),
            "timestamp": int(time.time()) - 60,
            "event": event_type,
            "sg_event_id": extra.pop("sg_event_id", None) or uuid.uuid4().hex,
            "sg_message_id": "14c5d75ce93.filter0001.16648.5515E0B88.0",
            "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
            "odoo_db": self.env.cr.dbname,
        }
        if trace:
            values["odoo_trace_id"] = str(trace.id)
            values["odoo_mail_id"] = str(trace.mail_mail_id_int)
        if message:
            values["odoo_message_id"] = str(message.id)
        values.update(extra)
        return values

    def signed_request(self, events, timestamp=None, key=None):
        body = json.dumps(events).encode()
        return body, signed_headers(key or self.private_key, body, timestamp)

    def receive(self, events, **kwargs):
        body, headers = self.signed_request(events, **kwargs)
        return self.env["sendgrid.event"]._webhook_receive(body, headers)

    def snapshot(self):
        """Everything a webhook call could write, to prove nothing was."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT (SELECT COUNT(*) FROM sendgrid_event),
                      (SELECT COUNT(*) FROM mail_blacklist),
                      (SELECT COUNT(*) FROM mail_activity),
                      (SELECT COUNT(*) FROM res_partner WHERE is_email_invalid),
                      (SELECT COUNT(*) FROM consent_event),
                      (SELECT string_agg(
                                  id || trace_status
                                  || COALESCE(open_datetime::text, '')
                                  || COALESCE(links_click_datetime::text, ''),
                                  ',' ORDER BY id)
                         FROM mailing_trace),
                      (SELECT string_agg(id || notification_status, ',' ORDER BY id)
                         FROM mail_notification)"""
        )
        return cr.fetchone()


ROLE_GROUPS = {
    "portal": "base.group_portal",
    "internal": "base.group_user",
    "salesperson": "base.group_user",
    "marketer": "mass_mailing.group_mass_mailing_user",
    "manager": "sendgrid_delivery.group_mass_mailing_manager",
    "admin": "base.group_system",
}


def make_role_users(env, suffix="sg"):
    """One user per role of the access tests; the password is the login."""
    from odoo.tests import new_test_user

    return {
        role: new_test_user(
            env,
            login=f"{role}.{suffix}",
            groups=groups,
            name=f"{role.title()} ({suffix})",
            email=f"{role}.{suffix}@nordlys.example",
        )
        for role, groups in ROLE_GROUPS.items()
    }


def call_kw(case, model, method, args=(), kwargs=None):
    """Call ``model.method`` over JSON-RPC as the authenticated user."""
    return case.make_jsonrpc_request(
        f"/web/dataset/call_kw/{model}/{method}",
        {
            "model": model,
            "method": method,
            "args": list(args),
            "kwargs": kwargs or {},
        },
    )
