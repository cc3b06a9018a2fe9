import re

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SubscriptionsCase

UA = "Mozilla/5.0 (preferences-test)"


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestPreferencesPage(SubscriptionsCase, HttpCase):
    def _path(self, partner):
        return partner._subscription_preferences_path()

    def _csrf(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, path, csrf_path=None, **form):
        # As a browser does: the page's token and hidden "shown" state.
        html = self.url_open(csrf_path or path).text
        data = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
            **dict(re.findall(r'name="(shown_[a-z_]+)" value="([^"]*)"', html)),
            **form,
        }
        return self.url_open(path, data=data, headers={"User-Agent": UA})

    def _events(self, partner):
        return self.env["consent.event"].search(
            [("partner_id", "=", partner.id)], order="id"
        )

    def test_page_shows_name_consent_and_choices(self):
        response = self.url_open(self._path(self.p_offers))
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn("Olga Offers", html)
        purpose = self.env.ref("consent_management.consent_purpose_emarketing")
        wording = purpose.consent_text or purpose.description or purpose.name
        self.assertIn(wording.split("\n")[0][:40], html.replace("&#39;", "'"))
        for sub_type in self.env["mailing.subscription.type"].search([]):
            self.assertIn(f'id="o_preferences_type_{sub_type.id}"', html)
        checked = set(
            re.findall(
                r'name="subscription_type_ids" value="(\d+)" id="[^"]+" checked', html
            )
        )
        self.assertEqual(
            checked, {str(self.type_offers.id), str(self.type_newsletter.id)}
        )
        self.assertIn('name="viewport"', html)  # phone screens
        # The token must not leak through links, search engines or caches.
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        self.assertIn("noindex", response.headers["X-Robots-Tag"])
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_wrong_or_missing_token_is_404_revealing_nothing(self):
        good = self.p_offers._subscription_preferences_token(self.p_offers.id)
        other = self.p_newsletter._subscription_preferences_token(self.p_newsletter.id)
        missing_id = (
            self.env["res.partner"].search([], order="id desc", limit=1).id + 1000
        )
        responses = [
            self.url_open(f"/mailing/preferences/{self.p_offers.id}/{'0' * len(good)}"),
            self.url_open(f"/mailing/preferences/{self.p_offers.id}/{other}"),
            self.url_open(f"/mailing/preferences/{self.p_offers.id}/{good[:-1]}"),
            self.url_open(f"/mailing/preferences/{self.p_offers.id}"),
            self.url_open(
                f"/mailing/preferences/{missing_id}/"
                f"{self.env['res.partner']._subscription_preferences_token(missing_id)}"
            ),
            self.url_open(f"/mailing/preferences/{missing_id}/{good}"),
        ]
        for response in responses:
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Olga", response.text)
            self.assertNotIn("olga@example.com", response.text)

    def test_save_changes_types_and_records_evidence(self):
        path = self._path(self.p_offers)
        before = len(self._events(self.p_offers))
        response = self._post(
            path,
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_events.id), str(self.type_offers.id)],
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_preferences_saved", response.text)
        self.p_offers.invalidate_recordset()
        self.assertEqual(
            self.p_offers.subscription_type_ids, self.type_events | self.type_offers
        )
        self.assertEqual(self.p_offers.emarketing_state, "active")
        events = self._events(self.p_offers)[before:]
        self.assertEqual(len(events), 1)
        self.assertEqual(events.event_type, "preference")
        self.assertEqual(events.source, "portal")
        self.assertEqual(events.ip_address, "127.0.0.1")
        self.assertEqual(events.user_agent, UA)
        self.assertIn("Subscribed to: Events & webinars.", events.description)
        self.assertIn("Unsubscribed from: Newsletter.", events.description)

    def test_forged_post_changes_nothing(self):
        """A POST with another contact's token or a forged one writes nothing."""
        types_before = self.p_offers.subscription_type_ids
        events_before = len(self._events(self.p_offers))
        csrf_path = self._path(self.p_newsletter)
        for token in (
            self.p_newsletter._subscription_preferences_token(self.p_newsletter.id),
            "f" * 64,
        ):
            response = self._post(
                f"/mailing/preferences/{self.p_offers.id}/{token}",
                csrf_path=csrf_path,
                action="withdraw_all",
            )
            self.assertEqual(response.status_code, 404)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, types_before)
        self.assertEqual(self.p_offers.emarketing_state, "active")
        self.assertEqual(len(self._events(self.p_offers)), events_before)
        self.assertEqual(self.p_newsletter.subscription_type_ids, self.type_newsletter)

    def _page_state(self, path):
        html = self.url_open(path).text
        return {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
            **dict(re.findall(r'name="(shown_[a-z_]+)" value="([^"]*)"', html)),
        }

    def test_stale_tab_keeps_a_type_left_or_joined_elsewhere(self):
        """Page loaded with Offers and Newsletter ticked. Meanwhile Olga leaves
        Offers by one-click and joins Events elsewhere. Save on the stale tab
        (only Newsletter unticked there): Newsletter leaves, Offers stays left,
        Events stays joined."""
        path = self._path(self.p_offers)
        stale = self._page_state(path)
        self.assertEqual(
            set(stale["shown_type_ids"].split(",")),
            {str(self.type_offers.id), str(self.type_newsletter.id)},
        )
        self.p_offers._subscription_unsubscribe(self.type_offers, "unsubscribe_link")
        self.p_offers.write({"subscription_type_ids": [(4, self.type_events.id)]})
        response = self.url_open(
            path,
            data={
                **stale,
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [str(self.type_offers.id)],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_events)
        # the fresh page shows Offers unticked: ticking it joins again
        self._post(
            path,
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_offers.id), str(self.type_events.id)],
        )
        self.p_offers.invalidate_recordset()
        self.assertEqual(
            self.p_offers.subscription_type_ids, self.type_offers | self.type_events
        )

    def test_form_without_shown_types_joins_nothing_but_leaves(self):
        path = self._path(self.p_offers)
        state = self._page_state(path)
        del state["shown_type_ids"]  # a page rendered before this field existed
        response = self.url_open(
            path,
            data={
                **state,
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [
                    str(self.type_offers.id),
                    str(self.type_events.id),
                ],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_offers)

    def test_type_archived_after_the_page_loaded_blocks_nothing(self):
        """Offers is shown ticked, then archived by the marketer: the tab still
        saves (Offers left out) and still withdraws from all."""
        path = self._path(self.p_offers)
        stale = self._page_state(path)
        self.type_offers.active = False
        response = self.url_open(
            path,
            data={
                **stale,
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [
                    str(self.type_offers.id),
                    str(self.type_events.id),
                ],
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.p_offers.invalidate_recordset()
        # Newsletter unticked: left; Events ticked: joined; archived Offers kept
        self.assertEqual(
            self.p_offers.with_context(active_test=False).subscription_type_ids,
            self.type_offers | self.type_events,
        )
        response = self.url_open(
            path,
            data={
                **stale,
                "action": "withdraw_all",
                "subscription_type_ids": [str(self.type_offers.id), "99999999"],
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.emarketing_state, "withdrawn")

    def test_many_archived_types_pass_one_unknown_among_them_is_refused(self):
        """Archived types are checked together (one query): all archived pass,
        a single unknown id among them refuses the whole form."""
        path = self._path(self.p_offers)
        archived = self.env["mailing.subscription.type"].create(
            [{"name": f"Old list {n}", "active": False} for n in range(40)]
        )
        chosen = [str(t.id) for t in archived] * 5 + [str(self.type_events.id)]
        response = self.url_open(
            path,
            data={
                **self._page_state(path),
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": chosen,
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.p_offers.invalidate_recordset()
        self.assertIn(self.type_events, self.p_offers.subscription_type_ids)
        self.assertFalse(archived & self.p_offers.subscription_type_ids)
        events_before = len(self._events(self.p_offers))
        response = self.url_open(
            path,
            data={
                **self._page_state(path),
                "action": "save",
                "emarketing": "1",
                "subscription_type_ids": [str(t.id) for t in archived] + ["99999999"],
            },
        )
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.p_offers.invalidate_recordset()
        self.assertIn(self.type_events, self.p_offers.subscription_type_ids)
        self.assertEqual(len(self._events(self.p_offers)), events_before)

    def test_forged_shown_types_are_refused_and_change_nothing(self):
        path = self._path(self.p_offers)
        types_before = self.p_offers.subscription_type_ids
        events_before = len(self._events(self.p_offers))
        for label, value in {
            "unknown type": "99999999",
            "malformed list": f"{self.type_offers.id}x",
            "NUL byte": f"{self.type_offers.id}\x00",
            "non-ASCII": "\u00b2",
        }.items():
            with self.subTest(label):
                response = self.url_open(
                    path,
                    data={
                        **self._page_state(path),
                        "shown_type_ids": value,
                        "action": "save",
                        "emarketing": "1",
                        "subscription_type_ids": [str(self.type_events.id)],
                    },
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
        state = self._page_state(path)
        repeated = self.url_open(
            path,
            data=(
                f"csrf_token={state['csrf_token']}&action=save&emarketing=1"
                f"&shown_type_ids=&shown_type_ids={self.type_offers.id}"
                f"&subscription_type_ids={self.type_events.id}"
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.assertEqual(repeated.status_code, 400)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, types_before)
        self.assertEqual(len(self._events(self.p_offers)), events_before)

    def test_withdraw_from_all(self):
        response = self._post(self._path(self.p_offers), action="withdraw_all")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_preferences_withdrawn", response.text)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.emarketing_state, "withdrawn")
        self.assertFalse(self.p_offers.subscription_type_ids)
        withdraw = self._events(self.p_offers).filtered(
            lambda e: e.event_type == "withdraw"
        )[-1:]
        self.assertEqual(withdraw.source, "portal")
        self.assertEqual(withdraw.user_agent, UA)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.p_offers.id)]
        )
        self.assertEqual(activity.user_id, self.user_salesperson)
        self.assertIn("opted out of e-marketing", activity.summary)

    def test_withdraw_from_all_covers_every_marketing_purpose(self):
        self.p_offers._consent_grant("whatsapp_marketing", source="manual")
        self.assertTrue(self.p_offers._consent_may_send("whatsapp_marketing"))
        self._post(self._path(self.p_offers), action="withdraw_all")
        self.p_offers.invalidate_recordset()
        self.assertFalse(self.p_offers._consent_may_send("whatsapp_marketing"))
        states = {r.purpose_id.code: r.state for r in self.p_offers.consent_record_ids}
        self.assertEqual(states["whatsapp_marketing"], "withdrawn")
        self.assertEqual(states["emarketing"], "withdrawn")
        # Purposes the contact never consented to are left alone.
        self.assertNotIn("sms_marketing", states)

    def test_consent_given_on_the_page_keeps_the_wording(self):
        path = self._path(self.p_no_record)
        self._post(
            path,
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_newsletter.id)],
        )
        record = self.env["consent.record"].search(
            [
                ("partner_id", "=", self.p_no_record.id),
                ("purpose_id.code", "=", "emarketing"),
            ]
        )
        self.assertEqual(record.state, "active")
        self.assertEqual(record.legal_basis, "consent")
        self.assertEqual(record.source, "portal")
        self.assertEqual(record.ip_address, "127.0.0.1")
        self.assertTrue(record.consent_text)
        self.assertEqual(self.p_no_record.subscription_type_ids, self.type_newsletter)

    def test_unticking_emarketing_withdraws(self):
        self._post(
            self._path(self.p_newsletter),
            action="save",
            subscription_type_ids=[str(self.type_newsletter.id)],
        )
        self.p_newsletter.invalidate_recordset()
        self.assertEqual(self.p_newsletter.emarketing_state, "withdrawn")
        self.assertEqual(self.p_newsletter.subscription_type_ids, self.type_newsletter)

    def test_portal_user_reaches_page_from_my(self):
        portal_user = new_test_user(
            self.env,
            login="portal_olga",
            password="portal_olga_pw",
            groups="base.group_portal",
            name="Portal Olga",
            email="portal.olga@example.com",
        )
        self.authenticate("portal_olga", "portal_olga_pw")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/subscriptions"', home.text)
        response = self.url_open("/my/subscriptions")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.url.endswith(
                portal_user.partner_id._subscription_preferences_path()
            )
        )
        self.assertIn("Portal Olga", response.text)

    def test_page_in_contact_language(self):
        for code in ("da_DK", "nl_NL"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions", "consent_management"],
            ["da_DK", "nl_NL"],
            overwrite=True,
        )
        self.p_offers.lang = "da_DK"
        self.p_newsletter.lang = "nl_NL"
        html_da = self.url_open(self._path(self.p_offers)).text
        self.assertIn("Gem mine præferencer", html_da)
        self.assertIn("Tilbud", html_da)  # the type "Offers"
        self.assertIn('lang="da-DK"', html_da)
        html_nl = self.url_open(self._path(self.p_newsletter)).text
        self.assertIn("Mijn voorkeuren opslaan", html_nl)
        self.assertIn("Aanbiedingen", html_nl)
        self.assertNotIn("Save my preferences", html_da + html_nl)

    def test_language_picked_in_the_footer_wins(self):
        for code in ("da_DK", "nl_NL"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions"], ["da_DK", "nl_NL"], overwrite=True
        )
        self.p_offers.lang = "da_DK"
        html = self.url_open(f"/nl{self._path(self.p_offers)}").text
        self.assertIn("Mijn voorkeuren opslaan", html)
        self.assertIn(f'action="/nl{self._path(self.p_offers)}"', html)
        # Without a language in the URL, the contact's own language.
        self.assertIn(
            "Gem mine præferencer", self.url_open(self._path(self.p_offers)).text
        )

    def test_withdrawal_with_the_switch_off_blocks_the_address(self):
        """Switch off, only Odoo's blocklist stops mailings: a withdrawal on
        the page puts the address on it; saving other choices does not."""
        self._set_privacy(False)
        self._post(
            self._path(self.p_newsletter),
            action="save",
            emarketing="1",
            subscription_type_ids=[str(self.type_offers.id)],
        )
        self.p_newsletter.invalidate_recordset()
        self.assertFalse(self.p_newsletter.is_blacklisted)
        self._post(self._path(self.p_newsletter), action="withdraw_all")
        self.p_newsletter.invalidate_recordset()
        self.assertEqual(self.p_newsletter.emarketing_state, "withdrawn")
        self.assertTrue(self.p_newsletter.is_blacklisted)
        # Switch on, the consent record is enough: no blocklist entry.
        self._set_privacy(True)
        self._post(self._path(self.p_offers), action="withdraw_all")
        self.p_offers.invalidate_recordset()
        self.assertFalse(self.p_offers.is_blacklisted)
