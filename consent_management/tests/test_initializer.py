from unittest.mock import patch

from odoo.tools import SQL

from .common import ConsentCase


class TestInitializer(ConsentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Init = cls.env["consent.initializer"]
        cls.blocked = cls.Partner.create(
            {"name": "Dorte Blocked", "email": "dorte@nordlys.example"}
        )
        cls.env["mail.blacklist"].sudo()._add("Dorte@Nordlys.example")

    def record_of(self, partner, purpose):
        return self.Record.search(
            [("partner_id", "=", partner.id), ("purpose_id", "=", purpose.id)]
        )

    def test_rules_are_ordered_and_named(self):
        rules = self.Init._get_rules()
        self.assertEqual([r["sequence"] for r in rules], [10, 40])
        self.assertEqual([r["key"] for r in rules], ["sales_service", "blacklist"])

    def test_rule1_every_contact_gets_sales_and_service(self):
        self.drop_legal_bases()
        report = self.Init._run_rules()
        self.assertGreaterEqual(report[0][1], 4)
        without = self.env.execute_query(
            SQL(
                """SELECT count(*) FROM res_partner p WHERE NOT EXISTS (
                   SELECT 1 FROM consent_record r WHERE r.partner_id = p.id
                      AND r.purpose_id = %s)""",
                self.sales.id,
            )
        )[0][0]
        self.assertEqual(without, 0)
        record = self.record_of(self.anna, self.sales)
        self.assertEqual(
            (record.legal_basis, record.state, record.source),
            ("legitimate_interest", "active", "initialisation"),
        )
        event = self.events_of(self.anna, self.sales)
        self.assertEqual((event.event_type, event.source), ("init", "initialisation"))
        self.assertEqual(event.record_id, record)
        # The SQL hash equals the Python one.
        self.assertEqual(
            event.partner_email_hash,
            self.Event.create(
                {
                    "partner_id": self.anna.id,
                    "purpose_id": self.sales.id,
                    "event_type": "preference",
                    "source": "manual",
                }
            ).partner_email_hash,
        )

    def test_rule3_never_mailed_contacts_get_no_emarketing(self):
        self.Init._run_rules()
        self.assertFalse(self.record_of(self.carla, self.emarketing))
        self.assertEqual(self.carla.emarketing_state, "none")
        self.assertGreater(self.Init._count_without_emarketing(), 0)

    def test_rule4_blacklisted_get_emarketing_withdrawn(self):
        report = dict(self.Init._run_rules())
        self.assertGreaterEqual(
            report["Blacklisted e-mail addresses: E-marketing withdrawn"], 1
        )
        record = self.record_of(self.blocked, self.emarketing)
        self.assertEqual(record.state, "withdrawn")
        self.assertTrue(record.withdrawn_at)
        self.assertEqual(self.blocked.emarketing_state, "withdrawn")
        self.assertEqual(
            self.Partner.search(
                [("id", "=", self.blocked.id), ("emarketing_state", "=", "withdrawn")]
            ),
            self.blocked,
        )

    def test_second_run_changes_nothing(self):
        self.Init._run_rules()
        records = self.Record.search_count([])
        events = self.Event.search_count([])
        report = self.Init._run_rules()
        self.assertEqual([count for _name, count in report], [0, 0])
        self.assertEqual(self.Record.search_count([]), records)
        self.assertEqual(self.Event.search_count([]), events)

    def test_withdrawn_contact_stays_withdrawn_after_rerun(self):
        self.Init._run_rules()
        self.anna._consent_withdraw("sales_service", source="email")
        self.bo._consent_withdraw("emarketing")
        self.Init._run_rules()
        self.assertEqual(self.record_of(self.anna, self.sales).state, "withdrawn")
        self.assertEqual(self.record_of(self.bo, self.emarketing).state, "withdrawn")
        self.assertEqual(self.bo.emarketing_state, "withdrawn")

    def test_explicit_consent_is_not_touched_by_rules(self):
        self.anna._consent_grant("sales_service", legal_basis="contract")
        self.Init._run_rules()
        record = self.record_of(self.anna, self.sales)
        self.assertEqual((record.legal_basis, record.source), ("contract", "manual"))

    def test_extension_rule_and_blacklist_wins_over_guess(self):
        """A rule added by another addon runs in sequence; a blacklisted address
        given legitimate interest by it is withdrawn by rule 4."""
        init_class = type(self.Init)
        original = init_class._get_rules
        mailed = self.anna | self.blocked

        def _get_rules(initializer):
            rules = original(initializer)
            rules.append(
                {
                    "key": "mailed",
                    "name": "Already mailed",
                    "method": "_test_rule_mailed",
                    "sequence": 20,
                }
            )
            return rules

        def _test_rule_mailed(initializer):
            return initializer._insert_missing_records(
                "emarketing",
                SQL("SELECT unnest(%s::int[])", mailed.ids),
                "legitimate_interest",
                "active",
            )

        with (
            patch.object(init_class, "_get_rules", _get_rules),
            patch.object(
                init_class, "_test_rule_mailed", _test_rule_mailed, create=True
            ),
        ):
            report = self.Init._run_rules()
            self.assertEqual(
                [name for name, _count in report],
                [
                    "Every contact: Sales and service (legitimate interest)",
                    "Already mailed",
                    "Blacklisted e-mail addresses: E-marketing withdrawn",
                ],
            )
            self.assertEqual(report[1][1], 2)
            self.assertEqual(self.anna.emarketing_state, "active")
            self.assertEqual(self.blocked.emarketing_state, "withdrawn")
            self.assertEqual(
                self.events_of(self.blocked, self.emarketing).mapped("event_type"),
                ["init", "withdraw"],
            )
            self.assertEqual([c for _n, c in self.Init._run_rules()], [0, 0, 0])

    def test_insert_missing_records_returns_count(self):
        query = SQL("SELECT unnest(%s::int[])", self.partners.ids)
        created = self.Init._insert_missing_records(
            "whatsapp_marketing", query, "consent", "active", source="migration"
        )
        self.assertEqual(created, 3)
        self.assertEqual(
            self.Init._insert_missing_records(
                "whatsapp_marketing", query, "consent", "active"
            ),
            0,
        )
        record = self.record_of(self.bo, self.whatsapp)
        self.assertEqual((record.state, record.source), ("active", "migration"))
        # The ORM sees SQL-inserted rows right away (caches invalidated).
        self.assertIn(record, self.bo.consent_record_ids)
