from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound, Unauthorized

from odoo import Command, http
from odoo.http import Response, request
from odoo.tools import format_date

from odoo.addons.mass_mailing.controllers.main import MassMailController


def _evidence(purpose=None, description=None):
    """What the consent history keeps about a request from a browser."""
    environ = request.httprequest.environ
    evidence = {
        # REMOTE_ADDR is the WSGI key (REMOTE_ADDRESS would always be empty).
        "ip_address": environ.get("REMOTE_ADDR") or False,
        "user_agent": (environ.get("HTTP_USER_AGENT") or "")[:512] or False,
    }
    if purpose:
        evidence["consent_text"] = purpose.consent_text or purpose.name
        evidence["consent_text_version"] = purpose.consent_text_version or False
    if description:
        evidence["description"] = description
    return evidence


class SubscriptionPreferencesController(http.Controller):
    """The personal preferences page: no login, an HMAC token per contact."""

    def _preferences_partner(self, partner_id, token):
        Partner = request.env["res.partner"].sudo()
        # Same answer for an unknown contact and a wrong token: reveal nothing.
        if not Partner._subscription_check_preferences_token(partner_id, token):
            raise NotFound()
        partner = Partner.browse(partner_id).exists()
        if not partner:
            raise NotFound()
        return partner

    def _explicit_lang_path(self):
        """The requested path when it starts with a language code the visitor
        picked in the footer (``/nl/mailing/...``), else None. Odoo reroutes
        such URLs; REQUEST_URI keeps the original."""
        original = (request.httprequest.environ.get("REQUEST_URI") or "").split("?")[0]
        if original and not original.startswith("/mailing/"):
            return original
        return None

    def _preferences_lang(self, partner):
        installed = dict(request.env["res.lang"].sudo().get_installed())
        candidates = [partner.lang, request.env.lang]
        if self._explicit_lang_path() and getattr(request, "lang", None):
            candidates.insert(0, request.lang.code)
        for lang in candidates:
            if lang in installed:
                return lang
        return "en_US"

    def _preferences_save(self, partner, form):
        purpose = partner._consent_get_purpose("emarketing")
        evidence = _evidence(purpose)
        writer = partner.with_context(
            consent_source="portal", consent_evidence=evidence
        )
        if form.get("action") == "withdraw_all":
            # "All marketing": e-mail, and every other marketing purpose the
            # contact gave consent to (WhatsApp, SMS, ...), in one step.
            codes = {"emarketing"} | set(
                partner.consent_record_ids.filtered(
                    lambda r: r.state == "active" and r.purpose_id.is_marketing
                ).purpose_id.mapped("code")
            )
            for code in sorted(codes):
                partner._consent_withdraw(code, source="portal", evidence=evidence)
            if partner.subscription_type_ids:
                writer.write({"subscription_type_ids": [Command.clear()]})
            return "withdrawn"
        wants_emarketing = form.get("emarketing") == "1"
        if wants_emarketing and partner.emarketing_state != "active":
            partner._consent_grant(
                "emarketing", legal_basis="consent", source="portal", evidence=evidence
            )
        elif not wants_emarketing and partner.emarketing_state == "active":
            partner._consent_withdraw("emarketing", source="portal", evidence=evidence)
        offered = request.env["mailing.subscription.type"].sudo().search([])
        chosen_ids = {
            int(value)
            for value in form.getlist("subscription_type_ids")
            if value.isdigit()
        }
        # Types no longer offered on the page are kept as they are.
        new_types = (partner.subscription_type_ids - offered) | offered.filtered(
            lambda t: t.id in chosen_ids
        )
        if new_types != partner.subscription_type_ids:
            writer.write({"subscription_type_ids": [Command.set(new_types.ids)]})
        return "saved"

    def _preferences_values(self, partner, result=None):
        purpose = partner._consent_get_purpose("emarketing").with_context(
            lang=partner.env.lang
        )
        record = (
            request.env["consent.record"]
            .sudo()
            .search(
                [("partner_id", "=", partner.id), ("purpose_id", "=", purpose.id)],
                limit=1,
            )
        )
        env = partner.env
        company = partner.company_id or request.env.company
        greeting = Markup(
            escape(
                env._("Hello %(name)s, choose what %(company)s may send you by e-mail.")
            )
        ) % {
            "name": Markup('<strong class="o_preferences_name">%s</strong>')
            % partner.name,
            "company": company.name,
        }
        state_line = False
        if record.state == "active" and record.captured_at:
            state_line = env._(
                "Allowed since %(date)s.",
                date=format_date(env, record.captured_at, lang_code=env.lang),
            )
        elif record.state == "withdrawn" and record.withdrawn_at:
            state_line = env._(
                "You withdrew on %(date)s.",
                date=format_date(env, record.withdrawn_at, lang_code=env.lang),
            )
        return {
            "partner": partner,
            "company": company,
            "greeting": greeting,
            "state_line": state_line,
            "purpose": purpose,
            "record": record,
            "emarketing_active": partner.emarketing_state == "active",
            "consent_text": purpose.consent_text or purpose.description or purpose.name,
            "types": request.env["mailing.subscription.type"]
            .sudo()
            .with_context(lang=partner.env.lang)
            .search([]),
            "subscribed": partner.subscription_type_ids,
            "result": result,
            "action_url": self._explicit_lang_path() or request.httprequest.path,
        }

    @http.route(
        "/mailing/preferences/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        multilang=False,
        sitemap=False,
    )
    def subscription_preferences(self, partner_id, token, **post):
        partner = self._preferences_partner(partner_id, token)
        lang = self._preferences_lang(partner)
        # The contact's language, not the browser's: the link came by e-mail.
        request.lang = request.env["res.lang"]._get_data(code=lang)
        request.update_context(lang=lang)
        partner = partner.with_context(lang=lang)
        result = None
        if request.httprequest.method == "POST":
            result = self._preferences_save(partner, request.httprequest.form)
            partner.invalidate_recordset()
        response = request.render(
            "mass_mailing_subscriptions.preferences_page",
            self._preferences_values(partner, result),
        )
        # The URL is the key to the page: keep it out of Referer headers,
        # search engines and shared caches.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Cache-Control"] = "no-store"
        return response

    @http.route(
        "/my/subscriptions", type="http", auth="user", website=True, sitemap=False
    )
    def my_subscriptions(self, **kw):
        """Logged-in portal users reach their own preferences page from /my."""
        partner = request.env.user.partner_id
        return request.redirect(partner.sudo()._subscription_preferences_path())


class MassMailSubscriptionsController(MassMailController):
    @http.route()
    def mailing_confirm_unsubscribe(
        self, mailing_id, document_id=None, email=None, hash_token=None
    ):
        """Unsubscribe links of e-mails sent before the switch was on lead to
        the contact's preferences page too (after Odoo's token check)."""
        mailing_sudo = request.env["mailing.mailing"].sudo().browse(mailing_id).exists()
        if (
            hash_token
            and mailing_sudo
            and mailing_sudo.mailing_type == "mail"
            and request.env["res.partner"].sudo()._consent_privacy_enabled()
        ):
            try:
                self._check_mailing_email_token(
                    mailing_id, document_id, email, hash_token, required_mailing_id=True
                )
            except NotFound as exc:
                raise Unauthorized() from exc
            partner = mailing_sudo._consent_recipient_partners(document_id, email)[:1]
            if partner:
                return request.redirect(partner._subscription_preferences_path())
        return super().mailing_confirm_unsubscribe(
            mailing_id, document_id=document_id, email=email, hash_token=hash_token
        )

    @http.route()
    def mailing_unsubscribe_oneclick(
        self, mailing_id, document_id=None, email=None, hash_token=None, **post
    ):
        """RFC 8058 one-click: leave the mailing's subscription type, or
        withdraw E-marketing when the mailing has none."""
        mailing_sudo = request.env["mailing.mailing"].sudo().browse(mailing_id).exists()
        if (
            not mailing_sudo
            or mailing_sudo.mailing_type != "mail"
            or not request.env["res.partner"].sudo()._consent_privacy_enabled()
        ):
            return super().mailing_unsubscribe_oneclick(
                mailing_id,
                document_id=document_id,
                email=email,
                hash_token=hash_token,
                **post,
            )
        try:
            self._check_mailing_email_token(
                mailing_id, document_id, email, hash_token, required_mailing_id=True
            )
        except NotFound as exc:  # do not leak whether the mailing exists
            raise Unauthorized() from exc
        partners = mailing_sudo._consent_recipient_partners(document_id, email)
        if not partners:
            return super().mailing_unsubscribe_oneclick(
                mailing_id,
                document_id=document_id,
                email=email,
                hash_token=hash_token,
                **post,
            )
        evidence = _evidence(
            description=request.env._(
                "One-click unsubscribe from the mailing “%(mailing)s”.",
                mailing=mailing_sudo.subject or mailing_sudo.name,
            )
        )
        sub_type = mailing_sudo.subscription_type_id
        if sub_type:
            changed = partners._subscription_unsubscribe(
                sub_type, "unsubscribe_link", evidence
            )
            if partners - changed:
                # Already unsubscribed: the repeated request is still evidence.
                (partners - changed)._consent_log_event(
                    "emarketing", "preference", "unsubscribe_link", evidence
                )
        else:
            partners._consent_withdraw(
                "emarketing", source="unsubscribe_link", evidence=evidence
            )
        return Response(status=200)
