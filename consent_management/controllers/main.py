from odoo import http
from odoo.http import request

from ..services import token


class ConsentController(http.Controller):
    """Double opt-in: a signed link shows the wording, a POST confirms it."""

    def _render(self, template, status=200, **values):
        return request.render(f"consent_management.{template}", values, status=status)

    def _evidence(self, purpose):
        environ = request.httprequest.environ
        return {
            "ip_address": environ.get("REMOTE_ADDR") or False,
            "user_agent": (environ.get("HTTP_USER_AGENT") or "")[:512] or False,
            "consent_text": purpose.consent_text or purpose.name,
            "consent_text_version": purpose.consent_text_version or False,
        }

    def _refuse(self, status):
        if status == token.EXPIRED:
            return self._render("consent_link_expired", status=410)
        if status == "used":
            return self._render("consent_link_used", status=409)
        return self._render("consent_link_invalid", status=403)

    @http.route(
        "/consent/confirm/<int:partner_id>/<string:purpose_code>/<int:expires_at>"
        "/<string:signature>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def consent_confirm_page(self, partner_id, purpose_code, expires_at, signature):
        Partner = request.env["res.partner"]
        status, partner, purpose = Partner._consent_check_link(
            partner_id, purpose_code, expires_at, signature
        )
        if status != token.VALID:
            return self._refuse(status)
        lang = partner.lang or request.env.lang
        return self._render(
            "consent_confirm_page",
            partner=partner,
            purpose=purpose.with_context(lang=lang),
            action_url=request.httprequest.path,
        )

    @http.route(
        "/consent/confirm/<int:partner_id>/<string:purpose_code>/<int:expires_at>"
        "/<string:signature>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        # The signed link is the credential; a forged request cannot know it.
        csrf=False,
    )
    def consent_confirm(self, partner_id, purpose_code, expires_at, signature, **kw):
        Partner = request.env["res.partner"]
        status, partner, purpose = Partner._consent_check_link(
            partner_id, purpose_code, expires_at, signature
        )
        if status != token.VALID:
            return self._refuse(status)
        lang = partner.lang or request.env.lang
        purpose = purpose.with_context(lang=lang)
        partner.with_context(
            consent_token_digest=token.digest(signature)
        )._consent_grant(
            purpose.code,
            legal_basis="consent",
            source="double_opt_in",
            evidence=self._evidence(purpose),
            event_type="confirm",
        )
        return self._render("consent_confirmed_page", partner=partner, purpose=purpose)
