import hashlib
import hmac
import json
import logging

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

OPEN_CALLER_ACTION = "unitel_telephony.unitel_call_action_open_caller"
OUTCOMES = ("answered", "missed", "busy", "failed")
# Every request to these routes is a few hundred bytes; anything bigger is
# refused (413) from its Content-Length before a byte of it is read
# (ir_http.py), and werkzeug stops reading at the limit otherwise.
MAX_BODY = 16 * 1024
MAX_NUMBER = 64  # characters of a phone number, extension or SIP address
MAX_ID = 128  # characters of a PBX call id, a login or a model name
MAX_USERS = 20  # logins one PBX notification may name
MAX_CONFIRMATIONS = 5  # answers to questions asked before dialling
FORM_TYPES = ("", "application/x-www-form-urlencoded")


class BadInput(ValueError):
    """A parameter of a request is malformed; the message says which, plainly."""


def clean_text(value, name, max_length=MAX_NUMBER, ascii_only=True):
    """Return ``value`` stripped, or None when empty; raise BadInput when it
    is not a short, printable string (a NUL byte cannot even be stored)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"'{name}' must be a string")
    if len(value) > max_length:
        raise BadInput(f"'{name}' is longer than {max_length} characters")
    if ascii_only and not all(32 <= ord(ch) < 127 for ch in value):
        raise BadInput(f"'{name}' may only hold printable ASCII characters")
    if not value.isprintable():
        raise BadInput(f"'{name}' holds control characters")
    return value.strip() or None


def single_params(*names):
    """Raise BadInput when a parameter is given more than once."""
    httprequest = request.httprequest
    for name in names:
        if (
            len(httprequest.args.getlist(name)) + len(httprequest.form.getlist(name))
            > 1
        ):
            raise BadInput(f"'{name}' is given more than once")


def token_matches(given, expected):
    """Constant-time comparison, whatever the lengths of the two tokens."""
    if not given or not expected:
        return False
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8", "replace")).digest(),
        hashlib.sha256(expected.encode("utf-8", "replace")).digest(),
    )


class UnitelController(http.Controller):
    # -- pop-up URL the softphone opens on every incoming call -------------------
    @http.route(
        "/unitel/incoming",
        type="http",
        auth="user",
        methods=["GET"],
        max_content_length=MAX_BODY,
    )
    def incoming(self, number=None, called=None, **kwargs):
        """Open the caller: one match → contact, several → list, none → new."""
        env = request.env
        if not env.user._is_internal():
            return self._incoming_error(
                _("Only internal users can open callers."), status=403
            )
        try:
            single_params("number", "called")
            number = clean_text(number, "number")
            called = clean_text(called, "called")
        except BadInput as exc:
            _logger.info("unitel_telephony: refused /unitel/incoming: %s", exc)
            return self._incoming_error(
                _(
                    "The softphone sent a malformed address: the number and the "
                    "called number must each be given once, in at most %(max)s "
                    "letters, digits and signs.",
                    max=MAX_NUMBER,
                )
            )
        try:
            call, partners = env["unitel.call"]._unitel_log_incoming(
                number, called=called
            )
        except UserError as exc:
            return self._incoming_error(exc.args[0], number=number or "")
        if len(partners) == 1:
            return request.redirect(f"/odoo/contacts/{partners.id}", code=303)
        return request.redirect(
            f"/odoo/{call.id}/action-{OPEN_CALLER_ACTION}", code=303
        )

    @staticmethod
    def _incoming_error(message, number="", status=400):
        return request.render(
            "unitel_telephony.incoming_error",
            {"message": message, "number": number},
            status=status,
        )

    # -- click-to-call from the web client --------------------------------------
    @http.route("/unitel/call", type="json", auth="user", max_content_length=MAX_BODY)
    def click_to_call(
        self, number=None, res_model=None, res_id=None, confirmations=None, **kwargs
    ):
        if not request.env.user._is_internal():
            raise AccessError(_("Only internal users can place calls."))
        try:
            confirmations = self._confirmations(confirmations)
        except BadInput as exc:
            _logger.info("unitel_telephony: refused /unitel/call: %s", exc)
            return {
                "ok": False,
                "message": _(
                    "The answer to the question before the call is malformed; "
                    "nothing was dialled. Click the call button again."
                ),
            }
        try:
            if isinstance(number, str):
                # the phone widget may hold non-breaking or other wide spaces
                number = " ".join(number.split())
            number = clean_text(number, "number")
            res_model = clean_text(res_model, "res_model", MAX_ID)
            if (
                res_id is not None
                and res_id is not False
                and (not isinstance(res_id, int) or isinstance(res_id, bool))
            ):
                raise BadInput("'res_id' must be a record id")
        except BadInput as exc:
            _logger.info("unitel_telephony: refused /unitel/call: %s", exc)
            return {
                "ok": False,
                "message": _(
                    "This number cannot be called: it must be given as text of "
                    "at most %(max)s letters, digits and signs.",
                    max=MAX_NUMBER,
                ),
            }
        try:
            return request.env["unitel.call"]._unitel_click_to_call(
                number,
                res_model=res_model,
                res_id=res_id,
                confirmations=confirmations,
            )
        except AccessError:
            raise
        except UserError as exc:
            return {"ok": False, "message": exc.args[0]}

    # -- server-to-server notification from the PBX ------------------------------
    @http.route(
        "/unitel/calls",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,
    )
    def calls(self, **kwargs):
        """Log a call reported by the PBX and notify the user(s) it is for.

        Fails closed: without a configured token, or with a wrong one, the
        answer is 403 and nothing is written. Malformed input is a 400 with
        a JSON ``error``; nothing is written either.
        """
        env = request.env(su=True)
        expected = env["unitel.call"]._unitel_param("webhook_token")
        if not token_matches(self._presented_token(), expected):
            _logger.warning("unitel_telephony: refused /unitel/calls (bad token)")
            return self._json({"error": "Forbidden: missing or wrong token"}, 403)
        try:
            payload = self._payload(kwargs)
            number = clean_text(payload.get("number"), "number") or clean_text(
                payload.get("caller"), "caller"
            )
            if not number:
                raise BadInput("'number' is required")
            called = clean_text(payload.get("called"), "called")
            extension = clean_text(payload.get("extension"), "extension")
            call_id = payload.get("call_id")
            if isinstance(call_id, int) and not isinstance(call_id, bool):
                call_id = str(call_id)
            external_id = clean_text(call_id, "call_id", MAX_ID)
            outcome = clean_text(payload.get("outcome"), "outcome")
            if outcome and outcome not in OUTCOMES:
                raise BadInput(f"'outcome' must be one of {', '.join(OUTCOMES)}")
            logins = self._logins(payload)
        except BadInput as exc:
            return self._json({"error": str(exc)}, 400)
        if external_id:
            existing = env["unitel.call"].search(
                [("external_id", "=", external_id)], limit=1
            )
            if existing:
                return self._json({"call_id": existing.id, "duplicate": True})
        users = self._target_users(env, logins, extension or called)
        try:
            call, partners = env["unitel.call"]._unitel_log_incoming(
                number,
                called=called,
                users=users,
                source="pbx",
                outcome=outcome,
                external_id=external_id,
            )
        except (UserError, ValidationError) as exc:
            return self._json({"error": exc.args[0]}, 400)
        call._unitel_notify(users)
        return self._json(
            {
                "call_id": call.id,
                "number": call.number,
                "partner_ids": partners.ids,
                "notified_user_ids": users.ids,
            }
        )

    # -- helpers -----------------------------------------------------------------
    @staticmethod
    def _confirmations(value):
        """The keys of the questions the user answered Yes to (see
        ``unitel.call._unitel_before_dial``): a short list of short names."""
        if value is None or value is False:
            return frozenset()
        if not isinstance(value, list) or len(value) > MAX_CONFIRMATIONS:
            raise BadInput(
                f"'confirmations' must be a list of at most {MAX_CONFIRMATIONS} names"
            )
        keys = (clean_text(key, "confirmations", MAX_ID) for key in value)
        return frozenset(key for key in keys if key)

    @staticmethod
    def _presented_token():
        """The notification token, from a header only: query strings and
        bodies end up in access logs."""
        headers = request.httprequest.headers
        auth = headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip()
        return headers.get("X-Unitel-Token", "")

    @staticmethod
    def _payload(kwargs):
        httprequest = request.httprequest
        if httprequest.mimetype == "application/json":
            try:
                data = json.loads(httprequest.get_data() or b"{}")
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadInput("The body is not valid JSON") from exc
            if not isinstance(data, dict):
                raise BadInput("The body must be a JSON object")
            return data
        if httprequest.mimetype not in FORM_TYPES:
            raise BadInput("Send the call as JSON (application/json) or as a form")
        single_params(
            "number", "caller", "called", "extension", "call_id", "outcome", "user"
        )
        return {k: v for k, v in kwargs.items() if k != "token"}

    @staticmethod
    def _logins(payload):
        logins = payload.get("users") or payload.get("user") or []
        if isinstance(logins, str):
            logins = [login for login in logins.split(",")]
        if not isinstance(logins, list) or len(logins) > MAX_USERS:
            raise BadInput(f"'users' must be a list of at most {MAX_USERS} logins")
        cleaned = [
            clean_text(login, "users", MAX_ID, ascii_only=False) for login in logins
        ]
        return [login for login in cleaned if login]

    @staticmethod
    def _target_users(env, logins, extension):
        Users = env["res.users"]
        users = Users.browse()
        if logins:
            users = Users.search([("login", "in", logins), ("share", "=", False)])
        if not users and extension:
            users = Users._unitel_users_for_number(
                extension, env["unitel.call"]._unitel_region()
            )
        return users

    @staticmethod
    def _json(data, status=200):
        return request.make_json_response(data, status=status)
