import logging

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# consent.record state -> res.partner.emarketing_state
PARTNER_STATE_SQL = SQL(
    "CASE WHEN %s = 'active' THEN 'active' WHEN %s = 'withdrawn' "
    "THEN 'withdrawn' ELSE 'none' END",
    SQL.identifier("ins", "state"),
    SQL.identifier("ins", "state"),
)
EMAIL_HASH_SQL = SQL(
    "CASE WHEN coalesce(trim(p.email_normalized), '') <> '' "
    "THEN encode(sha256(convert_to(lower(trim(p.email_normalized)), 'UTF8')), 'hex') "
    "END"
)


class ConsentInitializer(models.AbstractModel):
    """Set-based initialisation of legal bases for existing contacts.

    Extension point: inherit this model, extend :meth:`_get_rules` with a dict
    ``{"key", "name", "method", "sequence"}`` and implement ``method`` (a method
    name on this model returning the number of contacts touched), usually with
    :meth:`_insert_missing_records`. Rules must be idempotent.
    """

    _name = "consent.initializer"
    _description = "Consent initialiser"

    @api.model
    def _get_rules(self):
        """Return the list of initialisation rules; other addons append theirs.

        Sequence 20 is reserved for mass_mailing_subscriptions (contacts already
        mailed get E-marketing with legitimate interest).
        """
        return [
            {
                "key": "sales_service",
                "name": self.env._(
                    "Every contact: Sales and service (legitimate interest)"
                ),
                "method": "_rule_sales_service",
                "sequence": 10,
            },
            {
                "key": "blacklist",
                "name": self.env._(
                    "Blacklisted e-mail addresses: E-marketing withdrawn"
                ),
                "method": "_rule_blacklist",
                "sequence": 40,
            },
        ]

    @api.model
    def _check_may_run_rules(self):
        """Only Consent officers (and server code running as superuser) may run
        the rules: they run as superuser over every contact."""
        if self.env.su or self.env.user.has_group(
            "consent_management.group_consent_officer"
        ):
            return
        raise AccessError(
            self.env._("Only a Consent officer may run the consent initialisation.")
        )

    @api.model
    def run_rules(self):
        """Deprecated public name of :meth:`_run_rules`, kept for callers of
        other addons; checks the Consent officer group before anything runs."""
        self._check_may_run_rules()
        return self._run_rules()

    @api.model
    def _run_rules(self):
        """Run every rule by sequence; return [(rule name, contacts touched)].

        Internal entry point (runs as superuser, no access check): UI and
        crons go through ``consent.init.report.action_run``, which checks the
        Consent officer group first. Idempotent: a second run returns only zeros.
        """
        self = self.sudo()
        self.env.flush_all()
        report = []
        for rule in sorted(self._get_rules(), key=lambda r: r["sequence"]):
            method = rule["method"]
            count = getattr(self, method)() if isinstance(method, str) else method(self)
            _logger.info("Consent rule %s touched %s contacts", rule["key"], count)
            report.append((rule["name"], int(count or 0)))
        return report

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------
    @api.model
    def _rule_sales_service(self, partners=None):
        """Rule 1: every contact (or only ``partners``) gets Sales and service
        by legitimate interest."""
        if partners is None:
            partner_ids = SQL("SELECT id FROM res_partner")
        else:
            partner_ids = SQL("SELECT unnest(%s::int[])", partners.ids)
        return self._insert_missing_records(
            "sales_service", partner_ids, "legitimate_interest", "active"
        )

    @api.model
    def _apply_to_new_partners(self, partners):
        """Give contacts being created their basis from birth (rule 1).

        Called by ``res.partner.create`` for every way a contact is created
        (by hand, import, signup, mail, WhatsApp): one statement per batch.
        """
        if not partners:
            return
        purpose = (
            self.env["consent.purpose"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("code", "=", "sales_service")], limit=1)
        )
        if not purpose:
            # A renamed purpose must not make every contact creation fail.
            _logger.warning("No consent purpose sales_service: new contacts skipped")
            return
        self._rule_sales_service(partners)

    @api.model
    def _blacklisted_partner_ids_query(self):
        return SQL(
            """SELECT p.id FROM res_partner p
                 JOIN mail_blacklist bl
                   ON bl.email = p.email_normalized AND bl.active"""
        )

    @api.model
    def _rule_blacklist(self):
        query = self._blacklisted_partner_ids_query()
        created = self._insert_missing_records(
            "emarketing", query, "consent", "withdrawn"
        )
        # An earlier rule (e.g. "already mailed") may have given a blacklisted
        # address legitimate interest: the blacklist wins over such a guess.
        return created + self._withdraw_initialised_records("emarketing", query)

    # ------------------------------------------------------------------
    # Set-based helpers for rules
    # ------------------------------------------------------------------
    @api.model
    def _insert_missing_records(
        self,
        purpose_code,
        partner_ids_query,
        legal_basis,
        state,
        source="initialisation",
        description=None,
    ):
        """Create records (and ``init`` events) in ONE SQL statement.

        :param partner_ids_query: SQL selecting one column of res.partner ids;
            partners that already have a record for the purpose are skipped.
        :return: the number of records created.
        """
        purpose = self.env["res.partner"]._consent_get_purpose(purpose_code)
        self.env.flush_all()
        now = self.env.cr.now()  # as the ORM stamps create_date
        uid = self.env.uid
        partner_update = SQL()
        if purpose_code == "emarketing":
            partner_update = SQL(
                """, partners AS (
                    UPDATE res_partner SET emarketing_state = %s
                      FROM inserted ins WHERE res_partner.id = ins.partner_id
                )""",
                PARTNER_STATE_SQL,
            )
        query = SQL(
            """
            WITH candidates AS (
                SELECT DISTINCT p.id FROM res_partner p
                 WHERE p.id IN (%(partner_ids)s)
                   AND NOT EXISTS (
                       SELECT 1 FROM consent_record r
                        WHERE r.partner_id = p.id AND r.purpose_id = %(purpose)s)
            ), inserted AS (
                INSERT INTO consent_record (
                    partner_id, purpose_id, legal_basis, state, source, captured_at,
                    captured_by_id, withdrawn_at,
                    create_uid, create_date, write_uid, write_date)
                SELECT c.id, %(purpose)s, %(basis)s, %(state)s, %(source)s, %(now)s,
                       %(uid)s, %(withdrawn_at)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM candidates c
                ON CONFLICT (partner_id, purpose_id) DO NOTHING
                RETURNING id, partner_id, state
            ), events AS (
                INSERT INTO consent_event (
                    partner_id, partner_email_hash, purpose_id, record_id,
                    event_type, legal_basis, state, source, user_id, description,
                    create_uid, create_date, write_uid, write_date)
                SELECT ins.partner_id, %(email_hash)s, %(purpose)s, ins.id,
                       'init', %(basis)s, ins.state, %(source)s, %(uid)s,
                       %(description)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM inserted ins JOIN res_partner p ON p.id = ins.partner_id
            )%(partner_update)s
            SELECT count(*) FROM inserted
            """,
            partner_ids=partner_ids_query,
            purpose=purpose.id,
            basis=legal_basis,
            state=state,
            source=source,
            now=now,
            uid=uid,
            withdrawn_at=now if state == "withdrawn" else None,
            email_hash=EMAIL_HASH_SQL,
            description=description,
            partner_update=partner_update,
        )
        self.env.cr.execute(query)
        count = self.env.cr.fetchone()[0]
        if count:
            self._invalidate_consent_cache()
        return count

    @api.model
    def _withdraw_initialised_records(self, purpose_code, partner_ids_query):
        """Withdraw records that an initialisation rule made active, for partners
        of ``partner_ids_query``; records someone granted are left alone."""
        purpose = self.env["res.partner"]._consent_get_purpose(purpose_code)
        self.env.flush_all()
        now = self.env.cr.now()  # as the ORM stamps create_date
        uid = self.env.uid
        partner_update = SQL()
        if purpose_code == "emarketing":
            partner_update = SQL(
                """, partners AS (
                    UPDATE res_partner SET emarketing_state = 'withdrawn'
                      FROM inserted ins WHERE res_partner.id = ins.partner_id
                )"""
            )
        query = SQL(
            """
            WITH inserted AS (
                UPDATE consent_record r
                   SET state = 'withdrawn', withdrawn_at = %(now)s,
                       write_uid = %(uid)s, write_date = %(now)s
                 WHERE r.purpose_id = %(purpose)s
                   AND r.state = 'active'
                   AND r.source = 'initialisation'
                   AND r.partner_id IN (%(partner_ids)s)
                RETURNING r.id, r.partner_id, r.legal_basis, r.state
            ), events AS (
                INSERT INTO consent_event (
                    partner_id, partner_email_hash, purpose_id, record_id,
                    event_type, legal_basis, state, source, user_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT ins.partner_id, %(email_hash)s, %(purpose)s, ins.id,
                       'withdraw', ins.legal_basis, ins.state, 'initialisation',
                       %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM inserted ins JOIN res_partner p ON p.id = ins.partner_id
            )%(partner_update)s
            SELECT count(*) FROM inserted
            """,
            purpose=purpose.id,
            partner_ids=partner_ids_query,
            now=now,
            uid=uid,
            email_hash=EMAIL_HASH_SQL,
            partner_update=partner_update,
        )
        self.env.cr.execute(query)
        count = self.env.cr.fetchone()[0]
        if count:
            self._invalidate_consent_cache()
        return count

    @api.model
    def _invalidate_consent_cache(self):
        self.env["consent.record"].invalidate_model()
        self.env["consent.event"].invalidate_model()
        self.env["res.partner"].invalidate_model(
            ["consent_record_ids", "consent_event_ids", "emarketing_state"]
        )

    @api.model
    def _count_without_emarketing(self):
        """Contacts left without an E-marketing record (rule 3: never mailed)."""
        purpose = self.env["res.partner"]._consent_get_purpose("emarketing")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM res_partner p
                    WHERE NOT EXISTS (SELECT 1 FROM consent_record r
                                       WHERE r.partner_id = p.id
                                         AND r.purpose_id = %s)""",
                purpose.id,
            )
        )
        return self.env.cr.fetchone()[0]
