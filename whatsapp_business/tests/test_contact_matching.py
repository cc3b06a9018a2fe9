"""One contact per number: inbound messages are matched on mobile AND phone."""

from odoo.tests import HttpCase, tagged

from .common import APP_SECRET, WhatsappCommon

URL = "/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWhatsappContactMatching(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]
        cls.Partner = cls.env["res.partner"]
        # WhatsApp runs on the landline-style "phone" field, the mobile is another
        cls.both = cls.Partner.create(
            {
                "name": "Birthe Both",
                "mobile": "+45 31 11 22 33",
                "phone": "40 55 66 77",
                "country_id": cls.env.ref("base.dk").id,
            }
        )

    def post(self, payload):
        body, headers = self.signed(payload, APP_SECRET)
        response = self.url_open(URL, data=body, headers=headers)
        self.assertEqual(response.status_code, 200)

    def test_both_numbers_are_the_shared_e164_values(self):
        # partner_phone_e164's values, the same Uni-tel recognises callers by
        self.assertEqual(self.both.mobile_e164, "+4531112233")
        self.assertEqual(self.both.phone_e164, "+4540556677")
        self.assertEqual(self.both._whatsapp_numbers(), {"4531112233", "4540556677"})
        self.assertEqual(self.both._whatsapp_address(), "4531112233")
        # the same number twice is one number
        self.both.phone = "31 11 22 33"
        self.assertEqual(self.both._whatsapp_numbers(), {"4531112233"})
        self.both.mobile = False
        self.assertEqual(self.both._whatsapp_address(), "4531112233")

    def test_message_from_phone_field_number_finds_the_contact(self):
        partners = self.Partner.search_count([])
        self.post(self.inbound_payload("wamid.MATCH.1", sender="4540556677"))
        self.post(self.inbound_payload("wamid.MATCH.2", sender="4540556677"))
        self.assertEqual(self.Partner.search_count([]), partners)
        messages = self.Message.search([("meta_id", "like", "wamid.MATCH.")])
        self.assertEqual(messages.partner_id, self.both)
        self.assertEqual(len(messages.channel_id), 1)
        channel = messages.channel_id
        self.assertEqual(channel.whatsapp_partner_id, self.both)
        # the reply goes to the number the customer writes from, not the mobile
        self.assertEqual(channel.whatsapp_number, "4540556677")
        message = self.tmpl_marketing._send_to_partner(self.both)
        self.assertEqual(message.channel_id, channel)
        self.assertEqual(message.recipient, "4540556677")

    def test_message_from_mobile_still_goes_to_the_mobile(self):
        self.post(self.inbound_payload("wamid.MATCH.3", sender="4531112233"))
        message = self.Message.search([("meta_id", "=", "wamid.MATCH.3")])
        self.assertEqual(message.partner_id, self.both)
        sent = self.tmpl_marketing._send_to_partner(self.both)
        self.assertEqual(sent.recipient, "4531112233")

    def test_phone_only_contact_is_found(self):
        landline = self.Partner.create(
            {
                "name": "Lars Landline",
                "phone": "+45 70 11 22 33",
            }
        )
        partners = self.Partner.search_count([])
        self.post(self.inbound_payload("wamid.MATCH.4", sender="4570112233"))
        self.assertEqual(self.Partner.search_count([]), partners)
        message = self.Message.search([("meta_id", "=", "wamid.MATCH.4")])
        self.assertEqual(message.partner_id, landline)

    def test_a_mobile_match_wins_over_another_contacts_phone(self):
        """The number is one contact's mobile and an older contact's phone:
        WhatsApp numbers are mobiles first, so the mobile's owner gets it."""
        older = self.Partner.create({"name": "Old Office", "phone": "+45 50 60 70 80"})
        owner = self.Partner.create({"name": "Mona Mobile", "mobile": "+4550607080"})
        self.assertLess(older.id, owner.id)
        self.post(self.inbound_payload("wamid.MATCH.5", sender="4550607080"))
        message = self.Message.search([("meta_id", "=", "wamid.MATCH.5")])
        self.assertEqual(message.partner_id, owner)

    def test_unknown_number_still_creates_one_contact(self):
        partners = self.Partner.search_count([])
        self.post(self.inbound_payload("wamid.MATCH.6", sender="4591919191"))
        self.post(self.inbound_payload("wamid.MATCH.7", sender="4591919191"))
        self.assertEqual(self.Partner.search_count([]), partners + 1)
        new = self.Message.search([("meta_id", "=", "wamid.MATCH.6")]).partner_id
        self.assertEqual(new.mobile_e164, "+4591919191")
        self.assertEqual(
            self.Message.search([("meta_id", "=", "wamid.MATCH.7")]).partner_id, new
        )

    def test_customer_writing_from_the_phone_field_gets_no_second_contact(self):
        """A customer typed as 'phone' only, nationally, with the company's
        country: the first message, the second and a stop all land on them."""
        self.env.company.partner_id.country_id = self.env.ref("base.dk")
        customer = self.Partner.create({"name": "Tove Telefon", "phone": "22 44 66 88"})
        partners = self.Partner.search_count([])
        for n in (8, 9):
            self.post(self.inbound_payload(f"wamid.MATCH.{n}", sender="4522446688"))
        self.assertEqual(self.Partner.search_count([]), partners)
        messages = self.Message.search(
            [("meta_id", "in", ["wamid.MATCH.8", "wamid.MATCH.9"])]
        )
        self.assertEqual(messages.partner_id, customer)
        self.assertEqual(len(messages.channel_id), 1)

    def test_archived_contact_is_not_matched(self):
        """An archived contact is out of the shared lookup: the number gets a
        new, active contact, the archived one stays untouched."""
        archived = self.Partner.create({"name": "Gammel", "mobile": "+45 29 29 29 29"})
        archived.action_archive()
        self.post(self.inbound_payload("wamid.MATCH.10", sender="4529292929"))
        message = self.Message.search([("meta_id", "=", "wamid.MATCH.10")])
        self.assertNotEqual(message.partner_id, archived)
        self.assertTrue(message.partner_id.active)
        self.assertFalse(archived.whatsapp_channel_ids)

    def test_mobile_wins_over_phone_in_the_shared_lookup(self):
        """The lookup is partner_phone_e164's: with the number as one contact's
        phone and another's mobile, both newer than a third's phone, the mobile
        wins; among phones the oldest."""
        first_phone = self.Partner.create({"name": "Kontor A", "phone": "+4561616161"})
        self.Partner.create({"name": "Kontor B", "phone": "+45 61 61 61 61"})
        by_phone, _by_user = self.Partner._whatsapp_find_known(
            [{"phone": "4561616161"}]
        )
        self.assertEqual(by_phone["+4561616161"], first_phone)
        mobile = self.Partner.create({"name": "Mobil", "mobile": "61 61 61 61"})
        by_phone, _by_user = self.Partner._whatsapp_find_known(
            [{"phone": "4561616161"}]
        )
        self.assertEqual(by_phone["+4561616161"], mobile)
