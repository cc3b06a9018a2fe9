import re

from odoo import http
from odoo.http import request

from ..models.res_partner import MAX_PARTNER_ID, PURPOSE_CODE
from ..services import token

LINK_ROUTE = (
    "/consent/<string:action>/<int:partner_id>/<string:purpose_code>"
    "/<int:expires_at>/<string:signature>"
)
PAGES = {
    "confirm": ("consent_confirm_page", "consent_confirmed_page"),
    "withdraw": ("consent_withdraw_page", "consent_withdrawn_page"),
}
# What the links we sign look like; anything else is refused before any query.
SIGNATURE = re.compile(r"[0-9a-f]{64}", re.ASCII)
MAX_EXPIRY = 2**40  # UNIX time, far beyond any link validity


class ConsentController(http.Controller):
    """Signed, single-use links: GET shows the wording, POST records the answer."""

    def _render(self, template, status=200, **values):
        return request.render(f"consent_management.{template}", values, status=status)

    def _speak_as(self, partner):
        """The page in the contact's language, not the browser's: the link
        came by e-mail, written in that language."""
        installed = dict(request.env["res.lang"].sudo().get_installed())
        lang = partner.lang if partner.lang in installed else request.env.lang
        request.update_context(lang=lang)
        request.lang = request.env["res.lang"]._get_data(code=lang)
        return lang

    def _evidence(self, purpose, action):
        environ = request.httprequest.environ
        evidence = {
            "ip_address": environ.get("REMOTE_ADDR") or False,
            "user_agent": (environ.get("HTTP_USER_AGENT") or "")[:512] or False,
        }
        if action == "confirm":
            evidence["consent_text"] = purpose.consent_text or purpose.name
            evidence["consent_text_version"] = purpose.consent_text_version or False
        return evidence

    def _plain(self, status, message):
        return request.make_response(
            message,
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            status=status,
        )

    def _malformed(self, action, partner_id, purpose_code, expires_at, signature):
        """A plain 404/400 for input no signed link can contain, else None."""
        if action not in PAGES:
            return self._plain(404, request.env._("Unknown consent link."))
        if not (
            0 < partner_id <= MAX_PARTNER_ID
            and 0 <= expires_at <= MAX_EXPIRY
            and PURPOSE_CODE.fullmatch(purpose_code)
            and SIGNATURE.fullmatch(signature)
        ):
            return self._plain(400, request.env._("This consent link is malformed."))
        return None

    def _refuse(self, status):
        if status == token.EXPIRED:
            return self._render("consent_link_expired", status=410)
        if status == "used":
            return self._render("consent_link_used", status=409)
        return self._render("consent_link_invalid", status=403)

    def _check(self, action, partner_id, purpose_code, expires_at, signature):
        return request.env["res.partner"]._consent_check_link(
            partner_id, purpose_code, expires_at, signature, action=action
        )

    @http.route(LINK_ROUTE, type="http", auth="public", methods=["GET"], sitemap=False)
    def consent_link_page(
        self, action, partner_id, purpose_code, expires_at, signature
    ):
        malformed = self._malformed(
            action, partner_id, purpose_code, expires_at, signature
        )
        if malformed:
            return malformed
        status, partner, purpose = self._check(
            action, partner_id, purpose_code, expires_at, signature
        )
        if status != token.VALID:
            return self._refuse(status)
        lang = self._speak_as(partner)
        return self._render(
            PAGES[action][0],
            partner=partner,
            purpose=purpose.with_context(lang=lang),
            action_url=request.httprequest.path,
        )

    @http.route(
        LINK_ROUTE,
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        # The signed link is the credential; a forged request cannot know it.
        csrf=False,
    )
    def consent_link_answer(
        self, action, partner_id, purpose_code, expires_at, signature, **kw
    ):
        malformed = self._malformed(
            action, partner_id, purpose_code, expires_at, signature
        )
        if malformed:
            return malformed
        status, partner, purpose = self._check(
            action, partner_id, purpose_code, expires_at, signature
        )
        if status != token.VALID:
            return self._refuse(status)
        purpose = purpose.with_context(lang=self._speak_as(partner))
        partner = partner.with_context(consent_token_digest=token.digest(signature))
        evidence = self._evidence(purpose, action)
        if action == "confirm":
            partner._consent_grant(
                purpose.code,
                legal_basis="consent",
                source="double_opt_in",
                evidence=evidence,
                event_type="confirm",
            )
        else:
            partner._consent_withdraw(
                purpose.code, source="unsubscribe_link", evidence=evidence
            )
        return self._render(PAGES[action][1], partner=partner, purpose=purpose)
