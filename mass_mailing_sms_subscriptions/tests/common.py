from odoo import Command

from odoo.addons.mass_mailing_sms.tests.common import MassSMSCommon

PRIVACY_PARAM = "consent_management.emarketing_privacy"


class SmsSubscriptionsCase(MassSMSCommon):
    """Contacts with a mobile number in every SMS-marketing situation.

    SMS stay in Odoo's queue (no "Send Directly"), and every send runs inside
    ``mockSMSGateway``: IAP is never reached.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(PRIVACY_PARAM, "True")
        cls.type_offers = cls.env.ref(
            "mass_mailing_subscriptions.subscription_type_offers"
        )
        cls.type_newsletter = cls.env.ref(
            "mass_mailing_subscriptions.subscription_type_newsletter"
        )
        dk = cls.env.ref("base.dk")
        Partner = cls.env["res.partner"]

        def partner(name, mobile, types=()):
            return Partner.create(
                {
                    "name": name,
                    "mobile": mobile,
                    "country_id": dk.id,
                    "subscription_type_ids": [Command.set([t.id for t in types])],
                }
            )

        cls.p_offers = partner(
            "Olga Offers", "+45 20 11 00 01", (cls.type_offers, cls.type_newsletter)
        )
        cls.p_newsletter = partner(
            "Niels Newsletter", "+45 20 11 00 02", (cls.type_newsletter,)
        )
        cls.p_no_record = partner("Nora Nothing", "+45 20 11 00 03", (cls.type_offers,))
        cls.p_withdrawn = partner(
            "Walter Withdrawn", "+45 20 11 00 04", (cls.type_offers,)
        )
        # Two contacts on one number: one withdrew, so the number is closed.
        cls.p_shared_withdrew = partner(
            "Karin Holm", "+45 20 11 00 05", (cls.type_offers,)
        )
        cls.p_shared_ok = partner("Per Holm", "+45 20 11 00 05", (cls.type_offers,))
        # Two contacts on one number: the first never consented, the second did.
        cls.p_family_none = partner("Ida Berg", "+45 20 11 00 06")
        cls.p_family_ok = partner("Ole Berg", "+45 20 11 00 06", (cls.type_offers,))
        consenting = (
            cls.p_offers
            | cls.p_newsletter
            | cls.p_withdrawn
            | cls.p_shared_withdrew
            | cls.p_shared_ok
            | cls.p_family_ok
        )
        consenting._consent_grant("sms_marketing", source="manual")
        (cls.p_withdrawn | cls.p_shared_withdrew)._consent_withdraw(
            "sms_marketing", source="manual"
        )
        # E-marketing consent is another purpose: it lets no SMS through.
        cls.p_no_record._consent_grant("emarketing", source="manual")
        cls.partners = (
            cls.p_offers
            | cls.p_newsletter
            | cls.p_no_record
            | cls.p_withdrawn
            | cls.p_shared_withdrew
            | cls.p_shared_ok
            | cls.p_family_none
            | cls.p_family_ok
        )

    @classmethod
    def _create_sms_mailing(cls, sub_type=None, partners=None, user=None, **values):
        partners = partners if partners is not None else cls.partners
        vals = {
            "name": "SMS offers",
            "subject": "SMS offers",
            "mailing_type": "sms",
            "body_plaintext": "Spring offers in the shop this week",
            "subscription_type_id": sub_type.id if sub_type else False,
            "sms_allow_unsubscribe": True,
            **values,
        }
        if "mailing_model_id" not in vals:  # else Odoo computes the domain
            vals["mailing_model_id"] = cls.env["ir.model"]._get_id("res.partner")
            vals["mailing_domain"] = repr([("id", "in", partners.ids)])
        return (
            cls.env["mailing.mailing"]
            .with_user(user or cls.user_marketing)
            .create(vals)
        )

    def _set_privacy(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param(
            PRIVACY_PARAM, "True" if enabled else "False"
        )

    def _send(self, mailing):
        with self.mockSMSGateway():
            mailing.action_send_mail()

    def _traces(self, mailing):
        return (
            self.env["mailing.trace"]
            .sudo()
            .search([("mass_mailing_id", "=", mailing.id)])
        )

    def _trace_of(self, mailing, res_id):
        return self._traces(mailing).filtered(lambda t: t.res_id == res_id)
