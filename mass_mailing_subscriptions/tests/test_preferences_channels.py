import re

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SubscriptionsCase

UA = "Mozilla/5.0 (channels-test)"


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestPreferencesChannels(SubscriptionsCase, HttpCase):
    """The preferences page offers WhatsApp, SMS and phone marketing where the
    contact can be reached on them (issue 17)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.whatsapp = ref("consent_management.consent_purpose_whatsapp_marketing")
        cls.sms = ref("consent_management.consent_purpose_sms_marketing")
        cls.phone = ref("consent_management.consent_purpose_phone_marketing")
        cls.p_offers.write({"mobile": "+45 20 11 22 33", "phone": "+45 33 11 22 33"})
        cls.p_offers._consent_grant("sms_marketing", source="web_form")
        cls.p_newsletter.phone = "+31 20 123 4567"

    def _path(self, partner):
        return partner._subscription_preferences_path()

    def _csrf(self, path):
        response = self.url_open(path, timeout=60)
        self.assertEqual(response.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, path, **form):
        # As a browser does: the page's token and hidden "shown" state.
        data = {**self._page_state(path), **form}
        return self.url_open(path, data=data, headers={"User-Agent": UA}, timeout=60)

    def _page_state(self, path):
        """The token and the hidden state the page renders, as a browser
        would send them back."""
        html = self.url_open(path, timeout=60).text
        return {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
            **dict(re.findall(r'name="(shown_[a-z_]+)" value="([^"]*)"', html)),
        }

    def _standing(self, partner):
        self.env.invalidate_all()
        return {r.purpose_id.code: r.state for r in partner.consent_record_ids}

    def _shown(self, html):
        return set(re.findall(r'id="o_preferences_purpose_([a-z_]+)"', html))

    def _snapshot(self):
        self.env.invalidate_all()
        return (
            self.env["consent.event"].search_count([]),
            {
                p.id: (
                    sorted((r.purpose_id.code, r.state) for r in p.consent_record_ids),
                    p.subscription_type_ids.ids,
                )
                for p in self.partners
            },
        )

    def test_channels_follow_the_contacts_numbers(self):
        html = self.url_open(self._path(self.p_offers)).text
        self.assertEqual(
            self._shown(html),
            {"whatsapp_marketing", "sms_marketing", "phone_marketing"},
        )
        # SMS is allowed (ticked), the others are not.
        self.assertRegex(html, r'id="o_preferences_purpose_sms_marketing"\s+checked')
        self.assertNotRegex(
            html, r'id="o_preferences_purpose_phone_marketing"\s+checked'
        )
        self.assertIn("may contact you with marketing", html)
        # A landline only: WhatsApp and phone, no text messages.
        html = self.url_open(self._path(self.p_newsletter)).text
        self.assertEqual(self._shown(html), {"whatsapp_marketing", "phone_marketing"})
        # No number: the page is about e-mail only, as before.
        html = self.url_open(self._path(self.p_no_record)).text
        self.assertEqual(self._shown(html), set())
        self.assertNotIn("o_preferences_channels", html)
        self.assertIn("may send you by e-mail", html)
        # A channel the contact allowed stays on the page without the number,
        # so that it can be withdrawn there.
        self.p_no_record._consent_grant("sms_marketing", source="web_form")
        html = self.url_open(self._path(self.p_no_record)).text
        self.assertEqual(self._shown(html), {"sms_marketing"})

    def test_save_withdraws_and_grants_as_the_persons_own_act(self):
        path = self._path(self.p_offers)
        events_before = self.env["consent.event"].search_count(
            [("partner_id", "=", self.p_offers.id)]
        )
        response = self._post(
            path,
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_offers.id)],
            purpose_ids=[str(self.phone.id), str(self.whatsapp.id)],
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_preferences_saved", response.text)
        self.assertEqual(
            self._standing(self.p_offers),
            {
                "sales_service": "active",
                "emarketing": "active",
                "sms_marketing": "withdrawn",
                "phone_marketing": "active",
                "whatsapp_marketing": "active",
            },
        )
        events = self.env["consent.event"].search(
            [("partner_id", "=", self.p_offers.id)], order="id"
        )[events_before:]
        by_purpose = {e.purpose_id.code: e for e in events}
        self.assertEqual(by_purpose["sms_marketing"].event_type, "withdraw")
        self.assertEqual(by_purpose["phone_marketing"].event_type, "grant")
        self.assertEqual(by_purpose["whatsapp_marketing"].event_type, "grant")
        for code in ("sms_marketing", "phone_marketing", "whatsapp_marketing"):
            event = by_purpose[code]
            self.assertEqual(event.source, "portal")
            self.assertEqual(event.ip_address, "127.0.0.1")
            self.assertEqual(event.user_agent, UA)
        phone_record = self.p_offers.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.phone
        )
        self.assertEqual(phone_record.legal_basis, "consent")
        self.assertEqual(phone_record.consent_text, self.phone.consent_text)
        self.assertEqual(phone_record.source, "portal")
        # The page shows the new standing.
        self.assertEqual(
            self._shown(response.text),
            {"whatsapp_marketing", "sms_marketing", "phone_marketing"},
        )
        self.assertRegex(
            response.text, r'id="o_preferences_purpose_phone_marketing"\s+checked'
        )
        # Saving the same choices again writes nothing more.
        count = self.env["consent.event"].search_count([])
        self._post(
            path,
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_offers.id)],
            purpose_ids=[str(self.phone.id), str(self.whatsapp.id)],
        )
        self.assertEqual(self.env["consent.event"].search_count([]), count)

    def test_withdrawn_channel_can_be_given_again_on_the_page(self):
        """After a withdrawal only the person may re-grant: the page is that."""
        self.p_offers._consent_withdraw("sms_marketing", source="manual")
        self._post(
            self._path(self.p_offers),
            action="save",
            emarketing="1",
            purpose_ids=[str(self.sms.id)],
        )
        self.assertEqual(self._standing(self.p_offers)["sms_marketing"], "active")

    def test_stale_tab_keeps_a_withdrawal_made_elsewhere(self):
        """Page loaded with WhatsApp and e-mail on, both withdrawn elsewhere
        (STOP in WhatsApp, one-click), then Save on the stale tab to change a
        topic: the topic changes, the withdrawals stay."""
        self.p_offers._consent_grant("whatsapp_marketing", source="web_form")
        path = self._path(self.p_offers)
        stale = self._page_state(path)
        self.assertEqual(stale["shown_emarketing"], "1")
        self.assertEqual(
            set(stale["shown_active_ids"].split(",")),
            {str(self.whatsapp.id), str(self.sms.id)},
        )
        self.p_offers._consent_withdraw("whatsapp_marketing", source="manual")
        self.p_offers._consent_withdraw("emarketing", source="unsubscribe_link")
        response = self.url_open(
            path,
            data={
                **stale,
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [str(self.type_events.id)],
                "purpose_ids": [str(self.whatsapp.id), str(self.sms.id)],
            },
            timeout=60,
        )
        self.assertEqual(response.status_code, 200)
        standing = self._standing(self.p_offers)
        self.assertEqual(standing["whatsapp_marketing"], "withdrawn")
        self.assertEqual(standing["emarketing"], "withdrawn")
        self.assertEqual(standing["sms_marketing"], "active")
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_events)
        # The page now shows the withdrawal, so a switch on grants again.
        self._post(
            path,
            action="save",
            emarketing="1",
            purpose_ids=[str(self.whatsapp.id), str(self.sms.id)],
        )
        standing = self._standing(self.p_offers)
        self.assertEqual(standing["whatsapp_marketing"], "active")
        self.assertEqual(standing["emarketing"], "active")

    def test_form_without_shown_state_grants_nothing_but_withdraws(self):
        """An old form (no hidden state): a switch off still withdraws, a
        switch on grants nothing, since nobody knows it was switched."""
        path = self._path(self.p_offers)
        response = self.url_open(
            path,
            data={
                "csrf_token": self._csrf(path),
                "action": "save",
                "emarketing": "1",
                "purpose_ids": [str(self.whatsapp.id)],
            },
            timeout=60,
        )
        self.assertEqual(response.status_code, 200)
        standing = self._standing(self.p_offers)
        self.assertEqual(standing["sms_marketing"], "withdrawn")
        self.assertNotIn("whatsapp_marketing", standing)
        self.assertEqual(standing["emarketing"], "active")

    def test_forged_shown_state_is_refused_and_changes_nothing(self):
        sales = self.env.ref("consent_management.consent_purpose_sales_service")
        path = self._path(self.p_offers)
        before = self._snapshot()
        forged = {
            "sales and service": str(sales.id),
            "unknown purpose": "99999999",
            "malformed list": f"{self.sms.id},{self.whatsapp.id}x",
            "NUL byte": f"{self.whatsapp.id}\x00",
            "non-ASCII": "\u00b2",
            "negative": f"-{self.whatsapp.id}",
        }
        for label, value in forged.items():
            with self.subTest(label):
                response = self.url_open(
                    path,
                    data={
                        **self._page_state(path),
                        "shown_active_ids": value,
                        "action": "save",
                        "purpose_ids": [str(self.whatsapp.id)],
                    },
                    timeout=60,
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
        for label, value in {"two": "2", "empty": "", "word": "yes"}.items():
            with self.subTest(f"shown_emarketing {label}"):
                response = self.url_open(
                    path,
                    data={
                        **self._page_state(path),
                        "shown_emarketing": value,
                        "action": "save",
                        "emarketing": "1",
                    },
                    timeout=60,
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
        # Repeated hidden state: which one would be meant?
        state = self._page_state(path)
        response = self.url_open(
            path,
            data=(
                f"csrf_token={state['csrf_token']}&action=save"
                f"&shown_active_ids=&shown_active_ids={self.sms.id}"
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        self.assertEqual(response.status_code, 400)
        # Niels is offered no SMS: an SMS id shown for him is forged.
        niels = self._path(self.p_newsletter)
        response = self.url_open(
            niels,
            data={
                **self._page_state(niels),
                "shown_active_ids": str(self.sms.id),
                "action": "save",
            },
            timeout=60,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._snapshot(), before)

    def test_withdraw_from_all_covers_every_channel_on_the_page(self):
        response = self._post(self._path(self.p_offers), action="withdraw_all")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_preferences_withdrawn", response.text)
        standing = self._standing(self.p_offers)
        for code in (
            "emarketing",
            "sms_marketing",
            "whatsapp_marketing",
            "phone_marketing",
        ):
            self.assertEqual(standing[code], "withdrawn", code)
        self.assertEqual(standing["sales_service"], "active")
        self.assertNotRegex(response.text, r'id="o_preferences_purpose_\w+"\s+checked')
        self.assertIn("You have withdrawn from all marketing.", response.text)
        self._set_privacy(True)
        for code in ("sms_marketing", "whatsapp_marketing", "phone_marketing"):
            self.assertFalse(self.p_offers._consent_may_send(code))

    def test_forged_channel_inputs_change_nothing(self):
        path = self._path(self.p_offers)
        csrf = self._csrf(path)
        sales = self.env.ref("consent_management.consent_purpose_sales_service")
        emarketing = self.env.ref("consent_management.consent_purpose_emarketing")
        before = self._snapshot()
        bad_forms = {
            "sales and service": f"purpose_ids={sales.id}",
            "e-marketing through the channel input": f"purpose_ids={emarketing.id}",
            "unknown purpose": "purpose_ids=99999999",
            "overlong id": "purpose_ids=" + "9" * 50,
            "NUL byte": f"purpose_ids={self.sms.id}%00",
            "superscript digit": "purpose_ids=%C2%B2",
            "non-ASCII": "purpose_ids=%C3%A9",
            "negative": f"purpose_ids=-{self.sms.id}",
            "one good, one forged": f"purpose_ids={self.sms.id}&purpose_ids={sales.id}",
        }
        for label, body in bad_forms.items():
            with self.subTest(form=label):
                response = self.url_open(
                    path,
                    data=f"csrf_token={csrf}&action=save&emarketing=1&{body}".encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
                self.assertNotIn("Traceback", response.text)
        # SMS is not offered to a contact without a mobile: forged for Niels.
        niels = self._path(self.p_newsletter)
        response = self.url_open(
            niels,
            data={
                "csrf_token": self._csrf(niels),
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [str(self.type_newsletter.id)],
                "purpose_ids": [str(self.sms.id)],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._snapshot(), before)

    def test_another_contacts_token_changes_nothing(self):
        before = self._snapshot()
        other = self.p_newsletter._subscription_preferences_token(self.p_newsletter.id)
        for action in ("save", "withdraw_all"):
            response = self.url_open(
                f"/mailing/preferences/{self.p_offers.id}/{other}",
                data={
                    "csrf_token": self._csrf(self._path(self.p_newsletter)),
                    "action": action,
                    "purpose_ids": [str(self.phone.id)],
                },
            )
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Olga", response.text)
        self.assertEqual(self._snapshot(), before)

    def test_logged_in_users_cannot_act_for_someone_else(self):
        """Being logged in (portal, employee, administrator) gives no right
        over another contact's page: the token is the only key."""
        portal = new_test_user(
            self.env,
            login="chan_portal",
            password="chan_portal_pw",
            groups="base.group_portal",
        )
        before = self._snapshot()
        for login in ("chan_portal", "admin"):
            self.authenticate(login, "chan_portal_pw" if login != "admin" else "admin")
            own_token = portal.partner_id._subscription_preferences_token(
                portal.partner_id.id
            )
            response = self.url_open(
                f"/mailing/preferences/{self.p_offers.id}/{own_token}",
                data={
                    "csrf_token": self._csrf(self._path(portal.partner_id)),
                    "action": "withdraw_all",
                },
            )
            self.assertEqual(response.status_code, 404)
        self.assertEqual(self._snapshot(), before)

    def test_robinson_mark_is_shown(self):
        self.p_offers.is_marketing_protected = True
        html = self.url_open(self._path(self.p_offers)).text
        self.assertIn("o_preferences_protected", html)
        self.assertNotIn(
            "o_preferences_protected", self.url_open(self._path(self.p_newsletter)).text
        )

    def test_new_labels_in_danish_and_dutch(self):
        for code in ("da_DK", "nl_NL"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions", "consent_management"],
            ["da_DK", "nl_NL"],
            overwrite=True,
        )
        self.p_offers.write({"lang": "da_DK", "is_marketing_protected": True})
        # the first page in a new language compiles its templates: slow
        html = self.url_open(self._path(self.p_offers), timeout=120).text
        for text in (
            "WhatsApp, sms og opkald",
            "Sms-markedsføring",
            "WhatsApp-markedsføring",
            "Telefonmarkedsføring",
            "må kontakte dig med markedsføring",
            "Du er reklamebeskyttet (Robinson)",
            "og ringer ikke længere til dig med tilbud",
        ):
            self.assertIn(text, html)
        self.p_newsletter.write({"lang": "nl_NL", "mobile": "+31 6 1234 5678"})
        html = self.url_open(self._path(self.p_newsletter), timeout=120).text
        for text in (
            "WhatsApp, sms en telefoon",
            "Sms-marketing",
            "WhatsApp-marketing",
            "Telefonische marketing",
            "je met marketing mag benaderen",
            "en bellen je niet meer met aanbiedingen",
        ):
            self.assertIn(text, html)
        response = self._post(self._path(self.p_newsletter), action="withdraw_all")
        self.assertIn("Je bent afgemeld voor alle marketing.", response.text)
        for english in (
            "WhatsApp, text messages and calls",
            "may contact you with marketing",
            "stop calling you with offers",
        ):
            self.assertNotIn(english, html)
