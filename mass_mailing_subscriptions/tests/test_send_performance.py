import json
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import SubscriptionsCase

BULK = 3000


@tagged("mass_mailing_subscriptions")
class TestSendPerformance(SubscriptionsCase):
    """The composer checks consent once per batch of 50 recipients: a batch
    must cost what its 50 recipients cost, not what all the contacts do
    (issue 15: enforced send <= 1.2x Odoo's own on 100,000 contacts)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # Same address as Walter Withdrawn, with consent and the type.
        cls.p_twin = Partner.create(
            {
                "name": "Wally at Work",
                "email": "walter@example.com",
                "subscription_type_ids": [Command.set(cls.type_offers.ids)],
            }
        )
        # Same address as a contact protected from marketing (Robinson).
        cls.p_robinson = Partner.create(
            {"name": "Rita Robinson", "email": "rita@example.com"}
        )
        cls.p_rita_work = Partner.create(
            {
                "name": "Rita at Work",
                "email": "rita@example.com",
                "subscription_type_ids": [Command.set(cls.type_offers.ids)],
            }
        )
        (cls.p_twin | cls.p_robinson | cls.p_rita_work)._consent_grant(
            "emarketing", source="manual"
        )
        cls.p_robinson.is_marketing_protected = True
        cls.everyone = cls.partners | cls.p_twin | cls.p_robinson | cls.p_rita_work

    def _verdicts(self, mailing, res_ids):
        return (
            mailing._consent_classify_recipients(res_ids),
            mailing._consent_kept_recipients(res_ids),
        )

    def _assert_same_probed_or_hashed(self, mailing, res_ids):
        probed = self._verdicts(mailing, res_ids)
        with patch.object(type(mailing), "_consent_probe_max", 0):
            hashed = self._verdicts(mailing, res_ids)
        self.assertEqual(probed, hashed)
        return probed

    def test_batch_verdict_is_the_rule_of_the_whole_set(self):
        """A composer batch (looked up per recipient) and a big set (rule
        sets hashed) get the same verdicts and reasons, for every kind of
        exclusion and every way a recipient maps to contacts."""
        mailing = self._create_partner_mailing(self.type_offers, partners=self.everyone)
        excluded, kept = self._assert_same_probed_or_hashed(mailing, self.everyone.ids)
        self.assertEqual(kept, self.p_offers.ids)
        self.assertEqual(
            {res_id: failure_type for res_id, (failure_type, _r) in excluded.items()},
            {
                self.p_newsletter.id: "mail_not_subscribed",
                self.p_no_record.id: "mail_no_consent",
                self.p_withdrawn.id: "mail_no_consent",
                self.p_twin.id: "mail_address_withdrawn",
                self.p_robinson.id: "mail_marketing_protected",
                self.p_rita_work.id: "mail_marketing_protected",
            },
        )
        self.assertEqual(
            excluded[self.p_twin.id][1],
            "Walter Withdrawn, another contact with this e-mail address, "
            "withdrew from e-marketing",
        )
        self.assertEqual(
            excluded[self.p_rita_work.id][1],
            "Rita Robinson is protected from marketing (Robinson)",
        )
        # Mailing-list contacts map to contacts by address.
        contacts = self.env["mailing.contact"].create(
            [{"name": p.name, "email": p.email} for p in self.everyone]
        )
        mailing.mailing_model_id = self.env["ir.model"]._get_id("mailing.contact")
        self.assertEqual(mailing._consent_recipient_link(), "email")
        excluded, kept = self._assert_same_probed_or_hashed(mailing, contacts.ids)
        self.assertEqual(len(kept), 1)
        self.assertEqual(len(excluded), len(contacts) - 1)
        # Users map to contacts through their partner_id.
        mailing.mailing_model_id = self.env["ir.model"]._get_id("res.users")
        self.assertEqual(mailing._consent_recipient_link(), "partner")
        users = self.user_marketing | self.user_salesperson
        excluded, kept = self._assert_same_probed_or_hashed(mailing, users.ids)
        self.assertFalse(kept)
        self.assertEqual(set(excluded), set(users.ids))

    def _bulk_contacts(self):
        """BULK contacts inserted as the benchmark does: 80 % consent (one in
        eight of them withdrawn later), half subscribed to Offers."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = "
            "'res_partner' AND column_name = 'autopost_bills'"
        )
        extra_cols, extra_vals = (
            (SQL(", autopost_bills"), SQL(", 'no'"))
            if cr.fetchone()
            else (SQL(), SQL())
        )
        cr.execute(
            SQL(
                """INSERT INTO res_partner (name, complete_name, active, type,
                          is_company, lang, email, email_normalized%s)
                   SELECT 'Bulk ' || n, 'Bulk ' || n, true, 'contact', false,
                          'en_US', 'bulk' || n || '@perf.example',
                          'bulk' || n || '@perf.example'%s
                     FROM generate_series(1, %s) AS n
                RETURNING id""",
                extra_cols,
                extra_vals,
                BULK,
            )
        )
        ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            (ids,),
        )
        purpose = self.env.ref("consent_management.consent_purpose_emarketing").id
        cr.execute(
            """INSERT INTO consent_record (partner_id, purpose_id, legal_basis,
                      state, source, captured_at)
               SELECT id, %s, 'consent',
                      CASE WHEN id %% 10 = 7 THEN 'withdrawn' ELSE 'active' END,
                      'import', now()
                 FROM unnest(%s::int[]) AS id WHERE id %% 10 < 8""",
            (purpose, ids),
        )
        cr.execute(
            """INSERT INTO res_partner_mailing_subscription_type_rel
                      (partner_id, type_id)
               SELECT id, %s FROM unnest(%s::int[]) AS id WHERE id %% 2 = 0""",
            (self.type_offers.id, ids),
        )
        for table in (
            "res_partner",
            "consent_record",
            "res_partner_mailing_subscription_type_rel",
        ):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        return ids

    def _plan(self, query):
        """The executed plan of ``query``: its nodes, and its JSON text."""
        self.env.cr.execute(SQL("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) %s", query))
        plan = self.env.cr.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        nodes, stack = [], [plan[0]["Plan"]]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(node.get("Plans", ()))
        return nodes, json.dumps(plan, indent=1)

    def test_batch_check_reads_only_its_recipients(self):
        """The check of one composer batch reads the consent records and
        subscriptions of its recipients, and finds their address twins by the
        address index, instead of reading every consent record and withdrawn
        address (which made each batch cost as much as all the contacts)."""
        ids = self._bulk_contacts()
        mailing = self._create_partner_mailing(self.type_offers, partners=self.everyone)
        batch = ids[1000:1050]
        nodes, plan = self._plan(mailing._consent_exclusion_query(batch))
        read = sum(
            (node["Actual Rows"] + node.get("Rows Removed by Filter", 0))
            * node["Actual Loops"]
            for node in nodes
            if node.get("Relation Name")
            in ("consent_record", "res_partner_mailing_subscription_type_rel")
        )
        # There are 2,700 consent records and 1,500 subscriptions here; the
        # batch reads a few rows per recipient.
        self.assertLess(read, 10 * len(batch), plan)
        self.assertIn(
            "res_partner__email_normalized_index",
            {node.get("Index Name") for node in nodes},
            plan,
        )
        # Same verdicts as the rule on the whole set, hashed.
        excluded, kept = self._assert_same_probed_or_hashed(mailing, batch)
        self.assertEqual(kept, [i for i in batch if i % 10 < 7 and i % 2 == 0])
        self.assertEqual(len(excluded), len(batch) - len(kept))

    def test_address_index_exists(self):
        """The shared-address rule looks contacts up by normalised e-mail."""
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner'"
            " AND indexdef LIKE '%%(email_normalized)%%'"
        )
        self.assertTrue(self.env.cr.fetchall())
