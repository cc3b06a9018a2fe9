import base64
import json
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mimetypes import guess_mimetype

from ..services import template as wa_template

TEMPLATE_CATEGORIES = [
    ("marketing", "Marketing"),
    ("utility", "Utility"),
    ("authentication", "Authentication"),
]
TEMPLATE_STATUSES = [
    ("approved", "Approved"),
    ("pending", "Pending"),
    ("rejected", "Rejected"),
    ("paused", "Paused"),
    ("disabled", "Disabled"),
    ("in_appeal", "In Appeal"),
    ("pending_deletion", "Pending Deletion"),
    ("deleted", "Deleted"),
    ("limit_exceeded", "Limit Exceeded"),
    ("archived", "Archived"),
]
HEADER_FORMATS = [
    ("text", "Text"),
    ("image", "Image"),
    ("video", "Video"),
    ("document", "Document"),
    ("location", "Location"),
]
# Meta keeps an uploaded file 30 days; upload again a little before that.
MEDIA_REUSE_DAYS = 25


class WhatsappTemplate(models.Model):
    _name = "whatsapp.template"
    _description = "WhatsApp Message Template"
    _order = "account_id, name, language"

    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True)
    account_id = fields.Many2one(
        "whatsapp.account", required=True, ondelete="cascade", index=True
    )
    meta_id = fields.Char(string="Meta Template ID", readonly=True, index=True)
    language = fields.Char(required=True, readonly=True, help="Meta's language code.")
    category = fields.Selection(TEMPLATE_CATEGORIES, required=True, readonly=True)
    status = fields.Selection(TEMPLATE_STATUSES, required=True, readonly=True)
    rejection_reason = fields.Char(
        readonly=True, help="Meta's code of why it rejected the template."
    )
    status_detail = fields.Char(
        string="Meta's Explanation",
        readonly=True,
        help="What Meta said when it paused, disabled or rejected the template.",
    )
    status_reason = fields.Char(
        string="Reason",
        compute="_compute_status_reason",
        help="Why the template cannot be sent, in your language.",
    )
    quality_rating = fields.Selection(
        [
            ("green", "High"),
            ("yellow", "Medium"),
            ("red", "Low"),
            ("unknown", "Not Rated Yet"),
        ],
        readonly=True,
        help="Meta's quality rating of the template, from customers' reactions "
        "(blocks, reports). A low rating leads Meta to pause the template.",
    )
    header_format = fields.Selection(HEADER_FORMATS, readonly=True)
    header_text = fields.Char(readonly=True)
    header_file = fields.Binary(
        attachment=True,
        help="The image, video or document shown in the template's header. Meta "
        "approved the template with an example file; this is the one sent.",
    )
    header_filename = fields.Char(string="Header File Name")
    header_media_id = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Meta's id of the uploaded header file, reused for 25 days.",
    )
    header_media_date = fields.Datetime(
        readonly=True, copy=False, groups="base.group_system"
    )
    header_location_latitude = fields.Float(
        string="Latitude", digits=(10, 7), help="Of the place a location header shows."
    )
    header_location_longitude = fields.Float(string="Longitude", digits=(10, 7))
    header_location_name = fields.Char(string="Place Name")
    header_location_address = fields.Char(string="Place Address")
    body = fields.Text(readonly=True)
    footer = fields.Char(readonly=True)
    button_ids = fields.One2many("whatsapp.template.button", "template_id")
    variable_ids = fields.One2many(
        "whatsapp.template.variable",
        "template_id",
        string="Merge Fields",
        help="What fills each {{n}} placeholder when the template is sent.",
    )
    is_sendable = fields.Boolean(
        compute="_compute_is_sendable",
        help="Approved templates can be sent from Odoo once a template with an "
        "image, video or document header has its header file.",
    )
    preview = fields.Html(compute="_compute_preview", sanitize=True)

    _sql_constraints = [
        (
            "meta_id_unique",
            "unique(account_id, meta_id)",
            "A Meta template is synchronised only once per account.",
        )
    ]

    @api.depends("name", "language")
    def _compute_display_name(self):
        for template in self:
            template.display_name = f"{template.name} ({template.language})"

    @api.depends(
        "status",
        "header_format",
        "header_file",
        "header_location_latitude",
        "header_location_longitude",
    )
    def _compute_is_sendable(self):
        for template in self:
            template.is_sendable = template.status == "approved" and (
                template.header_format in (False, "text")
                or (
                    template.header_format in wa_template.MEDIA_HEADER_TYPES
                    and bool(template.header_file)
                )
                or (template.header_format == "location" and template._has_location())
            )

    def _has_location(self):
        self.ensure_one()
        return bool(self.header_location_latitude or self.header_location_longitude)

    def _location(self):
        """Meta's ``location`` parameter of a location header, or None."""
        self.ensure_one()
        if self.header_format != "location":
            return None
        return {
            "latitude": str(self.header_location_latitude),
            "longitude": str(self.header_location_longitude),
            "name": self.header_location_name or False,
            "address": self.header_location_address or False,
        }

    @api.constrains("header_location_latitude", "header_location_longitude")
    def _check_location(self):
        for template in self:
            if not (
                -90 <= template.header_location_latitude <= 90
                and -180 <= template.header_location_longitude <= 180
            ):
                raise ValidationError(
                    self.env._(
                        "The location of template %(template)s is outside the "
                        "map: latitude runs from -90 to 90, longitude from -180 "
                        "to 180.",
                        template=template.display_name,
                    )
                )

    @api.depends("status", "rejection_reason", "status_detail")
    @api.depends_context("lang")
    def _compute_status_reason(self):
        for template in self:
            template.status_reason = template._status_reason_text()

    def _status_reason_text(self):
        """Why Meta refuses this template, as the user reads it (translated)."""
        self.ensure_one()
        reasons = {
            "ABUSIVE_CONTENT": self.env._("abusive content"),
            "INCORRECT_CATEGORY": self.env._("the category does not fit the content"),
            "INVALID_FORMAT": self.env._("invalid format"),
            "SCAM": self.env._("suspected scam"),
            "PROMOTIONAL": self.env._(
                "promotional content in a utility or authentication template"
            ),
            "TAG_CONTENT_MISMATCH": self.env._(
                "the content does not match the category or language"
            ),
        }
        if self.status == "rejected":
            code = self.rejection_reason or ""
            reason = reasons.get(code.upper()) or code
            if reason and self.status_detail:
                return f"{reason} ({self.status_detail})"
            return reason or self.status_detail or ""
        if self.status == "paused":
            reason = self.env._(
                "Meta paused it because customers reacted badly to it (quality "
                "rating low); it can be sent again once Meta unpauses it."
            )
        elif self.status == "disabled":
            reason = self.env._(
                "Meta disabled it after repeated low quality; edit it in WhatsApp "
                "Manager and submit it again."
            )
        else:
            return ""
        return f"{reason} {self.status_detail}" if self.status_detail else reason

    def _header_kind_label(self):
        """The header format as the user reads it (translated)."""
        self.ensure_one()
        labels = dict(self._fields["header_format"]._description_selection(self.env))
        return labels.get(self.header_format, "")

    def _header_mimetype(self):
        self.ensure_one()
        raw = base64.b64decode(self.header_file or b"")
        return guess_mimetype(raw, default="application/octet-stream")

    @api.constrains("header_file", "header_format")
    def _check_header_file(self):
        for template in self.filtered("header_file"):
            accepted = wa_template.MEDIA_HEADER_TYPES.get(template.header_format)
            if not accepted:
                raise ValidationError(
                    self.env._(
                        "Template %(template)s has no image, video or document "
                        "header; it takes no header file.",
                        template=template.display_name,
                    )
                )
            mimetype = template._header_mimetype()
            if mimetype not in accepted:
                raise ValidationError(
                    self.env._(
                        "The header of template %(template)s is of type "
                        "%(kind)s; WhatsApp accepts %(accepted)s there, not "
                        "%(mimetype)s.",
                        template=template.display_name,
                        kind=template._header_kind_label(),
                        accepted=", ".join(accepted),
                        mimetype=mimetype,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if "header_file" in vals:
            # a new file is uploaded to Meta on its next send
            self.sudo().write({"header_media_id": False, "header_media_date": False})
        return result

    def _header_components(self, components, client):
        """``components`` completed with the header file for a media-header
        template, uploaded to Meta first unless an upload of the last 25 days
        can be reused. Client errors propagate (the message is retried)."""
        self.ensure_one()
        kind = self.header_format
        if kind not in wa_template.MEDIA_HEADER_TYPES:
            return components
        template = self.sudo()
        if not template.header_file:
            raise UserError(
                self.env._(
                    "Template %(template)s has no header file any more.",
                    template=template.display_name,
                )
            )
        fresh_after = fields.Datetime.now() - timedelta(days=MEDIA_REUSE_DAYS)
        if not template.header_media_id or template.header_media_date < fresh_after:
            media_id = client.upload_media(
                base64.b64decode(template.header_file),
                template._header_mimetype(),
                template.header_filename or f"{template.name}-header",
            )
            template.write(
                {
                    "header_media_id": media_id,
                    "header_media_date": fields.Datetime.now(),
                }
            )
        return wa_template.with_media_header(
            components, kind, template.header_media_id, template.header_filename
        )

    @api.depends(
        "header_format",
        "header_filename",
        "header_text",
        "body",
        "footer",
        "button_ids.text",
    )
    def _compute_preview(self):
        for template in self:
            template.preview = template._render_preview()

    def _render_preview(self, body_values=None, header_values=None):
        """HTML preview of the template with the given ``{n: text}`` values."""
        self.ensure_one()
        parts = []
        if self.header_format in wa_template.MEDIA_HEADER_TYPES:
            parts.append(
                Markup("<p><em>[%s: %s]</em></p>")
                % (
                    self._header_kind_label(),
                    self.header_filename or self.env._("file to add"),
                )
            )
        if self.header_text:
            header = wa_template.render(self.header_text, header_values or {})
            parts.append(Markup("<p><strong>%s</strong></p>") % header)
        body = wa_template.render(self.body or "", body_values or {})
        parts.append(
            Markup("<p>%s</p>") % Markup("<br/>").join(body.splitlines() or [""])
        )
        if self.footer:
            parts.append(Markup("<p><small>%s</small></p>") % self.footer)
        for button in self.button_ids:
            parts.append(Markup("<p>[ %s ]</p>") % (button.text or button.button_type))
        return Markup("").join(parts)

    # -- synchronisation ---------------------------------------------------
    @api.model
    def _vals_from_parsed(self, parsed):
        return {
            "meta_id": parsed["meta_id"],
            "name": parsed["name"],
            "language": parsed["language"],
            "category": parsed["category"],
            "status": parsed["status"],
            "rejection_reason": parsed.get("reason") or False,
            "header_format": parsed["header_format"] or False,
            "header_text": parsed["header_text"] or False,
            "body": parsed["body"],
            "footer": parsed["footer"] or False,
            **({"quality_rating": parsed["quality"]} if parsed.get("quality") else {}),
            "button_ids": [Command.clear()]
            + [
                Command.create(dict(button, sequence=index))
                for index, button in enumerate(parsed["buttons"])
            ],
            "_examples": {
                "body": parsed["body_examples"],
                "header": parsed["header_examples"],
            },
        }

    def _update_from_parsed(self, vals, parsed, examples):
        self.ensure_one()
        changed = {
            key: value
            for key, value in vals.items()
            if key == "button_ids" or self[key] != value
        }
        keys = ("button_type", "text", "url", "phone_number", "example", "otp_type")
        if [tuple(b[k] or False for k in keys) for b in self.button_ids] == [
            tuple(b.get(k) or False for k in keys) for b in parsed["buttons"]
        ]:
            changed.pop("button_ids")
        if "header_format" in changed and self.header_file:
            # the file was chosen for the old header type
            changed.update(header_file=False, header_filename=False)
        if changed:
            self.write(changed)
        self._sync_variables(examples)

    def _sync_variables(self, examples=None):
        """One merge field per placeholder; mappings the user made are kept."""
        examples = examples or {}
        partner_name = self.env.ref("base.field_res_partner__name")
        for template in self:
            wanted = [
                ("header", n) for n in wa_template.placeholders(template.header_text)
            ] + [("body", n) for n in wa_template.placeholders(template.body)]
            buttons = {}
            for index, button in enumerate(template.button_ids):
                # a one-time password button sends the body's code
                if button.is_dynamic and button.button_type != "otp":
                    wanted.append(("button", index + 1))
                    buttons[index + 1] = button
            existing = {(v.component, v.placeholder): v for v in template.variable_ids}
            commands = [
                Command.unlink(variable.id)
                for key, variable in existing.items()
                if key not in wanted
            ]
            for component, number in wanted:
                sample = examples.get(component) or []
                sample_text = sample[number - 1] if len(sample) >= number else False
                button = buttons.get(number) if component == "button" else False
                if button:
                    sample_text = button.example or False
                if (component, number) in existing:
                    variable = existing[(component, number)]
                    update = {}
                    if sample_text and variable.sample != sample_text:
                        update["sample"] = sample_text
                    if button and variable.button_id != button:
                        update["button_id"] = button.id
                    if update:
                        commands.append(Command.update(variable.id, update))
                    continue
                first_body = (
                    component == "body"
                    and number == 1
                    and template.category != "authentication"
                )
                commands.append(
                    Command.create(
                        {
                            "component": component,
                            "placeholder": number,
                            "button_id": button.id if button else False,
                            "sample": sample_text,
                            # the customer's name is the usual first greeting value
                            "field_type": "field" if first_body else "text",
                            "field_id": partner_name.id if first_body else False,
                            # a one-time code is never a fixed text
                            "fixed_text": sample_text
                            if not first_body and template.category != "authentication"
                            else False,
                        }
                    )
                )
            if commands:
                template.variable_ids = commands

    # -- sending -----------------------------------------------------------
    def _check_sendable(self):
        for template in self:
            if template.status != "approved":
                status = dict(
                    template._fields["status"]._description_selection(self.env)
                ).get(template.status)
                reason = template._status_reason_text()
                if reason:
                    raise UserError(
                        self.env._(
                            "Template %(template)s cannot be sent: Meta set it to "
                            "%(status)s. Reason: %(reason)s",
                            template=template.display_name,
                            status=status,
                            reason=reason,
                        )
                    )
                raise UserError(
                    self.env._(
                        "Template %(template)s is not approved by Meta (status: "
                        "%(status)s); only approved templates can be sent.",
                        template=template.display_name,
                        status=status,
                    )
                )
            if template.is_sendable:
                continue
            if template.header_format in wa_template.MEDIA_HEADER_TYPES:
                raise UserError(
                    self.env._(
                        "Template %(template)s has a header of type %(kind)s: add "
                        "the header file on the template before sending it.",
                        template=template.display_name,
                        kind=template._header_kind_label(),
                    )
                )
            raise UserError(
                self.env._(
                    "Template %(template)s has a location header: enter the "
                    "latitude and longitude of the place on the template before "
                    "sending it.",
                    template=template.display_name,
                )
            )

    def _values_for(self, partner):
        """``(header_values, body_values)`` as ``{n: text}`` for a contact."""
        self.ensure_one()
        header, body = {}, {}
        for variable in self.variable_ids:
            if variable.component == "button":
                continue
            target = header if variable.component == "header" else body
            target[variable.placeholder] = variable._value_for(partner)
        return header, body

    def _button_values_for(self, partner):
        """``{n: text}`` of the dynamic buttons (n = position from 1)."""
        self.ensure_one()
        return {
            variable.placeholder: variable._value_for(partner)
            for variable in self.variable_ids
            if variable.component == "button"
        }

    def _check_parameters(self, header_values, body_values, button_values):
        """Every parameter Meta expects from the synchronised template is there
        and in Meta's format; returns Meta's ``{index: (type, value)}`` of the
        dynamic buttons. Raises UserError naming each missing or wrong field."""
        self.ensure_one()
        labels = dict(
            self.env["whatsapp.template.variable"]
            ._fields["component"]
            ._description_selection(self.env)
        )

        def _filled(value):
            return str(value or "").strip()

        missing, wrong = [], []
        for component, text, values in (
            ("header", self.header_text, header_values),
            ("body", self.body, body_values),
        ):
            for n in wa_template.placeholders(text):
                value = _filled(values.get(n))
                name = f"{labels[component]} {{{{{n}}}}}"
                if not value:
                    missing.append(name)
                elif (
                    component == "header"
                    and len(value) > wa_template.MAX_HEADER_PARAM_LENGTH
                ):
                    wrong.append(
                        self.env._(
                            "%(field)s is longer than %(max)s characters",
                            field=name,
                            max=wa_template.MAX_HEADER_PARAM_LENGTH,
                        )
                    )
        buttons = {}
        for index, button in enumerate(self.button_ids):
            if not button.is_dynamic:
                continue
            if button.button_type == "otp":
                value = _filled(body_values.get(1))
                name = self.env._("the one-time code (%(field)s)", field=labels["body"])
                name += " {{1}}"
            else:
                value = _filled(button_values.get(index + 1))
                name = button._label()
            if not value:
                if name not in missing:
                    missing.append(name)
                continue
            if button.button_type in ("otp", "copy_code") and (
                len(value) > wa_template.MAX_CODE_LENGTH
                or any(c.isspace() for c in value)
            ):
                wrong.append(
                    self.env._(
                        "%(field)s must be at most %(max)s characters without spaces",
                        field=name,
                        max=wa_template.MAX_CODE_LENGTH,
                    )
                )
            if button.button_type == "url" and any(c.isspace() for c in value):
                wrong.append(
                    self.env._(
                        "%(field)s goes at the end of a web address: no spaces",
                        field=name,
                    )
                )
            buttons[index] = (button.button_type, value)
        if missing:
            raise UserError(
                self.env._(
                    "Fill in every placeholder before sending; empty: %(placeholders)s",
                    placeholders=", ".join(missing),
                )
            )
        if wrong:
            raise UserError(
                self.env._(
                    "Template %(template)s cannot be sent: %(problems)s.",
                    template=self.display_name,
                    problems="; ".join(wrong),
                )
            )
        return buttons

    def _check_consent(self, partner):
        """Marketing templates need ``whatsapp_marketing`` consent when the
        e-marketing privacy switch is on (consent_management)."""
        self.ensure_one()
        if self.category == "marketing" and not partner._consent_may_send(
            "whatsapp_marketing"
        ):
            raise UserError(
                self.env._(
                    "%(contact)s has not given consent to WhatsApp marketing, so the "
                    "marketing template %(template)s cannot be sent to them. Utility "
                    "and authentication templates are still allowed.",
                    contact=partner.display_name,
                    template=self.display_name,
                )
            )

    def _send_to_partner(
        self, partner, header_values=None, body_values=None, button_values=None
    ):
        """Queue this template for ``partner`` and show it in their conversation.

        Values are ``{n: text}`` (for buttons, n is the button's position from
        1); by default they come from the merge fields. The code of an
        authentication template is its body's ``{{1}}``.
        Raises UserError when the template is not approved, the contact has no
        WhatsApp number, a parameter is empty or not in Meta's format, or
        consent is missing. Returns the queued ``whatsapp.message``.
        """
        self.ensure_one()
        partner.ensure_one()
        self.account_id._check_sender(partner)
        self._check_sendable()
        self._check_consent(partner)
        if self.category == "marketing":
            self.account_id._check_marketing_budget()
        if header_values is None and body_values is None:
            header_values, body_values = self._values_for(partner)
        header_values, body_values = header_values or {}, body_values or {}
        if button_values is None:
            button_values = self._button_values_for(partner)
        buttons = self._check_parameters(header_values, body_values, button_values)
        channel = self.env["discuss.channel"]._whatsapp_get_or_create(
            self.account_id, partner
        )[partner]
        user = self.env.user
        if not user._is_public() and user.partner_id not in (
            channel.channel_member_ids.partner_id
        ):
            # whoever starts the conversation follows it in Discuss
            channel._add_members(users=user, post_joined_message=False)
        address = partner._whatsapp_address() or channel.whatsapp_number
        if channel.whatsapp_number in partner._whatsapp_numbers():
            # the number the customer writes from, be it their mobile or phone
            address = channel.whatsapp_number
        if not address:
            raise UserError(
                self.env._(
                    "%(contact)s has no mobile number to send WhatsApp messages to.",
                    contact=partner.display_name,
                )
            )
        preview = self._render_preview(body_values, header_values)
        label = Markup("<p><em>%s</em></p>") % self.env._(
            "WhatsApp template: %(template)s", template=self.display_name
        )
        mail_message = channel.with_context(whatsapp_skip_send=True).message_post(
            body=label + preview,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        components = wa_template.build_components(
            body_values, header_values, buttons, location=self._location()
        )
        text = wa_template.render(self.body or "", body_values)
        message = (
            self.env["whatsapp.message"]
            .sudo()
            .create(
                {
                    "account_id": self.account_id.id,
                    "channel_id": channel.id,
                    "partner_id": partner.id,
                    "mail_message_id": mail_message.id,
                    "direction": "outbound",
                    "state": "outgoing",
                    "message_type": "template",
                    "template_id": self.id,
                    "template_components": json.dumps(components),
                    "body": text,
                    "recipient": address,
                }
            )
        )
        message._trigger_queue()
        return message
