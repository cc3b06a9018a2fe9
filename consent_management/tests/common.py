from odoo.tests import TransactionCase


class ConsentCase(TransactionCase):
    """Shared fixtures; other addons may reuse it to set up consent situations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Record = cls.env["consent.record"]
        cls.Event = cls.env["consent.event"]
        cls.emarketing = cls.env.ref("consent_management.consent_purpose_emarketing")
        cls.sales = cls.env.ref("consent_management.consent_purpose_sales_service")
        cls.whatsapp = cls.env.ref(
            "consent_management.consent_purpose_whatsapp_marketing"
        )
        cls.anna, cls.bo, cls.carla = cls.Partner.create(
            [
                {"name": "Anna Jensen", "email": "anna@nordlys.example"},
                {"name": "Bo Nielsen", "email": "Bo@Nordlys.example"},
                {"name": "Carla de Vries", "email": "carla@nordlys.example"},
            ]
        )
        cls.partners = cls.anna | cls.bo | cls.carla

    def set_privacy(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True" if enabled else "False"
        )

    def events_of(self, partner, purpose=None):
        domain = [("partner_id", "=", partner.id)]
        if purpose:
            domain.append(("purpose_id", "=", purpose.id))
        return self.Event.search(domain, order="id")
