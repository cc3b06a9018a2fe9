from odoo.tests import TransactionCase
from odoo.tools import SQL


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

    def drop_legal_bases(self, purpose=None):
        """Forget the records of a purpose, as for contacts that existed before
        the addon was installed (new contacts get Sales and service at birth)."""
        purpose = purpose or self.sales
        self.env.flush_all()
        for table in ("consent_event", "consent_record"):
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE purpose_id = %s",
                    SQL.identifier(table),
                    purpose.id,
                )
            )
        self.env.invalidate_all()
