import re

from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest, Forbidden, NotFound, Unauthorized

from odoo import Command, http
from odoo.http import Response, request
from odoo.tools import format_date

from odoo.addons.mass_mailing.controllers.main import MassMailController

# Mailing recipient tokens are SHA-512 HMACs in hex.
RECIPIENT_TOKEN = re.compile(r"[0-9a-f]{128}\Z")
DOCUMENT_ID = re.compile(r"[0-9]{1,10}\Z")
# RFC 5321: a forward path is at most 256 octets; leave room for a display name.
MAX_EMAIL_LENGTH = 320
MAX_FORM_BYTES = 16 * 1024
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PREFERENCE_ACTIONS = ("save", "withdraw_all")


def _bad_request(message):
    """A 400 with a plain message, before anything is read or written."""
    return BadRequest(message)


def _single_values(names):
    """Refuse a repeated query or form parameter: which one would be meant?"""
    values = request.httprequest.values
    for name in names:
        if len(values.getlist(name)) > 1:
            raise _bad_request(
                request.env._("The parameter %(name)s is repeated.", name=name)
            )


def _clean_recipient_params(document_id, email, hash_token, required=True):
    """Validate the triplet of a mailing link; a 400 for anything malformed.

    With ``required`` (one-click), the token is the only credential for
    everyone, logged-in mass-mailing users included: the route takes no CSRF
    token, so a cross-site form must not be able to act for any contact.
    """
    _single_values(("document_id", "email", "hash_token"))
    if not required and not hash_token and not document_id and not email:
        return None, None, None
    if not (hash_token and document_id and email):
        raise _bad_request(
            request.env._(
                "This link is incomplete: document, e-mail and token are needed."
            )
        )
    if not DOCUMENT_ID.match(document_id):
        raise _bad_request(request.env._("This link names no valid document."))
    if len(email) > MAX_EMAIL_LENGTH or not email.isprintable():
        raise _bad_request(request.env._("This link names no valid e-mail address."))
    if not RECIPIENT_TOKEN.match(hash_token):
        raise _bad_request(request.env._("This link has no valid token."))
    return int(document_id), email, hash_token


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


def _active_purposes(partner, purposes):
    """The purposes of ``purposes`` the contact's record says are allowed
    (the page shows the person's own choice, whatever the privacy switch)."""
    return (
        partner.sudo()
        .consent_record_ids.filtered(
            lambda r: r.state == "active" and r.purpose_id in purposes
        )
        .purpose_id
    )


class SubscriptionPreferencesController(http.Controller):
    """The personal preferences page: no login, an HMAC token per contact."""

    def _preferences_partner(self, partner_id, token):
        Partner = request.env["res.partner"].sudo()
        if request.httprequest.query_string:
            _single_values(request.httprequest.args.keys())
        # A 404 on a website route looks the path up as an attachment, which
        # fails on a NUL byte: refuse such a token before that, as a 400.
        if not (token.isascii() and token.isprintable()) or len(token) > 128:
            raise _bad_request(request.env._("This link is not valid."))
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

    def _preferences_form(self, partner):
        """The submitted choices, or a 400 when the request is not this page's
        own form: nothing is written for a malformed request."""
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_FORM_BYTES:
            raise _bad_request(request.env._("The request is too large."))
        if httprequest.mimetype not in FORM_CONTENT_TYPES:
            raise _bad_request(request.env._("Send the preferences form, please."))
        form = httprequest.form
        _single_values(
            (
                "action",
                "emarketing",
                "csrf_token",
                "shown_emarketing",
                "shown_active_ids",
                "shown_type_ids",
            )
        )
        action = form.get("action")
        if action not in PREFERENCE_ACTIONS:
            raise _bad_request(request.env._("Unknown action."))
        if action == "withdraw_all":
            # Withdrawing is always honoured: what else a (stale) tab sends,
            # e.g. a type archived since it was loaded, cannot block it.
            return {
                "action": action,
                "channels": partner._consent_reachable_purposes(),
            }
        if form.get("emarketing") not in (None, "1"):
            raise _bad_request(request.env._("Unknown e-marketing choice."))
        # What the page showed when it was loaded; None for a form without it
        # (an old tab): then nothing is granted, only withdrawals are honoured.
        shown_emarketing = form.get("shown_emarketing")
        if shown_emarketing not in (None, "0", "1"):
            raise _bad_request(request.env._("Unknown e-marketing choice."))
        offered = request.env["mailing.subscription.type"].sudo().search([])
        chosen_ids = self._preferences_type_ids(
            form.getlist("subscription_type_ids"), offered
        )
        shown_value = form.get("shown_type_ids")
        shown_type_ids = (
            None
            if shown_value is None
            else self._preferences_type_ids(
                filter(None, shown_value.split(",")), offered
            )
        )
        # The other channels: only those the page offers this contact.
        channels = partner._consent_reachable_purposes()
        chosen_channel_ids = set()
        for value in form.getlist("purpose_ids"):
            if not DOCUMENT_ID.match(value) or int(value) not in channels.ids:
                raise _bad_request(request.env._("Unknown channel."))
            chosen_channel_ids.add(int(value))
        shown_channel_ids = None
        shown_value = form.get("shown_active_ids")
        if shown_value is not None:
            shown_channel_ids = set()
            for value in filter(None, shown_value.split(",")):
                if not DOCUMENT_ID.match(value) or int(value) not in channels.ids:
                    raise _bad_request(request.env._("Unknown channel."))
                shown_channel_ids.add(int(value))
        return {
            "action": action,
            "emarketing": form.get("emarketing") == "1",
            "shown_emarketing": (
                None if shown_emarketing is None else shown_emarketing == "1"
            ),
            "offered": offered,
            "chosen": offered.filtered(lambda t: t.id in chosen_ids),
            "shown_types": (
                None
                if shown_type_ids is None
                else offered.filtered(lambda t: t.id in shown_type_ids)
            ),
            "channels": channels,
            "chosen_channels": channels.filtered(lambda p: p.id in chosen_channel_ids),
            "shown_channels": (
                None
                if shown_channel_ids is None
                else channels.filtered(lambda p: p.id in shown_channel_ids)
            ),
        }

    def _preferences_type_ids(self, values, offered):
        """Ids of offered types among the form's ``values``; a type archived
        since the page was loaded is left out, anything else is a 400.
        One query at most, however many values the form sends."""
        offered_ids = set(offered.ids)
        ids, others = set(), set()
        for value in values:
            # str.isdigit() accepts "²", which int() refuses.
            if not DOCUMENT_ID.match(value):
                raise _bad_request(request.env._("Unknown subscription type."))
            (ids if int(value) in offered_ids else others).add(int(value))
        if others:
            archived = (
                offered.with_context(active_test=False)
                .search([("id", "in", list(others)), ("active", "=", False)])
                .ids
            )
            if len(archived) != len(others):
                raise _bad_request(request.env._("Unknown subscription type."))
        return ids

    def _preferences_save(self, partner, choices):
        purpose = partner._consent_get_purpose("emarketing")
        evidence = _evidence(purpose)
        writer = partner.with_context(
            consent_source="portal", consent_evidence=evidence
        )
        if choices["action"] == "withdraw_all":
            # "All marketing": e-mail, and every other marketing purpose the
            # contact gave consent to (WhatsApp, SMS, ...), in one step.
            # The channels shown on the page are withdrawn even without a
            # record: the person said no to each of them.
            purposes = (
                purpose
                | choices["channels"]
                | partner.consent_record_ids.filtered(
                    lambda r: r.state == "active" and r.purpose_id.is_marketing
                ).purpose_id
            )
            for each in purposes.sorted("code"):
                partner._consent_withdraw(
                    each.code, source="portal", evidence=_evidence(each)
                )
            if partner.subscription_type_ids:
                writer.write({"subscription_type_ids": [Command.clear()]})
            partner._subscription_core_optout()
            return "withdrawn"
        # Only what the person switched: a stale tab must not undo a
        # withdrawal made elsewhere since the page was loaded.
        shown = choices["shown_emarketing"]
        if (
            choices["emarketing"]
            and shown is False
            and partner.emarketing_state != "active"
        ):
            partner._consent_grant(
                "emarketing", legal_basis="consent", source="portal", evidence=evidence
            )
        elif (
            not choices["emarketing"]
            and shown is not False
            and partner.emarketing_state == "active"
        ):
            partner._consent_withdraw("emarketing", source="portal", evidence=evidence)
            partner._subscription_core_optout()
        self._preferences_save_channels(partner, choices)
        # Only the types the person switched: ticked on the page joins,
        # unticked leaves. A type left elsewhere since the page was loaded
        # (one-click, a SendGrid group) stays left, one joined elsewhere stays
        # joined. Without the state the page showed, nothing is joined, as for
        # the channels. Types not offered are kept as they are.
        current = partner.subscription_type_ids
        shown = choices["shown_types"]
        unticked = choices["offered"] - choices["chosen"]
        if shown is None:
            joined, left = current.browse(), unticked & current
        else:
            joined = (choices["chosen"] - shown) - current
            left = (unticked & shown) & current
        if left or joined:
            # link / unlink, not a set: archived types the contact has stay
            writer.write(
                {
                    "subscription_type_ids": [Command.unlink(t.id) for t in left]
                    + [Command.link(t.id) for t in joined]
                }
            )
        return "saved"

    def _preferences_save_channels(self, partner, choices):
        """WhatsApp, SMS and phone marketing as the person switched them: a
        grant for a switch turned on, a withdrawal for one turned off (the
        person's own act, source portal, with the purpose's wording as
        evidence). Without the state the page showed, nothing is granted."""
        allowed = _active_purposes(partner, choices["channels"])
        shown = choices["shown_channels"]
        for purpose in choices["channels"]:
            wanted = purpose in choices["chosen_channels"]
            was_on = None if shown is None else purpose in shown
            if wanted and was_on is False and purpose not in allowed:
                partner._consent_grant(
                    purpose.code,
                    legal_basis="consent",
                    source="portal",
                    evidence=_evidence(purpose),
                )
            elif not wanted and was_on is not False and purpose in allowed:
                partner._consent_withdraw(
                    purpose.code, source="portal", evidence=_evidence(purpose)
                )

    def _preferences_state_line(self, record):
        env = request.env
        if record.state == "active" and record.captured_at:
            return env._(
                "Allowed since %(date)s.",
                date=format_date(env, record.captured_at, lang_code=env.lang),
            )
        if record.state == "withdrawn" and record.withdrawn_at:
            return env._(
                "You withdrew on %(date)s.",
                date=format_date(env, record.withdrawn_at, lang_code=env.lang),
            )
        return False

    def _preferences_channels(self, partner):
        """What the page shows of each other channel that reaches the contact."""
        purposes = partner._consent_reachable_purposes().with_context(
            lang=partner.env.lang
        )
        allowed = _active_purposes(partner, purposes)
        records = {r.purpose_id: r for r in partner.sudo().consent_record_ids}
        return [
            {
                "purpose": purpose,
                "is_active": purpose in allowed,
                "label": purpose.consent_text or purpose.description or purpose.name,
                "state_line": self._preferences_state_line(
                    records.get(purpose, request.env["consent.record"])
                ),
            }
            for purpose in purposes
        ]

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
        channels = self._preferences_channels(partner)
        if channels:
            greeting = env._(
                "Hello %(name)s, choose how %(company)s may contact you with marketing."
            )
        else:
            greeting = env._(
                "Hello %(name)s, choose what %(company)s may send you by e-mail."
            )
        greeting = Markup(escape(greeting)) % {
            "name": Markup('<strong class="o_preferences_name">%s</strong>')
            % partner.name,
            "company": company.name,
        }
        state_line = self._preferences_state_line(record)
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
            "channels": channels,
            "is_protected": partner.is_marketing_protected,
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
            choices = self._preferences_form(partner)
            result = self._preferences_save(partner, choices)
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
        """Unsubscribe links lead to the contact's preferences page (after
        Odoo's token check), whatever the privacy switch."""
        document_id, email, hash_token = _clean_recipient_params(
            document_id, email, hash_token, required=False
        )
        mailing_sudo = request.env["mailing.mailing"].sudo().browse(mailing_id).exists()
        if hash_token and mailing_sudo and mailing_sudo.mailing_type == "mail":
            try:
                self._check_mailing_email_token(
                    mailing_id, document_id, email, hash_token, required_mailing_id=True
                )
            except (NotFound, Unauthorized) as exc:  # reveal nothing
                raise Forbidden() from exc
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
        withdraw E-marketing when the mailing has none.

        The route takes no CSRF token (mail programs post it), so the link's
        token is required for everyone: without it a cross-site form could
        act for any contact a mass-mailing user names.
        """
        if (request.httprequest.content_length or 0) > MAX_FORM_BYTES:
            raise _bad_request(request.env._("The request is too large."))
        document_id, email, hash_token = _clean_recipient_params(
            document_id, email, hash_token
        )
        try:
            mailing_sudo = self._check_mailing_email_token(
                mailing_id, document_id, email, hash_token, required_mailing_id=True
            )
        except (NotFound, Unauthorized) as exc:  # reveal nothing
            raise Forbidden() from exc
        partners = (
            mailing_sudo._consent_recipient_partners(document_id, email)
            if mailing_sudo.mailing_type == "mail"
            else request.env["res.partner"]
        )
        if partners:
            self._oneclick_record_choice(mailing_sudo, partners)
            if partners._consent_privacy_enabled():
                return Response(status=200)
        # No contact, or the privacy switch is off: Odoo's own opt-out (list
        # or blocklist) is what keeps the next mailing away.
        return super().mailing_unsubscribe_oneclick(
            mailing_id,
            document_id=document_id,
            email=email,
            hash_token=hash_token,
            **post,
        )

    def _oneclick_record_choice(self, mailing_sudo, partners):
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
