from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .concurrency import lock_keys, raise_serialization_failure


class ResPartner(models.Model):
    _inherit = "res.partner"

    whatsapp_user_id = fields.Char(
        string="WhatsApp User ID",
        index="btree_not_null",
        copy=False,
        help="Meta's business-scoped user id, for customers who use a WhatsApp "
        "username instead of showing their phone number.",
    )
    whatsapp_channel_ids = fields.One2many(
        "discuss.channel", "whatsapp_partner_id", string="WhatsApp Conversations"
    )
    whatsapp_channel_count = fields.Integer(
        string="WhatsApp", compute="_compute_whatsapp_channel_count"
    )

    # The E.164 values (phone_e164, mobile_e164) and the lookup of a number's
    # contacts (_search_e164) are partner_phone_e164's, shared with Uni-tel.
    def _whatsapp_numbers(self):
        """Every E.164 number of the contact, without ``+`` (Meta's form)."""
        self.ensure_one()
        return {
            number.lstrip("+")
            for number in (self.mobile_e164, self.phone_e164)
            if number
        }

    def _compute_whatsapp_channel_count(self):
        counts = dict(
            self.env["discuss.channel"]
            .sudo()
            ._read_group(
                [("whatsapp_partner_id", "in", self.ids)],
                ["whatsapp_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.whatsapp_channel_count = counts.get(partner, 0)

    def _whatsapp_address(self):
        """Meta's ``to``: the mobile (else the phone) as digits with country
        code, or the Meta user id."""
        self.ensure_one()
        number = self.mobile_e164 or self.phone_e164
        if number:
            return number.lstrip("+")
        return self.whatsapp_user_id or False

    @api.model
    def _whatsapp_find_known(self, items):
        """``(by_phone, by_user)``: the known contact of each E.164 number and
        Meta user id of parsed items. A contact's mobile first, then their phone;
        the oldest contact first. Every inbound path (messages, Meta's
        stop/resume) finds a number's contact through this one lookup."""
        phones = {"+" + i["phone"] for i in items if i.get("phone")}
        user_ids = {i["user_id"] for i in items if i.get("user_id")}
        # one shared lookup (partner_phone_e164): a contact with the number as
        # their mobile first, then the oldest contact
        by_phone = {
            e164: partners[0]
            for e164, partners in self._search_e164_many(phones).items()
        }
        by_user = {}
        if user_ids:
            for partner in self.search(
                [("whatsapp_user_id", "in", list(user_ids))], order="id"
            ):
                by_user.setdefault(partner.whatsapp_user_id, partner)
        return by_phone, by_user

    @api.model
    def _whatsapp_find_or_create(self, items):
        """``{wamid: partner}`` for parsed inbound messages: contacts are found by
        the E.164 form of their mobile or phone (a mobile match first), then by
        Meta user id, and created when unknown."""
        by_phone, by_user = self._whatsapp_find_known(items)
        result, to_create = {}, {}
        for item in items:
            phone = "+" + item["phone"] if item.get("phone") else None
            user_id = item.get("user_id")
            partner = (phone and by_phone.get(phone)) or (
                user_id and by_user.get(user_id)
            )
            if partner:
                if user_id and not partner.whatsapp_user_id:
                    partner.whatsapp_user_id = user_id
                    by_user[user_id] = partner
                result[item["wamid"]] = partner
                continue
            key = phone or user_id
            to_create.setdefault(key, {"items": [], "vals": None})
            to_create[key]["items"].append(item)
            if not to_create[key]["vals"]:
                formatted = phone and self._phone_format(
                    number=phone, force_format="INTERNATIONAL"
                )
                to_create[key]["vals"] = {
                    "name": item.get("profile_name") or formatted or phone or user_id,
                    "mobile": formatted or phone or False,
                    "whatsapp_user_id": user_id or False,
                }
        if to_create:
            keys = list(to_create)
            self._whatsapp_claim_new_contacts(keys)
            partners = self.create([to_create[key]["vals"] for key in keys])
            for key, partner in zip(keys, partners, strict=True):
                for item in to_create[key]["items"]:
                    result[item["wamid"]] = partner
        return result

    def _whatsapp_claim_new_contacts(self, keys):
        """Serialize the creation of contacts for these numbers / Meta user ids:
        concurrent first messages from one customer create one contact. The
        second request waits for the first; its snapshot predates the first's
        commit, so a contact created since then makes it start again (Odoo
        retries a serialization failure) and find that contact."""
        cr = self.env.cr
        lock_keys(cr, "whatsapp_contact", keys)
        phones = [key for key in keys if key.startswith("+")]
        user_ids = [key for key in keys if not key.startswith("+")]
        # a fresh snapshot: what other transactions committed until now, the
        # numbers through the same lookup table as _whatsapp_find_known
        committed = {
            partner_id
            for ids in self._e164_committed_ids(phones).values()
            for partner_id in ids
        }
        if user_ids:
            with self.env.registry.cursor() as fresh_cr:
                fresh_cr.execute(
                    SQL(
                        "SELECT id FROM res_partner WHERE whatsapp_user_id = ANY(%s)",
                        user_ids,
                    )
                )
                committed.update(row[0] for row in fresh_cr.fetchall())
        committed = list(committed)
        if not committed:
            return
        # contacts our snapshot knows (with another number, or edited by us) are
        # not new: only one created since our snapshot is a conflict
        cr.execute(SQL("SELECT id FROM res_partner WHERE id = ANY(%s)", committed))
        if len(cr.fetchall()) < len(committed):
            raise_serialization_failure(cr)

    def _check_whatsapp_internal(self):
        if not self.env.user._is_internal():
            raise AccessError(self.env._("WhatsApp is for internal users only."))
        self.check_access("read")

    def action_send_whatsapp(self):
        self.ensure_one()
        self._check_whatsapp_internal()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send WhatsApp"),
            "res_model": "whatsapp.composer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_view_whatsapp_conversations(self):
        self.ensure_one()
        self._check_whatsapp_internal()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "whatsapp_business.discuss_channel_whatsapp_action"
        )
        action["domain"] = [("whatsapp_partner_id", "=", self.id)]
        return action
