import logging
from typing import NamedTuple

import werkzeug.urls

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

CONSENT_FAILURE_TYPES = (
    "mail_no_consent",
    "mail_not_subscribed",
    "mail_address_withdrawn",
    "mail_marketing_protected",
)
# Stands for the withdrawn contact's name in the translated reason.
CONTACT_MARKER = "\x1fcontact\x1f"
SUBSCRIPTION_REL = "res_partner_mailing_subscription_type_rel"


class ConsentChannel(NamedTuple):
    """What the consent rule of one mailing type reads (``_consent_channel``)."""

    purpose: str  # consent purpose code
    address_field: str  # contacts' stored field naming the address reached
    address_link: str  # ``_consent_recipient_link`` of a match by that field
    # The e-mail failure types name the kinds of exclusion (the SQL and
    # ``_consent_failure_reasons`` use them); the channel's own type of each.
    failure_types: dict


EMAIL_CHANNEL = ConsentChannel("emarketing", "email_normalized", "email", {})

# What a consent bypass was approved for (see ``write``).
BYPASS_BOUND_FIELDS = frozenset(
    {
        "mailing_model_id",
        "mailing_domain",
        # a saved filter or another channel recompute the audience (core's
        # ``_compute_mailing_domain`` depends on both)
        "mailing_filter_id",
        "mailing_type",
        "contact_list_ids",
        "subject",
        "body_arch",
        "body_html",
        "subscription_type_id",
    }
)


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    # Enough for one statement per send-out of a mid-size company; bigger
    # recipient sets are split so the id array stays reasonable.
    _consent_batch_size = 100000
    # Up to this many recipients (a composer batch: 50) the verdict looks
    # each one up through the indexes, so a batch costs the same whatever the
    # number of contacts; more are checked against each rule set hashed once.
    _consent_probe_max = 1000

    subscription_type_id = fields.Many2one(
        "mailing.subscription.type",
        index="btree_not_null",
        help="The kind of e-marketing this send-out is. While the e-marketing "
        "privacy switch is on, only contacts subscribed to this type receive it.",
    )
    bypass_consent = fields.Boolean(
        string="Send Regardless of Consent",
        copy=False,
        help="Send to every recipient, ignoring e-marketing consent and "
        "subscription choices. Only for the rare important message to existing "
        "customers; only users allowed to override e-marketing consent can set it.",
    )
    consent_enforced = fields.Boolean(
        compute="_compute_consent_enforced",
        help="Technical: the e-marketing privacy switch is on for this mailing.",
    )
    consent_recipient_count = fields.Integer(
        string="Recipients with Consent",
        compute="_compute_consent_recipient_count",
        help="How many of the recipients have e-marketing consent and, for a "
        "mailing with a type, chose it. Only they will receive the mailing.",
    )
    consent_excluded_count = fields.Integer(
        string="Excluded by Consent",
        compute="_compute_consent_excluded_count",
    )

    def _compute_consent_enforced(self):
        switch = self.env["res.partner"]._consent_privacy_enabled()
        for mailing in self:
            mailing.consent_enforced = switch and bool(mailing._consent_channel())

    @api.depends(
        "mailing_model_id", "mailing_domain", "contact_list_ids", "subscription_type_id"
    )
    def _compute_consent_recipient_count(self):
        for mailing in self:
            count = 0
            if (
                mailing.mailing_model_real
                and mailing.state in ("draft", "in_queue")
                and mailing._consent_is_enforced()
            ):
                res_ids = (
                    self.env[mailing.mailing_model_real]
                    .search(mailing._get_recipients_domain())
                    .ids
                )
                count = len(mailing._consent_kept_recipients(res_ids))
            mailing.consent_recipient_count = count

    def _compute_consent_excluded_count(self):
        counts = dict(
            self.env["mailing.trace"]._read_group(
                [
                    ("mass_mailing_id", "in", self.ids),
                    ("failure_type", "in", self._consent_excluded_failure_types()),
                ],
                ["mass_mailing_id"],
                ["__count"],
            )
        )
        for mailing in self:
            mailing.consent_excluded_count = counts.get(mailing, 0)

    # ------------------------------------------------------------------
    # Only the override group may bypass consent
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        mailings = super().create(vals_list)
        # Checked on the records: ``default_bypass_consent`` in the context or
        # a personal ``ir.default`` only arrive inside create.
        if mailings.filtered("bypass_consent"):
            self._check_bypass_consent_access()
        return mailings

    def write(self, vals):
        # Switching it off is always allowed: it only makes a send-out safer.
        if vals.get("bypass_consent") and self.filtered(lambda m: not m.bypass_consent):
            self._check_bypass_consent_access()
        # An approved bypass covers the audience and the text it was approved
        # for: re-targeting or rewriting it is the override group's too.
        elif (
            set(vals) & BYPASS_BOUND_FIELDS
            and vals.get("bypass_consent") is not False
            and self.filtered("bypass_consent")
        ):
            self._check_bypass_consent_access()
        return super().write(vals)

    @api.model
    def _check_bypass_consent_access(self):
        if self.env.is_superuser() or self.env.user.has_group(
            "mass_mailing_subscriptions.group_override_consent"
        ):
            return
        raise AccessError(
            self.env._(
                "Only users in the group “Override e-marketing consent” may send "
                "a mailing regardless of consent and subscription choices."
            )
        )

    def action_view_consent_excluded(self):
        # Returns no data, but callable by anyone over JSON-RPC: ask the ACL.
        self.check_access("read")
        return self._action_view_traces_filtered("consent_excluded")

    # ------------------------------------------------------------------
    # Enforcement
    # ------------------------------------------------------------------

    def _consent_channel(self):
        """The consent rule's channel of this mailing's type (a
        ``ConsentChannel``), None for a type consent does not filter. Glue
        addons add theirs (mass_mailing_sms_subscriptions: SMS)."""
        self.ensure_one()
        return EMAIL_CHANNEL if self.mailing_type == "mail" else None

    @api.model
    def _consent_excluded_failure_types(self):
        """Failure types of traces left out by consent, of every channel."""
        return CONSENT_FAILURE_TYPES

    def _consent_is_enforced(self):
        """True when this send-out must obey consent and subscription choices."""
        self.ensure_one()
        return (
            bool(self._consent_channel())
            and not self.bypass_consent
            and self.env["res.partner"]._consent_privacy_enabled()
        )

    def _consent_recipient_link(self):
        """How a recipient of this mailing maps to contacts.

        ``self``: the recipients are contacts; ``email``: the contacts with the
        same normalised e-mail (mailing lists, leads, ...), for SMS ``number``:
        the same sanitised number (the channel's ``address_link``);
        ``partner``: the record's ``partner_id``; None when the model offers
        none of these.
        """
        self.ensure_one()
        target = self.env[self.mailing_model_real]
        if target._name == "res.partner":
            return "self"
        channel = self._consent_channel() or EMAIL_CHANNEL
        field = target._fields.get(channel.address_field)
        if field is not None and field.store:
            return channel.address_link
        field = target._fields.get("partner_id")
        if (
            field is not None
            and field.store
            and field.type == "many2one"
            and field.comodel_name == "res.partner"
        ):
            return "partner"
        return None

    def _consent_rule_sets(self):
        """The rule as SQL: ``(key field, consent set, subscribed set)``.

        A recipient may receive this mailing when the value of its key field
        (its own id, its ``partner_id`` or its address: normalised e-mail,
        sanitised number) is in the consent set and, for a mailing with a
        type, in the subscribed set (None without a type). Built on
        consent_management's ``_consent_allowed_ids_query``.
        """
        self.ensure_one()
        link = self._consent_recipient_link()
        channel = self._consent_channel() or EMAIL_CHANNEL
        consent_ids = self.env["res.partner"]._consent_allowed_ids_query(
            channel.purpose
        )
        type_id = self.subscription_type_id.id
        rel = SQL.identifier(SUBSCRIPTION_REL)
        if link == channel.address_link:
            address = SQL.identifier("p", channel.address_field)
            consent_set = SQL(
                "SELECT %s FROM res_partner p WHERE %s IS NOT NULL AND p.id IN (%s)",
                address,
                address,
                consent_ids,
            )
            subscribed_set = type_id and SQL(
                "SELECT %s FROM res_partner p"
                " JOIN %s s ON s.partner_id = p.id AND s.type_id = %s"
                " WHERE %s IS NOT NULL AND p.id IN (%s)",
                address,
                rel,
                type_id,
                address,
                consent_ids,
                to_flush=self.env["res.partner"]._fields["subscription_type_ids"],
            )
            return channel.address_field, consent_set, subscribed_set or None
        subscribed_set = type_id and SQL(
            "SELECT s.partner_id FROM %s s WHERE s.type_id = %s",
            rel,
            type_id,
            to_flush=self.env["res.partner"]._fields["subscription_type_ids"],
        )
        key = "id" if link == "self" else "partner_id"
        return key, consent_ids, subscribed_set or None

    @api.model
    def _consent_withdrawn_addresses_query(self, channel=EMAIL_CHANNEL):
        """SQL of ``(email, name)``: one contact per address of the channel
        (normalised e-mail, sanitised number) that withdrew from its purpose.
        A withdrawal speaks for the address: no other contact sharing it may
        be reached (issue 15)."""
        return SQL(
            """SELECT DISTINCT ON (%(address)s)
                      %(address)s AS email, p.name
                 FROM consent_record cr
                 JOIN consent_purpose cp ON cp.id = cr.purpose_id
                 JOIN res_partner p ON p.id = cr.partner_id
                WHERE cp.code = %(purpose)s AND cr.state = 'withdrawn'
                  AND %(address)s IS NOT NULL
             ORDER BY %(address)s, p.id""",
            address=SQL.identifier("p", channel.address_field),
            purpose=channel.purpose,
        )

    @api.model
    def _consent_protected_addresses_query(self, channel=EMAIL_CHANNEL):
        """SQL of ``(email, name)``: one contact per address of the channel
        (normalised e-mail, sanitised number) that is protected from marketing
        (the Robinson mark): no marketing reaches the address, whichever
        contact or list entry it is sent to as."""
        return SQL(
            """SELECT DISTINCT ON (%(address)s)
                      %(address)s AS email, p.name
                 FROM res_partner p
                WHERE p.id IN (%(protected)s) AND %(address)s IS NOT NULL
             ORDER BY %(address)s, p.id""",
            address=SQL.identifier("p", channel.address_field),
            protected=self.env["res.partner"]._consent_protected_ids_query(),
        )

    def _consent_verdict_query(self, res_ids, with_email=False):
        """SQL giving, for each id of ``res_ids``, whether consent and
        subscription choices let it receive this mailing.

        Columns: ``id``, ``email`` (only with ``with_email``), ``has_consent``,
        ``is_subscribed``, ``withdrawn_by`` (name of a contact with the
        recipient's address who withdrew, else NULL), ``protected_by`` (name
        of a contact with the address protected from marketing, else NULL) and
        ``own_consent``
        (whether ``has_consent`` is the recipient's own standing). One
        statement: the id list is one array parameter. The rule sets are the
        same either way; up to ``_consent_probe_max`` ids each recipient is
        looked up in them by index (the composer checks every batch of 50:
        hashing whole sets there made each batch cost as much as all the
        contacts, the send quadratic), more ids are checked against each set
        hashed once.
        """
        self.ensure_one()
        link = self._consent_recipient_link()
        channel = self._consent_channel() or EMAIL_CHANNEL
        target = self.env[self.mailing_model_real]
        key_field, consent_set, subscribed_set = self._consent_rule_sets()
        # A text literal parses much faster than ARRAY[...] of 100,000 items.
        ids = SQL("%s::int[]", "{%s}" % ",".join(map(str, res_ids)))
        join = SQL("JOIN %s t ON t.id = r.id", SQL.identifier(target._table))
        if link == "self":
            key, address = SQL("r.id"), SQL.identifier("t", channel.address_field)
        elif link == "partner":
            key = SQL("t.partner_id")
            address = SQL.identifier("pp", channel.address_field)
            join = SQL("%s LEFT JOIN res_partner pp ON pp.id = t.partner_id", join)
        else:
            key = SQL("t.%s", SQL.identifier(key_field))
            address = key
        email = SQL("NULL::varchar")
        if with_email:
            if "email_normalized" in target._fields:
                email = SQL("t.email_normalized")
            elif getattr(target, "_primary_email", None) in target._fields:
                email = SQL("t.%s", SQL.identifier(target._primary_email))
        probe = len(res_ids) <= self._consent_probe_max

        def member(value, set_sql):
            if probe:  # LIMIT keeps it a per-row index lookup, never hashed
                return SQL(
                    "COALESCE((SELECT TRUE FROM (%s) AS m(k) WHERE m.k = %s"
                    " LIMIT 1), FALSE)",
                    set_sql,
                    value,
                )
            return SQL("COALESCE(%s IN (%s), FALSE)", value, set_sql)

        def named_by(alias, addresses_sql):
            # one row per address either way (DISTINCT ON); the lateral form
            # pushes the address into it, found by the address index
            if probe:
                return SQL(
                    "LEFT JOIN LATERAL (SELECT a.name FROM (%s) a"
                    " WHERE a.email = %s LIMIT 1) %s ON TRUE",
                    addresses_sql,
                    address,
                    SQL.identifier(alias),
                )
            return SQL(
                "LEFT JOIN (%s) %s ON %s = %s",
                addresses_sql,
                SQL.identifier(alias),
                SQL.identifier(alias, "email"),
                address,
            )

        is_subscribed = (
            member(key, subscribed_set) if subscribed_set is not None else SQL("TRUE")
        )
        return SQL(
            """
            SELECT r.id, %(email)s AS email,
                   %(has_consent)s AS has_consent,
                   %(is_subscribed)s AS is_subscribed,
                   w.name AS withdrawn_by,
                   %(own_consent)s AS own_consent,
                   pr.name AS protected_by
              FROM unnest(%(ids)s) AS r(id)
                   %(join)s
                   %(withdrawn)s
                   %(protected)s
            """,
            email=email,
            has_consent=member(key, consent_set),
            is_subscribed=is_subscribed,
            own_consent=link != channel.address_link,
            ids=ids,
            join=join,
            withdrawn=named_by("w", self._consent_withdrawn_addresses_query(channel)),
            protected=named_by("pr", self._consent_protected_addresses_query(channel)),
        )

    def _consent_exclusion_query(self, res_ids, with_email=False):
        """SQL selecting ``(id, email, failure_type, failure_reason)`` of the
        excluded recipients; the reason names the contact whose withdrawal
        closed a shared address or who is protected from marketing."""
        reasons = self._consent_failure_reasons()
        return SQL(
            """
            SELECT x.id, x.email, x.failure_type,
                   CASE x.failure_type
                        WHEN 'mail_no_consent' THEN %(no_consent)s
                        WHEN 'mail_address_withdrawn'
                        THEN replace(%(withdrawn)s, %(marker)s, x.withdrawn_by)
                        WHEN 'mail_marketing_protected'
                        THEN replace(%(protected)s, %(marker)s, x.protected_by)
                        ELSE %(not_subscribed)s END AS failure_reason
              FROM (
                SELECT v.id, v.email, v.withdrawn_by, v.protected_by,
                       CASE WHEN v.protected_by IS NOT NULL
                            THEN 'mail_marketing_protected'
                            WHEN NOT v.has_consent
                                 AND (v.own_consent OR v.withdrawn_by IS NULL)
                            THEN 'mail_no_consent'
                            WHEN v.withdrawn_by IS NOT NULL
                            THEN 'mail_address_withdrawn'
                            ELSE 'mail_not_subscribed' END AS failure_type
                  FROM (%(verdict)s) v
                 WHERE NOT v.has_consent OR NOT v.is_subscribed
                    OR v.withdrawn_by IS NOT NULL OR v.protected_by IS NOT NULL
              ) x
            """,
            no_consent=reasons["mail_no_consent"],
            withdrawn=reasons["mail_address_withdrawn"],
            marker=CONTACT_MARKER,
            protected=reasons["mail_marketing_protected"],
            not_subscribed=reasons["mail_not_subscribed"],
            verdict=self._consent_verdict_query(res_ids, with_email=with_email),
        )

    def _consent_failure_reasons(self):
        """Readable reasons stored on the traces, in the mailing user's
        language, by kind of exclusion (the e-mail failure types)."""
        self.ensure_one()
        return {
            "mail_no_consent": self.env._("no e-marketing consent"),
            "mail_not_subscribed": self.env._(
                "not subscribed to %(type)s", type=self.subscription_type_id.name
            ),
            "mail_address_withdrawn": self.env._(
                "%(contact)s, another contact with this e-mail address, "
                "withdrew from e-marketing",
                contact=CONTACT_MARKER,
            ),
            "mail_marketing_protected": self.env._(
                "%(contact)s is protected from marketing (Robinson)",
                contact=CONTACT_MARKER,
            ),
        }

    def _consent_batches(self, res_ids):
        for start in range(0, len(res_ids), self._consent_batch_size):
            yield res_ids[start : start + self._consent_batch_size]

    def _consent_kept_recipients(self, res_ids):
        """The ids of ``res_ids`` (same order) consent and choices let through.
        Writes nothing; one statement per batch."""
        self.ensure_one()
        if not res_ids or not self._consent_recipient_link():
            return list(res_ids)
        self.env.flush_all()
        kept = set()
        for batch in self._consent_batches(res_ids):
            self.env.cr.execute(
                SQL(
                    """SELECT COALESCE(array_agg(v.id), '{}')
                         FROM (%s) v WHERE v.has_consent AND v.is_subscribed
                                       AND v.withdrawn_by IS NULL
                                       AND v.protected_by IS NULL""",
                    self._consent_verdict_query(batch),
                )
            )
            kept.update(self.env.cr.fetchone()[0])
        return [res_id for res_id in res_ids if res_id in kept]

    def _consent_classify_recipients(self, res_ids):
        """Return ``{res_id: (failure_type, failure_reason)}`` of excluded
        recipients (no write)."""
        self.ensure_one()
        if not res_ids:
            return {}
        if not self._consent_recipient_link():
            _logger.info(
                "Mass-mailing %s targets %s: no e-mail or contact to check consent",
                self,
                self.mailing_model_real,
            )
            return {}
        self.env.flush_all()
        channel_types = (self._consent_channel() or EMAIL_CHANNEL).failure_types
        excluded = {}
        for batch in self._consent_batches(res_ids):
            self.env.cr.execute(self._consent_exclusion_query(batch))
            excluded.update(
                (res_id, (channel_types.get(failure_type, failure_type), reason))
                for res_id, _email, failure_type, reason in self.env.cr.fetchall()
            )
        return excluded

    # ------------------------------------------------------------------
    # "Manage subscriptions" instead of "unsubscribe"
    # ------------------------------------------------------------------

    def _consent_recipient_partners(self, res_id, email):
        """The contacts a recipient of this mailing stands for (sudo)."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        link = self._consent_recipient_link()
        try:
            res_id = int(res_id or 0)
        except (TypeError, ValueError):
            res_id = 0
        if link == "self":
            return Partner.browse(res_id).exists() if res_id else Partner
        if link == "partner":
            record = self.env[self.mailing_model_real].sudo().browse(res_id).exists()
            return record.partner_id if record else Partner
        email_normalized = tools.email_normalize(email or "")
        if link == "email" and email_normalized:
            return Partner.search(
                [("email_normalized", "=", email_normalized)], order="id"
            )
        return Partner

    def _subscription_recipient_langs(self, res_ids):
        """``{res_id: language code}`` of recipients of this mailing, for the
        texts the suite adds to each e-mail: the record's own language, else
        that of the contact it stands for. One read per batch."""
        self.ensure_one()
        records = self.env[self.mailing_model_real].sudo().browse(res_ids).exists()
        fields_ = records._fields
        langs = {}
        if "lang" in fields_ and fields_["lang"].type in ("char", "selection"):
            langs = {r.id: r.lang for r in records if r.lang}
        elif "lang_id" in fields_ and fields_["lang_id"].comodel_name == "res.lang":
            langs = {r.id: r.lang_id.code for r in records if r.lang_id}
        missing = records.filtered(lambda r: r.id not in langs)
        link = self._consent_recipient_link()
        if missing and link == "partner":
            langs.update(
                (r.id, r.partner_id.lang) for r in missing if r.partner_id.lang
            )
        elif missing and link == "email":
            emails = set(missing.mapped("email_normalized")) - {False}
            by_email = {}
            for partner in (
                self.env["res.partner"]
                .sudo()
                .search_fetch(
                    [("email_normalized", "in", list(emails)), ("lang", "!=", False)],
                    ["email_normalized", "lang"],
                    order="id",
                )
            ):
                by_email.setdefault(partner.email_normalized, partner.lang)
            langs.update(
                (r.id, by_email[r.email_normalized])
                for r in missing
                if r.email_normalized in by_email
            )
        return langs

    def _get_unsubscribe_url(self, email_to, res_id):
        # The preferences page whatever the privacy switch (issue 15): a
        # withdrawal there also blocks the address while the switch is off.
        if self.mailing_type == "mail":
            partner = self._consent_recipient_partners(res_id, email_to)[:1]
            if partner:
                return werkzeug.urls.url_join(
                    self.get_base_url(), partner._subscription_preferences_path()
                )
        return super()._get_unsubscribe_url(email_to, res_id)
