"""EWS as deployed: throttling, impersonation and delegate access."""

import time
from datetime import timedelta

from odoo.tests import tagged

from .test_ews import TestEws

ANNA = "anna@nordlys.example"


@tagged("post_install", "-at_install")
class TestEwsAsDeployed(TestEws):
    # TestEws's own tests are not run again: Odoo's loader takes this class's

    def set_max_wait(self, seconds):
        self.env["ir.config_parameter"].sudo().set_param(
            "exchange_calendar_sync.ews_max_wait", str(seconds)
        )

    def add_events(self, count):
        return [
            self.ews.add_event(
                ANNA,
                f"Travlt {n}",
                self.base + timedelta(hours=n),
                self.base + timedelta(hours=n, minutes=30),
            )
            for n in range(count)
        ]

    def test_server_busy_is_waited_out_and_nothing_is_lost(self):
        self.set_max_wait(10)
        remote_ids = self.add_events(7)
        self.ews.throttle("GetItem", times=2, back_off_ms=300)
        started = time.monotonic()
        self.sync()
        self.assertGreaterEqual(time.monotonic() - started, 0.6)
        self.assertEqual(self.ews.throttled, [("GetItem", 300)] * 2)
        self.assertEqual(self.mb_anna.sync_status, "ok")
        self.assertEqual(
            sorted(self.links(self.mb_anna).mapped("remote_id")), sorted(remote_ids)
        )
        self.assertEqual(len(self.anna_events()), 7)

    def test_server_busy_beyond_the_bound_stops_the_run_cleanly(self):
        self.set_max_wait(1)
        self.add_events(7)
        # busy for good while the second page is read
        calls = {"n": 0}

        def busy_from_second_get_item(operation):
            if operation == "GetItem":
                calls["n"] += 1
                if calls["n"] >= 2:
                    return self.ews.server_busy(800)
            return None

        self.ews.fail_when = busy_from_second_get_item
        started = time.monotonic()
        self.mb_anna._run_sync()
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("busy", self.mb_anna.last_error)
        # the first page is kept; the next run, with Exchange back, goes on from it
        self.assertEqual(len(self.links(self.mb_anna)), 5)
        self.ews.fail_when = None
        self.sync()
        self.assertEqual(len(self.links(self.mb_anna)), 7)
        self.assertEqual(len(set(self.anna_events().mapped("name"))), 7)
        self.assertEqual(len(self.anna_events()), 7)

    def test_impersonation_sends_the_header_for_each_mailbox(self):
        self.config.ews_access = "impersonation"
        self.ews.add_event(ANNA, "Som Anna", self.base, self.base + timedelta(hours=1))
        self.sync(self.mb_anna, self.mb_bo)
        self.assertEqual(self.anna_events().mapped("name"), ["Som Anna"])
        self.assertEqual(set(self.ews.impersonations), {ANNA, "bo@nordlys.example"})

    def test_impersonation_without_the_role_is_reported(self):
        self.config.ews_access = "impersonation"
        self.ews.impersonation_granted = False
        self.ews.add_event(ANNA, "Som Anna", self.base, self.base + timedelta(hours=1))
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("ErrorImpersonateUserDenied", self.mb_anna.last_error)
        self.assertFalse(self.links(self.mb_anna))
        self.assertFalse(self.anna_events())

    def test_delegate_access_needs_rights_on_each_mailbox(self):
        self.ews.delegate_rights = {"bo@nordlys.example"}
        self.ews.add_event(ANNA, "Annas", self.base, self.base + timedelta(hours=1))
        self.ews.add_event(
            "bo@nordlys.example", "Bos", self.base, self.base + timedelta(hours=1)
        )
        self.env["exchange.sync.mailbox"].browse(
            (self.mb_anna | self.mb_bo).ids
        )._run_sync()
        # Anna's mailbox is refused and reported; Bo's runs on
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("ErrorAccessDenied", self.mb_anna.last_error)
        self.assertEqual(self.mb_bo.sync_status, "ok")
        self.assertEqual(len(self.links(self.mb_bo)), 1)
        self.assertFalse(self.ews.impersonations)

    def test_ntlm_login_as_exchangelib_does_by_default(self):
        self.ews.auth = "ntlm"
        self.config.ews_auth_type = "ntlm"
        self.ews.add_event(ANNA, "Via NTLM", self.base, self.base + timedelta(hours=1))
        self.sync()
        self.assertEqual(self.anna_events().mapped("name"), ["Via NTLM"])
        self.assertIn(3, self.ews.ntlm_messages)  # the authenticate message

    def test_ntlm_with_a_wrong_password_changes_nothing(self):
        self.ews.auth = "ntlm"
        self.config.write({"ews_auth_type": "ntlm", "ews_password": "forkert"})
        self.ews.add_event(ANNA, "Via NTLM", self.base, self.base + timedelta(hours=1))
        self.mb_anna._run_sync()
        self.assertEqual(self.mb_anna.sync_status, "error")
        self.assertIn("Unauthorized", self.mb_anna.last_error)
        self.assertFalse(self.ews.operations)
        self.assertFalse(self.anna_events())
