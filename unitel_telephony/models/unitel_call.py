import logging

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.partner_phone_e164.services import phone as phone_service

from ..services import client as client_service

_logger = logging.getLogger(__name__)

PARAM = "unitel_telephony.%s"
DEFAULTS = {
    "call_mode": "tel",
    "api_method": "POST",
    "api_headers": "Authorization: Bearer {token}",
    "api_body_template": '{"from": "{from}", "to": "{to}"}',
    "api_timeout": "10",
}
CALL_MODES = ("tel", "callto", "api")
MANAGER_GROUP = "unitel_telephony.group_unitel_manager"
# set by the PBX notification only (or a manager correcting the log)
RESTRICTED_FIELDS = frozenset({"external_id", "source", "notified_user_ids"})
MATCH_LIMIT = 80  # contacts shown in the "several contacts match" list


class UnitelCall(models.Model):
    _name = "unitel.call"
    _description = "Phone Call"
    _order = "call_date desc, id desc"

    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing")],
        required=True,
        index=True,
    )
    number = fields.Char(
        required=True,
        index=True,
        help="The other party's number in international E.164 form.",
    )
    number_presented = fields.Char(
        string="Number as Received",
        help="The number exactly as the softphone or the PBX sent it.",
    )
    called_number = fields.Char(
        help="For incoming calls: which of your numbers or extensions was called."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index=True, ondelete="set null"
    )
    user_id = fields.Many2one(
        "res.users",
        index=True,
        default=lambda self: self.env.user,
        ondelete="set null",
    )
    call_date = fields.Datetime(
        string="Time", required=True, index=True, default=fields.Datetime.now
    )
    outcome = fields.Selection(
        [
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("busy", "Busy"),
            ("failed", "Failed"),
        ],
        help="How the call ended, when the PBX or the API said so.",
    )
    source = fields.Selection(
        [
            ("click_to_call", "Click-to-call"),
            ("popup", "Softphone pop-up"),
            ("pbx", "PBX notification"),
            ("manual", "Entered by hand"),
        ],
        default="manual",
        required=True,
    )
    res_model = fields.Char(
        string="Document Model", help="Record the number was called from."
    )
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model")
    external_id = fields.Char(
        string="PBX Call ID",
        copy=False,
        help="The PBX's own id of the call; a second notification with the same id "
        "is ignored.",
    )
    notified_user_ids = fields.Many2many(
        "res.users",
        "unitel_call_notified_user_rel",
        "call_id",
        "user_id",
        string="Notified Users",
        readonly=True,
        help="Users the PBX notification showed this call to; they may open it.",
    )
    error_message = fields.Text(string="Error", readonly=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )

    _sql_constraints = [
        (
            "external_id_unique",
            "UNIQUE(external_id)",
            "This PBX call has already been logged.",
        ),
    ]

    # -- display ---------------------------------------------------------------
    @api.depends("direction", "number", "partner_id")
    def _compute_display_name(self):
        for call in self:
            who = call.partner_id.display_name or call._format_number()
            if call.direction == "incoming":
                call.display_name = _("Incoming call from %(who)s", who=who)
            else:
                call.display_name = _("Outgoing call to %(who)s", who=who)

    def _format_number(self):
        try:
            return phone_service.to_international(self.number)
        except phone_service.PhoneNumberError:
            return self.number or ""

    # -- CRUD ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        calls = super().create(vals_list)
        calls._check_unitel_access(created=True)
        if not self.env.context.get("unitel_defer_chatter"):
            calls._post_in_chatter()
        return calls

    def write(self, vals):
        if vals.keys() & RESTRICTED_FIELDS and not self._unitel_is_manager():
            raise AccessError(self._unitel_restricted_message())
        result = super().write(vals)
        if vals.keys() & {"user_id", "partner_id", "res_model", "res_id"}:
            self._check_unitel_access()
        return result

    def _unitel_is_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def _unitel_restricted_message(self):
        return _("Only the PBX notification records PBX calls and their ids.")

    def _check_unitel_access(self, created=False):
        """Checked after create and write, so defaults and ``default_*``
        context count too: what only the PBX or a manager may set, and read
        access to the contact and document a call is logged on."""
        if self._unitel_is_manager():
            return
        for call in self:
            if created and (
                call.external_id or call.source == "pbx" or call.notified_user_ids
            ):
                raise AccessError(self._unitel_restricted_message())
            if call.user_id != self.env.user:
                raise AccessError(_("You can only log your own calls."))
            if call.partner_id:
                call.partner_id.check_access("read")
            document = call._get_document()
            if document is not None:
                document.check_access("read")

    def _post_in_chatter(self):
        """Log each call on the contact's chatter (and the document called from),
        authored by the call's user, on records the user may read."""
        for call in self:
            body = Markup("<p>%s</p>") % call.display_name
            details = call._unitel_chatter_details()
            if details:
                body += Markup("<p>%s</p>") % " · ".join(details)
            targets = call.partner_id
            document = call._get_document()
            if document and document != call.partner_id:
                targets = [call.partner_id, document] if call.partner_id else [document]
            author = call.user_id.partner_id or (
                self.env.ref("base.partner_root")
                if self.env.su
                else self.env.user.partner_id
            )
            for target in targets or []:
                if not hasattr(target, "_message_log"):
                    continue
                # the PBX notification (superuser) logs on the matched contact
                if self.env.su or target.has_access("read"):
                    target._message_log(body=body, author_id=author.id)

    def _unitel_chatter_details(self):
        """The parts of the chatter line under the call's name (override to
        add yours): outcome, user, error."""
        self.ensure_one()
        details = []
        if self.outcome:
            outcomes = dict(self._fields["outcome"]._description_selection(self.env))
            details.append(outcomes[self.outcome])
        if self.user_id:
            details.append(self.user_id.name)
        if self.error_message:
            details.append(self.error_message)
        return details

    def _get_document(self):
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    # -- settings --------------------------------------------------------------
    @api.model
    def _unitel_param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM % key)
        return value if value not in (None, False, "") else DEFAULTS.get(key, "")

    @api.model
    def _unitel_call_mode(self):
        mode = self._unitel_param("call_mode")
        return mode if mode in CALL_MODES else "tel"

    @api.model
    def _unitel_originate_client(self):
        """The configured HTTP API client (override to plug another transport)."""
        get = self._unitel_param
        try:
            timeout = float(get("api_timeout"))
        except ValueError:
            timeout = client_service.DEFAULT_TIMEOUT
        return client_service.OriginateClient(
            url=get("api_url"),
            method=get("api_method"),
            headers=get("api_headers"),
            token=get("api_token"),
            body_template=get("api_body_template"),
            success_path=get("api_success_path"),
            success_value=get("api_success_value"),
            error_path=get("api_error_path"),
            timeout=timeout,
        )

    # -- numbers ---------------------------------------------------------------
    @api.model
    def _unitel_region(self, record=None):
        """Country code used to read national numbers (record's, else company's)."""
        if record is not None and record:
            country = record._phone_get_country().get(record.id)
            if country:
                return country.code
        return self._unitel_company_region()

    @api.model
    def _unitel_company_region(self):
        """Country code of the current company, read in one query: the
        company's ``country_id`` is computed from its address on every read."""
        self.env["res.partner"].flush_model(["country_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT country.code
                  FROM res_company company
                  JOIN res_partner cpartner ON cpartner.id = company.partner_id
                  JOIN res_country country ON country.id = cpartner.country_id
                 WHERE company.id = %s
                """,
                self.env.company.id,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _unitel_normalise(self, number, region=None):
        """E.164 of ``number`` or a UserError in the user's language."""
        try:
            return phone_service.to_e164(number, region)
        except phone_service.PhoneNumberError as exc:
            raise UserError(self._unitel_number_error_message(exc)) from exc

    @api.model
    def _unitel_number_error_message(self, exc):
        number = exc.number
        messages = {
            "empty": _("No phone number was given."),
            "not_a_number": _("“%(number)s” is not a phone number.", number=number),
            "no_country": _(
                "“%(number)s” has no country code (like +45) and your company has "
                "no country to read it as a national number. Set the company's "
                "country or use the international form.",
                number=number,
            ),
            "invalid_country_code": _(
                "“%(number)s” does not start with a known country code.",
                number=number,
            ),
            "too_short": _(
                "“%(number)s” has too few digits to be a phone number.", number=number
            ),
            "too_long": _(
                "“%(number)s” has too many digits to be a phone number.",
                number=number,
            ),
        }
        return messages.get(
            exc.reason,
            _("“%(number)s” is not a possible phone number.", number=number),
        )

    @api.model
    def _unitel_originate_error_detail(self, exc):
        """Our own part of an error in the user's language (the server's words
        are quoted as they are)."""
        params = exc.params
        details = {
            "no_url": _("the API URL is empty"),
            "bad_url": _("the API URL must start with http:// or https://"),
            "no_own_number": _(
                "your own number or extension is not set in your preferences"
            ),
            "bad_own_number": _(
                "your own number or extension in your preferences is not an "
                "extension or a phone number"
            ),
            "token_outside_header": _(
                "the API token may only be sent in a header, not in the URL or the body"
            ),
            "no_number": _("there is no number to call"),
            "headers_not_json": _("the API headers are not a valid JSON object"),
            "header_line": _(
                "the header line “%(line)s” is not of the form “Name: value”",
                line=params.get("line", ""),
            ),
            "body_not_json": _("the body template is not valid JSON"),
            "refused": _(
                "%(host)s refused the connection", host=params.get("host", "")
            ),
            "unknown_host": _(
                "the name %(host)s could not be found", host=params.get("host", "")
            ),
            "unreachable": _(
                "%(host)s did not accept the connection", host=params.get("host", "")
            ),
            "not_json": _("the answer is not JSON"),
            "missing_path": _(
                "“%(path)s” is missing in the answer", path=params.get("path", "")
            ),
            "unexpected_value": _(
                "“%(path)s” is %(value)s",
                path=params.get("path", ""),
                value=params.get("value", ""),
            ),
        }
        return details.get(exc.reason) or exc.detail or _("no details")

    @api.model
    def _unitel_originate_error_message(self, exc):
        detail = self._unitel_originate_error_detail(exc)
        messages = {
            "not_configured": _(
                "Calling through the telephony API is not set up: %(detail)s",
                detail=detail,
            ),
            "connection": _(
                "The telephony server could not be reached (%(detail)s). Check the "
                "API URL in Settings or try again in a moment.",
                detail=detail,
            ),
            "timeout": _(
                "The telephony server did not answer within %(seconds)s seconds. "
                "The call was not started.",
                seconds=exc.timeout,
            ),
            "client_error": _(
                "The telephony server refused the call (HTTP %(status)s): %(detail)s",
                status=exc.status,
                detail=detail,
            ),
            "server_error": _(
                "The telephony server has a problem (HTTP %(status)s): %(detail)s. "
                "Try again later.",
                status=exc.status,
                detail=detail,
            ),
            "rejected": _(
                "The telephony server did not start the call: %(detail)s",
                detail=detail,
            ),
            "bad_response": _(
                "The telephony server's answer could not be understood: %(detail)s",
                detail=detail,
            ),
        }
        return messages.get(exc.kind, str(exc))

    # -- lookups ---------------------------------------------------------------
    @api.model
    def _unitel_match_number(self, number, region=None):
        """Return ``(e164, partners)`` for a number in any format.

        This is the incoming-call lookup: normalise once, then one indexed
        equality search on the stored E.164 columns.
        """
        e164 = self._unitel_normalise(number, region or self._unitel_region())
        return e164, self.env["res.partner"]._search_e164(e164, limit=MATCH_LIMIT)

    # -- incoming --------------------------------------------------------------
    @api.model
    def _unitel_log_incoming(
        self,
        number,
        called=None,
        users=None,
        source="popup",
        outcome=None,
        external_id=None,
        call_date=None,
    ):
        """Log an incoming call and return ``(call, partners)``.

        ``partners`` are all contacts matching the caller; the call is linked
        to the contact when exactly one matches.
        """
        e164, partners = self._unitel_match_number(number)
        users = users if users is not None else self.env.user
        vals = {
            "direction": "incoming",
            "number": e164,
            "number_presented": number,
            "called_number": called or False,
            "partner_id": partners.id if len(partners) == 1 else False,
            "user_id": users[:1].id if users else False,
            "notified_user_ids": [Command.set(users.ids)] if source == "pbx" else [],
            "source": source,
            "outcome": outcome or False,
            "external_id": external_id or False,
        }
        if call_date:
            vals["call_date"] = call_date
        return self.create(vals), partners

    def action_open_caller(self):
        """Open the caller: their contact, the matching contacts, or a new one."""
        self.ensure_one()
        self.check_access("read")
        partners = self.env["res.partner"]._search_e164(self.number, limit=MATCH_LIMIT)
        if len(partners) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": partners.id,
                "views": [(False, "form")],
                "target": "current",
            }
        if partners:
            return {
                "type": "ir.actions.act_window",
                "name": _(
                    "Contacts with number %(number)s", number=self._format_number()
                ),
                "res_model": "res.partner",
                "domain": [("id", "in", partners.ids)],
                "views": [(False, "list"), (False, "form")],
                "target": "current",
            }
        field = "mobile" if phone_service.is_mobile(self.number) else "phone"
        return {
            "type": "ir.actions.act_window",
            "name": _("New contact for %(number)s", number=self._format_number()),
            "res_model": "res.partner",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                f"default_{field}": self._format_number(),
                "unitel_call_id": self.id,
            },
        }

    def _unitel_notify(self, users):
        """Show ``users`` a live notification with an Open button for this call."""
        self.ensure_one()
        for user in users:
            call = self.with_user(user).with_context(lang=user.lang)
            # only the contacts this user may read: the route runs as superuser,
            # and a name of another company's (or a private) contact must not
            # reach someone who cannot open it
            partners = call.env["res.partner"]._search_e164(
                self.number, limit=MATCH_LIMIT
            )
            if len(partners) == 1:
                who = partners.with_context(lang=user.lang).display_name
                message = call.env._("Incoming call from %(who)s", who=who)
            elif partners:
                message = call.env._(
                    "Incoming call from %(number)s (%(count)s contacts match)",
                    number=self._format_number(),
                    count=len(partners),
                )
            else:
                message = call.env._(
                    "Incoming call from %(number)s (unknown number)",
                    number=self._format_number(),
                )
            self.env["bus.bus"]._sendone(
                user.partner_id,
                "unitel.incoming_call",
                {
                    "call_id": self.id,
                    "message": message,
                    "title": call.env._("Incoming call"),
                    "open_label": call.env._("Open"),
                },
            )

    # -- outgoing --------------------------------------------------------------
    @api.model
    def _unitel_called_record(self, res_model, res_id):
        """The document a call button was clicked on, once the user may read it."""
        if not res_model or not res_id or not isinstance(res_model, str):
            return None
        if res_model not in self.env or not isinstance(res_id, int | str):
            return None
        model = self.env[res_model]
        if model._abstract or model._transient or not str(res_id).isdigit():
            return None
        record = model.browse(int(res_id)).exists()
        if not record:
            return None
        record.check_access("read")
        return record

    @api.model
    def _unitel_before_dial(self, partner, e164, confirmations):
        """Hook run before a click-to-call is logged or dialled.

        Return None to go on, or a question the user must answer Yes to first:
        ``{"key", "title", "message", "confirm_label"}``. The web client asks
        it and repeats the request with ``key`` in ``confirmations``; until
        then nothing is logged and the PBX is not asked. ``partner`` is the
        contact called (maybe empty), ``confirmations`` a frozenset of keys.
        """
        return None

    def _unitel_on_dial(self, confirmations):
        """Hook run on the call just logged by click-to-call, before the PBX
        is asked; override to record what the user confirmed."""
        return None

    @api.model
    def _unitel_click_to_call(
        self, number, res_model=None, res_id=None, confirmations=frozenset()
    ):
        """Place a call from the web client's call button (route /unitel/call).

        In ``tel:``/``callto:`` mode the browser has already handed the number
        to the softphone; we only log the call. In HTTP API mode we ask the PBX
        to originate the call, and only after the call is logged: access rights
        and record rules have said yes before the PBX hears of it. Returns
        ``{"ok", "message", "call_id"}``, or ``{"ok": False, "confirm": question}``
        when :meth:`_unitel_before_dial` asks a question first.
        """
        if not self.env.user._is_internal():
            raise AccessError(_("Only internal users can place calls."))
        record = self._unitel_called_record(res_model, res_id)
        e164 = self._unitel_normalise(number, self._unitel_region(record))
        partner = self._unitel_partner_of(record, e164)
        confirmations = frozenset(confirmations or ())
        question = self._unitel_before_dial(partner, e164, confirmations)
        if question:
            return {
                "ok": False,
                "confirm": question,
                "message": question.get("message"),
                "number": e164,
            }
        call = self.with_context(unitel_defer_chatter=True).create(
            {
                "direction": "outgoing",
                "number": e164,
                "number_presented": number,
                "partner_id": partner.id,
                "user_id": self.env.user.id,
                "source": "click_to_call",
                "res_model": record._name if record is not None else False,
                "res_id": record.id if record is not None else False,
            }
        )
        call._unitel_on_dial(confirmations)
        call.flush_recordset()
        mode = self._unitel_call_mode()
        result = {"ok": True, "mode": mode, "number": e164, "call_id": call.id}
        if mode == "api":
            result.update(call._unitel_originate())
        call._post_in_chatter()
        return result

    def _unitel_originate(self):
        """Ask the PBX to ring the user's own phone and connect this call;
        returns what to add to the click-to-call answer."""
        self.ensure_one()
        user = self.env.user
        try:
            if not user.unitel_own_number:
                raise client_service.OriginateError(
                    "not_configured", reason="no_own_number"
                )
            try:
                own_number = user._unitel_dial_own_number()
            except phone_service.PhoneNumberError as exc:
                raise client_service.OriginateError(
                    "not_configured", reason="bad_own_number"
                ) from exc
            self._unitel_originate_client().originate(own_number, self.number)
        except client_service.OriginateError as exc:
            _logger.info("unitel_telephony: originate failed: %s", exc)
            message = self._unitel_originate_error_message(exc)
            self.write({"outcome": "failed", "error_message": message})
            return {"ok": False, "message": message}
        return {
            "message": _(
                "Your phone %(own)s rings now; pick up to be connected to %(number)s.",
                own=user.unitel_own_number,
                number=phone_service.to_international(self.number),
            )
        }

    @api.model
    def _unitel_partner_of(self, record, e164):
        if record is not None and record._name == "res.partner":
            return record
        if record is not None and "partner_id" in record._fields:
            partner = record.partner_id
            # a document's contact the user may not read is left out of the log
            if partner and partner._name == "res.partner":
                if partner.has_access("read"):
                    return partner
        partners = self.env["res.partner"]._search_e164(e164, limit=2)
        return partners if len(partners) == 1 else self.env["res.partner"]
