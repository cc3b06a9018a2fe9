from collections import defaultdict

import werkzeug.urls
from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.tools import SQL, consteq

from odoo.addons.consent_management.models.consent_initializer import EMAIL_HASH_SQL
from odoo.addons.consent_management.models.consent_record import SUBJECT_SOURCES

SUBSCRIPTION_REL = "res_partner_mailing_subscription_type_rel"
# Stands for the list of type names in a translated event note.
TYPES_MARKER = "\x1ftypes\x1f"

# Sources where the contact acted themselves (a salesperson wants to know).
CONTACT_SOURCES = ("portal", "unsubscribe_link", "email", "web_form", "spam_report")
# Bulk sources never schedule activities: nobody can call thousands of contacts.
BULK_SOURCES = ("initialisation", "import", "migration", "expiry")
PREFERENCES_TOKEN_SCOPE = "mass_mailing_subscriptions-preferences"


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_type_ids = fields.Many2many(
        "mailing.subscription.type",
        "res_partner_mailing_subscription_type_rel",
        "partner_id",
        "type_id",
        string="Subscriptions",
        help="The kinds of e-marketing this contact chose to receive. Mailings "
        "of a type only reach the contacts subscribed to it (while the "
        "e-marketing privacy switch is on).",
    )
    # Mailings look up the contacts sharing each recipient's address (a
    # withdrawal or the Robinson mark speaks for the address): indexed, as
    # Odoo leaves it.
    email_normalized = fields.Char(index="btree_not_null")
    subscription_preferences_url = fields.Char(
        string="Preferences Page",
        compute="_compute_subscription_preferences_url",
        # the link acts as the person: whoever holds it can re-grant e-marketing
        groups="consent_management.group_consent_officer",
        help="Personal link where the contact manages their subscriptions "
        "without logging in.",
    )

    # ------------------------------------------------------------------
    # Preferences page token
    # ------------------------------------------------------------------

    @api.model
    def _subscription_preferences_token(self, partner_id):
        """HMAC of the partner id keyed by the database secret."""
        return tools.hmac(self.env(su=True), PREFERENCES_TOKEN_SCOPE, int(partner_id))

    @api.model
    def _subscription_check_preferences_token(self, partner_id, token):
        """Constant-time check of a preferences token; False for any bad input."""
        if not token or not isinstance(token, str) or not token.isascii():
            return False  # consteq() raises on non-ASCII text
        if len(token) > 128:
            return False
        return consteq(self._subscription_preferences_token(partner_id), token)

    def _subscription_preferences_path(self):
        self.ensure_one()
        token = self._subscription_preferences_token(self.id)
        return f"/mailing/preferences/{self.id}/{token}"

    def _compute_subscription_preferences_url(self):
        for partner in self:
            if partner.id:
                partner.subscription_preferences_url = werkzeug.urls.url_join(
                    partner.get_base_url(), partner._subscription_preferences_path()
                )
            else:
                partner.subscription_preferences_url = False

    # ------------------------------------------------------------------
    # Subscription changes are consent evidence: log every one of them
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        with_types = partners.filtered("subscription_type_ids")
        if with_types:
            with_types._subscription_log_changes(
                {p.id: self.env["mailing.subscription.type"] for p in with_types}
            )
        return partners

    def write(self, vals):
        if "subscription_type_ids" not in vals:
            return super().write(vals)
        before = {partner.id: partner.subscription_type_ids for partner in self}
        res = super().write(vals)
        self._subscription_log_changes(before)
        return res

    def _subscription_log_changes(self, before):
        """Log one `preference` consent event per partner whose types changed.

        Partners with the same change share one call (set-based). The source
        and evidence come from the context keys ``consent_source`` and
        ``consent_evidence`` (the preferences page and one-click set them).
        """
        source = self.env.context.get("consent_source") or "manual"
        evidence = dict(self.env.context.get("consent_evidence") or {})
        if source in SUBJECT_SOURCES and not self.env.su:
            # the person's own act comes from the routes (as superuser), never
            # from a caller's context over JSON-RPC
            source, evidence = "manual", {}
        groups = defaultdict(lambda: self.browse())
        removed_by_partner = {}
        for partner in self:
            old = before.get(partner.id, self.env["mailing.subscription.type"])
            new = partner.subscription_type_ids
            added, removed = new - old, old - new
            if not added and not removed:
                continue
            groups[(added, removed)] |= partner
            if removed:
                removed_by_partner[partner] = removed
        for (added, removed), partners in groups.items():
            parts = []
            if added:
                parts.append(
                    self.env._(
                        "Subscribed to: %(types)s.",
                        types=", ".join(added.mapped("name")),
                    )
                )
            if removed:
                parts.append(
                    self.env._(
                        "Unsubscribed from: %(types)s.",
                        types=", ".join(removed.mapped("name")),
                    )
                )
            description = " ".join(parts)
            if evidence.get("description"):
                description = f"{evidence['description']} {description}"
            partners._consent_log_event(
                "emarketing",
                "preference",
                source,
                evidence=dict(evidence, description=description),
            )
            if source not in BULK_SOURCES:
                body = Markup("<p>%s</p>") % description
                partners.sudo()._message_log_batch(
                    bodies=dict.fromkeys(partners.ids, body)
                )
        if source in CONTACT_SOURCES and removed_by_partner:
            by_types = defaultdict(lambda: self.browse())
            for partner, removed in removed_by_partner.items():
                by_types[removed] |= partner
            for removed, partners in by_types.items():
                partners._subscription_notify_salesperson(removed)

    @api.model
    def _subscription_events_sql(self, changes, source, note, removed=False):
        """SQL inserting one `preference` consent event per contact of
        ``changes`` (SQL of ``(partner_id, type_id)`` rows, e.g. a CTE name),
        its note listing the types: set-based, for bulk changes that bypass
        the ORM (initialisation, deleted types)."""
        purpose = self._consent_get_purpose("emarketing")
        if removed:
            template = self.env._("Unsubscribed from: %(types)s.", types=TYPES_MARKER)
        else:
            template = self.env._("Subscribed to: %(types)s.", types=TYPES_MARKER)
        lang = self.env.lang or "en_US"
        now = fields.Datetime.now()
        return SQL(
            """
            INSERT INTO consent_event (
                partner_id, partner_email_hash, purpose_id, record_id, event_type,
                legal_basis, state, source, user_id, description,
                create_uid, create_date, write_uid, write_date)
            SELECT c.partner_id, %(email_hash)s, %(purpose)s, r.id, 'preference',
                   r.legal_basis, r.state, %(source)s, %(uid)s,
                   %(note)s || ' ' || replace(%(template)s, %(marker)s, c.names),
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM (SELECT ch.partner_id,
                           string_agg(COALESCE(st.name->>%(lang)s, st.name->>'en_US'),
                                      ', ' ORDER BY st.sequence, st.id) AS names
                      FROM %(changes)s ch
                      JOIN mailing_subscription_type st ON st.id = ch.type_id
                     GROUP BY ch.partner_id) c
              JOIN res_partner p ON p.id = c.partner_id
              LEFT JOIN consent_record r
                     ON r.partner_id = c.partner_id AND r.purpose_id = %(purpose)s
            """,
            email_hash=EMAIL_HASH_SQL,
            purpose=purpose.id,
            source=source,
            uid=self.env.uid,
            note=note,
            template=template,
            marker=TYPES_MARKER,
            lang=lang,
            now=now,
            changes=changes,
        )

    def _subscription_unsubscribe(self, sub_types, source, evidence=None):
        """Remove ``sub_types`` from the contacts, logged as `preference` events."""
        partners = self.filtered(lambda p: p.subscription_type_ids & sub_types)
        if partners:
            partners.with_context(
                consent_source=source, consent_evidence=evidence or {}
            ).write({"subscription_type_ids": [(3, t.id) for t in sub_types]})
        return partners

    def _subscription_core_optout(self):
        """While the e-marketing privacy switch is off, Odoo's blocklist is
        what keeps mailings away: a withdrawal also blocks the address."""
        if not self or self._consent_privacy_enabled():
            return
        Blacklist = self.env["mail.blacklist"].sudo()
        message = Markup("<p>%s</p>") % self.env._(
            "Withdrew from e-marketing on the preferences page."
        )
        for email in set(self.filtered("email_normalized").mapped("email_normalized")):
            Blacklist._add(email, message=message)

    # ------------------------------------------------------------------
    # Contacts merged (Odoo's merge wizard)
    # ------------------------------------------------------------------

    def _consent_merge_into(self, dst_partner):
        """Subscription types of merged contacts: the intersection when any
        of them withdrew from e-marketing (the most restrictive choice wins),
        the union otherwise. Logged on the kept contact as a `preference`
        event of source `merge`."""
        src = self - dst_partner
        if not src:
            return super()._consent_merge_into(dst_partner)
        partners = src | dst_partner
        withdrawn = any(p.emarketing_state == "withdrawn" for p in partners)
        types = dst_partner.subscription_type_ids
        for partner in src:
            if withdrawn:
                types &= partner.subscription_type_ids
            else:
                types |= partner.subscription_type_ids
        res = super()._consent_merge_into(dst_partner)
        # Odoo would move the merged contacts' rows onto the kept contact
        # (a union): they disappear with them instead.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE partner_id IN %s",
                SQL.identifier(SUBSCRIPTION_REL),
                tuple(src.ids),
            )
        )
        src.invalidate_recordset(["subscription_type_ids"])
        self.env["mailing.subscription.type"].invalidate_model(["partner_ids"])
        if types != dst_partner.subscription_type_ids:
            dst_partner.with_context(
                consent_source="merge",
                consent_evidence={
                    "description": self.env._(
                        "Merged with contact %(contacts)s.",
                        contacts=", ".join(f"{p.display_name} (#{p.id})" for p in src),
                    )
                },
            ).write({"subscription_type_ids": [Command.set(types.ids)]})
        return res

    # ------------------------------------------------------------------
    # Tell the salesperson
    # ------------------------------------------------------------------

    def _consent_on_withdrawn(self, purpose, source):
        res = super()._consent_on_withdrawn(purpose, source)
        if (
            purpose.code == "emarketing"
            and source not in BULK_SOURCES
            # e.g. SendGrid's spam report activity: one follow-up is enough
            and not self.env.context.get("consent_followup_planned")
        ):
            self._subscription_notify_salesperson()
        return res

    def _subscription_notify_salesperson(self, sub_types=None):
        """Schedule a call for the salesperson of each contact that opted out.

        :param sub_types: the subscription types the contacts left; empty means
            they withdrew from e-marketing altogether.
        """
        partners = self.filtered(lambda p: p.user_id and p.user_id.active)
        if not partners:
            return self.env["mail.activity"]
        activity_type = self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        ) or self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        # Avoid piling up identical open calls for the same contact.
        existing = (
            self.env["mail.activity"]
            .sudo()
            .search_fetch(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                    ("is_optout_followup", "=", True),
                ],
                ["res_id", "user_id"],
            )
        )
        done = {(act.res_id, act.user_id.id) for act in existing}
        vals_list = []
        for partner in partners:
            user = partner.user_id
            if (partner.id, user.id) in done:
                continue
            env_lang = self.with_context(lang=user.lang or self.env.lang).env
            if sub_types:
                summary = env_lang._(
                    "%(contact)s unsubscribed from %(types)s — call to keep "
                    "the relationship?",
                    contact=partner.display_name,
                    types=", ".join(sub_types.with_env(env_lang).mapped("name")),
                )
            else:
                summary = env_lang._(
                    "%(contact)s opted out of e-marketing — call to keep the "
                    "relationship?",
                    contact=partner.display_name,
                )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "summary": summary[:250],
                    "note": summary,
                    "date_deadline": fields.Date.context_today(self),
                    "is_optout_followup": True,
                }
            )
        if not vals_list:
            return self.env["mail.activity"]
        return self.env["mail.activity"].sudo().create(vals_list)
