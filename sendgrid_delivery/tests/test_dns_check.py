"""Check sending domain: real DNS queries to a DNS server on 127.0.0.1."""

from nordic_crm_fakes.dns import FakeDNSServer

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

TARGET = "u7654321.wl042.sendgrid.net"
ZONES = {
    "sg-test.example": {"TXT": ["v=spf1 include:sendgrid.net -all"]},
    "s1._domainkey.sg-test.example": {"CNAME": [f"s1.domainkey.{TARGET}"]},
    "s2._domainkey.sg-test.example": {"CNAME": [f"s2.domainkey.{TARGET}"]},
    "em4242.sg-test.example": {"CNAME": [TARGET]},
    "_dmarc.sg-test.example": {"TXT": ["v=DMARC1; p=reject"]},
    "klant.example": {"TXT": ["v=spf1 include:spf.protection.outlook.com -all"]},
    "s1._domainkey.klant.example": {"CNAME": ["selector1.outlook.example"]},
}


@tagged("post_install", "-at_install")
class TestDomainCheck(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dns = FakeDNSServer(ZONES).start()
        cls.addClassCleanup(cls.dns.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(
            "sendgrid_delivery.dns_nameserver", f"{cls.dns.host}:{cls.dns.port}"
        )
        params.set_param("sendgrid_delivery.dns_target", TARGET)
        params.set_param("sendgrid_delivery.return_path_subdomain", "em4242")
        cls.env["sendgrid.sender.identity"].create(
            {"name": "Nordlys", "email": "info@sg-test.example"}
        )

    def _results(self, check):
        return {(line.domain, line.check): line for line in check.line_ids}

    def test_button_from_settings_checks_sender_domains(self):
        action = (
            self.env["res.config.settings"].create({}).action_sendgrid_check_domain()
        )
        check = self.env["sendgrid.domain.check"].browse(action["res_id"])
        self.assertIn("sg-test.example", check.domains)
        results = self._results(check)
        for name in ("spf", "dkim_s1", "dkim_s2", "return_path", "dmarc"):
            self.assertEqual(results[("sg-test.example", name)].status, "found", name)
        self.assertIn(("s1._domainkey.sg-test.example", "CNAME"), self.dns.queries)

    def test_wrong_and_missing_records_with_record_to_add(self):
        check = self.env["sendgrid.domain.check"].create({"domains": "klant.example"})
        check.action_check()
        results = self._results(check)
        spf = results[("klant.example", "spf")]
        self.assertEqual(spf.status, "wrong")
        self.assertEqual(
            spf.expected,
            "v=spf1 include:spf.protection.outlook.com include:sendgrid.net -all",
        )
        self.assertEqual(results[("klant.example", "dkim_s1")].status, "wrong")
        self.assertEqual(
            results[("klant.example", "dkim_s1")].expected, f"s1.domainkey.{TARGET}"
        )
        dkim2 = results[("klant.example", "dkim_s2")]
        self.assertEqual(
            (dkim2.status, dkim2.record_name),
            ("missing", "s2._domainkey.klant.example"),
        )
        self.assertEqual(results[("klant.example", "dmarc")].status, "missing")
        self.assertIn("0 of 5", check.summary)

    def test_invalid_domain_is_a_user_error(self):
        check = self.env["sendgrid.domain.check"].create({"domains": "not a domain"})
        with self.assertRaises(UserError):
            check.action_check()
