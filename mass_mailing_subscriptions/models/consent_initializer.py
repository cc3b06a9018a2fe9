from odoo import api, models
from odoo.tools import SQL

from .mailing_mailing import SUBSCRIPTION_REL

# Trace statuses meaning the message reached the contact's mailbox.
RECEIVED_STATUSES = ("pending", "sent", "open", "reply")


class ConsentInitializer(models.AbstractModel):
    _inherit = "consent.initializer"

    @api.model
    def _get_rules(self):
        rules = super()._get_rules()
        rules.append(
            {
                "key": "mass_mailing_recipients",
                "name": self.env._(
                    "Contacts already mailed: E-marketing (legitimate interest), "
                    "subscribed to every type"
                ),
                "method": "_rule_mailed_contacts",
                "sequence": 20,
            }
        )
        return rules

    @api.model
    def _mailed_partner_ids_query(self):
        """SQL selecting contacts that already received a mass mailing, directly
        or through a record (mailing contact, lead, ...) with the same e-mail."""
        return SQL(
            """
            SELECT t.res_id FROM mailing_trace t
             WHERE t.model = 'res.partner' AND t.trace_status IN %(received)s
             UNION
            SELECT p.id FROM res_partner p
              JOIN mailing_contact mc ON mc.email_normalized = p.email_normalized
              JOIN mailing_trace t ON t.model = 'mailing.contact' AND t.res_id = mc.id
             WHERE t.trace_status IN %(received)s
             UNION
            SELECT p.id FROM res_partner p
              JOIN mailing_trace t ON lower(trim(t.email)) = p.email_normalized
             WHERE t.model NOT IN ('res.partner', 'mailing.contact')
               AND t.trace_status IN %(received)s
            """,
            received=RECEIVED_STATUSES,
        )

    @api.model
    def _rule_mailed_contacts(self):
        """Rule 20: contacts already mailed get E-marketing by legitimate
        interest and every active subscription type, so nothing changes for
        them until they choose. Set-based; idempotent (only contacts without an
        E-marketing record yet are touched)."""
        purpose = self.env["res.partner"]._consent_get_purpose("emarketing")
        mailed = self._mailed_partner_ids_query()
        self.env.flush_all()
        # Subscribe first: afterwards the E-marketing record exists and the
        # contact no longer qualifies, which keeps the rule idempotent.
        # One statement: the subscriptions and, per contact subscribed, one
        # `preference` event naming the types (the history stays complete).
        self.env.cr.execute(
            SQL(
                """
                WITH subscribed AS (
                    INSERT INTO %(rel)s (partner_id, type_id)
                    SELECT m.id, st.id
                      FROM (SELECT DISTINCT p.id FROM res_partner p
                             WHERE p.id IN (%(mailed)s)
                               AND NOT EXISTS (
                                   SELECT 1 FROM consent_record r
                                    WHERE r.partner_id = p.id
                                      AND r.purpose_id = %(purpose)s)) m
                     CROSS JOIN mailing_subscription_type st
                     WHERE st.active
                    ON CONFLICT DO NOTHING
                    RETURNING partner_id, type_id
                )
                %(events)s
                """,
                rel=SQL.identifier(SUBSCRIPTION_REL),
                mailed=mailed,
                purpose=purpose.id,
                events=self.env["res.partner"]._subscription_events_sql(
                    SQL("subscribed"),
                    "initialisation",
                    self.env._("Already received a mass mailing."),
                    removed=False,
                ),
            )
        )
        self.env["res.partner"].invalidate_model(["subscription_type_ids"])
        self.env["mailing.subscription.type"].invalidate_model(["partner_ids"])
        return self._insert_missing_records(
            "emarketing",
            mailed,
            "legitimate_interest",
            "active",
            description=self.env._(
                "Already received a mass mailing: subscribed to every "
                "subscription type."
            ),
        )
