from odoo import Command

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.mass_mailing.tests.common import MassMailCommon

PRIVACY_PARAM = "consent_management.emarketing_privacy"


class SubscriptionsCase(MassMailCommon):
    """Contacts in every consent situation and the shipped subscription types."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(PRIVACY_PARAM, "True")
        cls.type_newsletter = cls.env.ref(
            "mass_mailing_subscriptions.subscription_type_newsletter"
        )
        cls.type_offers = cls.env.ref(
            "mass_mailing_subscriptions.subscription_type_offers"
        )
        cls.type_events = cls.env.ref(
            "mass_mailing_subscriptions.subscription_type_events"
        )
        cls.user_salesperson = mail_new_test_user(
            cls.env,
            login="user_salesperson",
            name="Sally Sales",
            email="sally@example.com",
            groups="base.group_user,base.group_partner_manager",
        )
        Partner = cls.env["res.partner"]
        cls.p_offers = Partner.create(
            {
                "name": "Olga Offers",
                "email": "olga@example.com",
                "user_id": cls.user_salesperson.id,
                "subscription_type_ids": [
                    Command.set((cls.type_offers | cls.type_newsletter).ids)
                ],
            }
        )
        cls.p_newsletter = Partner.create(
            {
                "name": "Niels Newsletter",
                "email": "niels@example.com",
                "subscription_type_ids": [Command.set(cls.type_newsletter.ids)],
            }
        )
        cls.p_no_record = Partner.create(
            {"name": "Nora Nothing", "email": "nora@example.com"}
        )
        cls.p_withdrawn = Partner.create(
            {
                "name": "Walter Withdrawn",
                "email": "walter@example.com",
                "subscription_type_ids": [Command.set(cls.type_offers.ids)],
            }
        )
        (cls.p_offers | cls.p_newsletter | cls.p_withdrawn)._consent_grant(
            "emarketing", legal_basis="consent", source="manual"
        )
        cls.p_withdrawn._consent_withdraw("emarketing", source="manual")
        cls.partners = (
            cls.p_offers | cls.p_newsletter | cls.p_no_record | cls.p_withdrawn
        )

    @classmethod
    def _create_partner_mailing(cls, sub_type=None, partners=None, **values):
        partners = partners if partners is not None else cls.partners
        return (
            cls.env["mailing.mailing"]
            .with_user(cls.user_marketing)
            .create(
                {
                    "name": "Test mailing",
                    "subject": "Spring news",
                    "body_html": '<p>Hello <a href="/unsubscribe_from_list">'
                    "Unsubscribe</a></p>",
                    "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": repr([("id", "in", partners.ids)]),
                    "subscription_type_id": sub_type.id if sub_type else False,
                    **values,
                }
            )
        )

    def _set_privacy(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param(
            PRIVACY_PARAM, "True" if enabled else "False"
        )

    def _traces(self, mailing):
        return self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])

    def _trace_of(self, mailing, res_id):
        return self._traces(mailing).filtered(lambda t: t.res_id == res_id)
