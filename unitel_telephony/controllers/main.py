import hmac
import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

OPEN_CALLER_ACTION = "unitel_telephony.unitel_call_action_open_caller"
OUTCOMES = ("answered", "missed", "busy", "failed")


class UnitelController(http.Controller):
    # -- pop-up URL the softphone opens on every incoming call -------------------
    @http.route("/unitel/incoming", type="http", auth="user", methods=["GET"])
    def incoming(self, number=None, called=None, **kwargs):
        """Open the caller: one match → contact, several → list, none → new."""
        env = request.env
        try:
            call, partners = env["unitel.call"]._unitel_log_incoming(
                number, called=called
            )
        except UserError as exc:
            return request.render(
                "unitel_telephony.incoming_error",
                {"message": exc.args[0], "number": number or ""},
                status=400,
            )
        if len(partners) == 1:
            return request.redirect(f"/odoo/contacts/{partners.id}", code=303)
        return request.redirect(
            f"/odoo/{call.id}/action-{OPEN_CALLER_ACTION}", code=303
        )

    # -- click-to-call from the web client --------------------------------------
    @http.route("/unitel/call", type="json", auth="user")
    def click_to_call(self, number, res_model=None, res_id=None):
        try:
            return request.env["unitel.call"]._unitel_click_to_call(
                number, res_model=res_model, res_id=res_id
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
    )
    def calls(self, **kwargs):
        """Log a call reported by the PBX and notify the user(s) it is for.

        Fails closed: without a configured token, or with a wrong one, the
        answer is 403 and nothing is written.
        """
        env = request.env(su=True)
        expected = env["unitel.call"]._unitel_param("webhook_token")
        given = self._presented_token(kwargs)
        if (
            not expected
            or not given
            or not hmac.compare_digest(given.encode(), expected.encode())
        ):
            _logger.warning("unitel_telephony: refused /unitel/calls (bad token)")
            raise Forbidden()
        payload = self._payload(kwargs)
        number = payload.get("number") or payload.get("caller")
        if not number:
            raise BadRequest("'number' is required")
        external_id = str(payload.get("call_id") or "") or None
        if external_id:
            existing = env["unitel.call"].search(
                [("external_id", "=", external_id)], limit=1
            )
            if existing:
                return self._json({"call_id": existing.id, "duplicate": True})
        outcome = payload.get("outcome")
        if outcome and outcome not in OUTCOMES:
            raise BadRequest(f"'outcome' must be one of {', '.join(OUTCOMES)}")
        users = self._target_users(env, payload)
        try:
            call, partners = env["unitel.call"]._unitel_log_incoming(
                number,
                called=payload.get("called"),
                users=users,
                source="pbx",
                outcome=outcome,
                external_id=external_id,
            )
        except (UserError, ValidationError) as exc:
            raise BadRequest(exc.args[0]) from exc
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
    def _presented_token(kwargs):
        headers = request.httprequest.headers
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return headers.get("X-Unitel-Token") or kwargs.get("token") or ""

    @staticmethod
    def _payload(kwargs):
        httprequest = request.httprequest
        if httprequest.mimetype == "application/json":
            try:
                data = json.loads(httprequest.get_data() or b"{}")
            except ValueError as exc:
                raise BadRequest("The body is not valid JSON") from exc
            if not isinstance(data, dict):
                raise BadRequest("The body must be a JSON object")
            return data
        return {k: v for k, v in kwargs.items() if k != "token"}

    @staticmethod
    def _target_users(env, payload):
        Users = env["res.users"]
        logins = payload.get("users") or payload.get("user") or []
        if isinstance(logins, str):
            logins = [login.strip() for login in logins.split(",") if login.strip()]
        users = Users.browse()
        if logins:
            users = Users.search([("login", "in", logins), ("share", "=", False)])
        extension = payload.get("extension") or payload.get("called")
        if not users and extension:
            users = Users._unitel_users_for_number(
                extension, env["unitel.call"]._unitel_region()
            )
        return users

    @staticmethod
    def _json(data, status=200):
        return request.make_json_response(data, status=status)
