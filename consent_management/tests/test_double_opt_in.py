import re
import time

from odoo.tests import HttpCase, tagged

from ..services import token

USER_AGENT = "NordlysTest/1.0 (double opt-in)"


@tagged("post_install", "-at_install")
class TestDoubleOptIn(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Freja Holm", "email": "freja@nordlys.example", "lang": "en_US"}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Gustav Lund", "email": "gustav@nordlys.example"}
        )
        cls.purpose = cls.env.ref("consent_management.consent_purpose_emarketing")

    def consent_state(self, partner=None):
        partner = partner or self.partner
        records = self.env["consent.record"].search(
            [("partner_id", "=", partner.id), ("purpose_id", "=", self.purpose.id)]
        )
        events = self.env["consent.event"].search_count(
            [("partner_id", "=", partner.id), ("purpose_id", "=", self.purpose.id)]
        )
        return [(r.state, r.source) for r in records], events

    def request_link(self):
        wizard = self.env["consent.action.wizard"].create(
            {
                "operation": "request",
                "partner_ids": [(6, 0, self.partner.ids)],
                "purpose_id": self.purpose.id,
            }
        )
        wizard.action_apply()
        mail = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.partner.id)],
            order="id desc",
            limit=1,
        )
        self.assertIn("freja@nordlys.example", mail.email_to)
        match = re.search(r'href="[^"]*?(/consent/confirm/[^"]+)"', mail.body_html)
        self.assertTrue(match, "the e-mail carries the signed link")
        # The chatter note does not contain the link.
        note = self.partner.message_ids[:1]
        self.assertNotIn("/consent/confirm/", note.body or "")
        return match.group(1)

    def open_page(self, path):
        return self.url_open(path, headers={"User-Agent": USER_AGENT})

    def confirm(self, path):
        return self.url_open(
            path, data={"confirm": "1"}, headers={"User-Agent": USER_AGENT}
        )

    def test_happy_path_records_evidence(self):
        path = self.request_link()
        events = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id), ("purpose_id", "=", self.purpose.id)]
        )
        self.assertEqual(events.mapped("event_type"), ["request"])
        page = self.open_page(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.purpose.consent_text, page.text)
        self.assertEqual(self.consent_state(), ([], 1))
        response = self.confirm(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn("consent_confirmed", response.text)
        record = self.partner.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.purpose
        )
        self.assertEqual(
            (record.state, record.source, record.legal_basis),
            ("active", "double_opt_in", "consent"),
        )
        self.assertEqual(record.ip_address, "127.0.0.1")
        self.assertEqual(record.user_agent, USER_AGENT)
        self.assertEqual(record.consent_text, self.purpose.consent_text)
        self.assertEqual(record.consent_text_version, "1")
        self.assertEqual(self.partner.emarketing_state, "active")
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id), ("event_type", "=", "confirm")]
        )
        self.assertEqual(len(event), 1)
        self.assertEqual(event.source, "double_opt_in")
        self.assertEqual(event.ip_address, "127.0.0.1")
        self.assertEqual(event.user_agent, USER_AGENT)
        self.assertEqual(event.consent_text, self.purpose.consent_text)

    def test_replayed_link_changes_nothing(self):
        path = self.request_link()
        self.assertEqual(self.confirm(path).status_code, 200)
        self.partner._consent_withdraw("emarketing", source="portal")
        before = self.consent_state()
        response = self.confirm(path)
        self.assertEqual(response.status_code, 409)
        self.assertIn("already been used", response.text)
        self.assertEqual(self.consent_state(), before)
        self.assertEqual(before[0], [("withdrawn", "portal")])

    def test_forged_signature_changes_nothing(self):
        path = self.request_link()
        parts = path.split("/")
        parts[-1] = ("0" if parts[-1][0] != "0" else "1") + parts[-1][1:]
        forged = "/".join(parts)
        page = self.open_page(forged)
        self.assertEqual(page.status_code, 403)
        self.assertIn("not valid", page.text)
        response = self.confirm(forged)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.consent_state(), ([], 1))

    def test_altered_expiry_or_partner_changes_nothing(self):
        path = self.request_link()
        _empty, _consent, _confirm, partner_id, code, expires, signature = path.split(
            "/"
        )
        later = (
            f"/consent/confirm/{partner_id}/{code}/{int(expires) + 86400}/{signature}"
        )
        other = f"/consent/confirm/{self.other.id}/{code}/{expires}/{signature}"
        purpose = f"/consent/confirm/{partner_id}/sms_marketing/{expires}/{signature}"
        for altered in (later, other, purpose):
            self.assertEqual(self.open_page(altered).status_code, 403)
            self.assertEqual(self.confirm(altered).status_code, 403)
        self.assertEqual(self.consent_state(), ([], 1))
        self.assertEqual(self.consent_state(self.other), ([], 0))
        self.assertFalse(
            self.partner.consent_record_ids.filtered(
                lambda r: r.purpose_id == self.purpose
            )
        )

    def test_expired_link_changes_nothing(self):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        expires = int(time.time()) - 60
        signature = token.sign(secret, self.partner.id, "emarketing", expires)
        path = f"/consent/confirm/{self.partner.id}/emarketing/{expires}/{signature}"
        page = self.open_page(path)
        self.assertEqual(page.status_code, 410)
        self.assertIn("expired", page.text)
        self.assertEqual(self.confirm(path).status_code, 410)
        self.assertEqual(self.consent_state(), ([], 0))

    def test_link_signed_with_another_key_changes_nothing(self):
        expires = int(time.time()) + 3600
        signature = token.sign("not-the-secret", self.partner.id, "emarketing", expires)
        path = f"/consent/confirm/{self.partner.id}/emarketing/{expires}/{signature}"
        self.assertEqual(self.confirm(path).status_code, 403)
        self.assertEqual(self.consent_state(), ([], 0))

    def test_withdraw_link_records_evidence_once(self):
        self.partner._consent_grant("emarketing")
        path = self.partner._consent_signed_path("emarketing", action="withdraw")
        page = self.open_page(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("consent_withdraw_button", page.text)
        self.assertEqual(self.consent_state(), ([("active", "manual")], 1))
        response = self.confirm(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn("consent_withdrawn", response.text)
        self.assertEqual(self.consent_state(), ([("withdrawn", "unsubscribe_link")], 2))
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id)], order="id desc", limit=1
        )
        self.assertEqual(
            (event.event_type, event.ip_address), ("withdraw", "127.0.0.1")
        )
        self.assertEqual(event.user_agent, USER_AGENT)
        self.assertEqual(self.partner.emarketing_state, "withdrawn")
        # replayed: nothing more is written
        self.assertEqual(self.confirm(path).status_code, 409)
        self.assertEqual(self.consent_state(), ([("withdrawn", "unsubscribe_link")], 2))

    def test_links_cannot_swap_actions(self):
        confirm_path = self.partner._consent_signed_path("emarketing")
        swapped = confirm_path.replace("/consent/confirm/", "/consent/withdraw/")
        self.partner._consent_grant("emarketing")
        before = self.consent_state()
        self.assertEqual(self.open_page(swapped).status_code, 403)
        self.assertEqual(self.confirm(swapped).status_code, 403)
        unknown = confirm_path.replace("/consent/confirm/", "/consent/erase/")
        self.assertEqual(self.confirm(unknown).status_code, 404)
        self.assertEqual(self.consent_state(), before)

    def test_non_ascii_signature_is_refused_cleanly(self):
        path = self.partner._consent_signed_path("emarketing")
        broken = path[: path.rindex("/") + 1] + "%C3%A6%C3%B8%C3%A5"
        self.assertEqual(self.open_page(broken).status_code, 400)
        self.assertEqual(self.confirm(broken).status_code, 400)
        self.assertEqual(self.consent_state(), ([], 0))
