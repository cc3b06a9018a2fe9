"""Bad input on the consent links answers 400/403/404 in plain words, never 500,
and writes nothing."""

from odoo.tests import HttpCase, tagged

MALFORMED = "This consent link is malformed."


@tagged("post_install", "-at_install")
class TestConsentRoutesBadInput(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Jonas Berg", "email": "jonas@nordlys.example"}
        )

    def setUp(self):
        super().setUp()
        self.path = self.partner._consent_signed_path("emarketing")
        (
            _empty,
            _consent,
            self.action,
            self.pid,
            self.code,
            self.expires,
            self.sig,
        ) = self.path.split("/")

    def link(self, action=None, pid=None, code=None, expires=None, sig=None):
        parts = (
            action or self.action,
            pid or self.pid,
            code or self.code,
            expires or self.expires,
            sig or self.sig,
        )
        return "/consent/" + "/".join(parts)

    def written(self):
        self.env.invalidate_all()
        return (
            self.env["consent.record"].search_count([]),
            self.env["consent.event"].search_count([]),
        )

    def both(self, path, **post):
        """GET and POST the path; return both responses."""
        get = self.url_open(path)
        post = self.url_open(path, data=post or {"confirm": "1"})
        return get, post

    def test_issue_example_answers_400(self):
        before = self.written()
        for response in self.both("/consent/confirm/1/a%00b/1/x"):
            self.assertEqual(response.status_code, 400)
            self.assertIn("text/plain", response.headers["Content-Type"])
            self.assertEqual(response.text, MALFORMED)
        self.assertEqual(self.written(), before)

    def test_malformed_parts_answer_400(self):
        before = self.written()
        for path in (
            self.link(code="emark%00eting"),
            self.link(code="%C3%A9"),
            self.link(code="e" * 5000),
            self.link(sig=self.sig[:-1] + "%00"),
            self.link(sig="%C2%B2" * 32),
            self.link(sig=self.sig * 100),
            self.link(sig=self.sig.upper()),
            self.link(pid="99999999999999999999"),
            self.link(pid="-1"),
            self.link(expires="9" * 40),
        ):
            for response in self.both(path):
                self.assertEqual(response.status_code, 400, path[:120])
                self.assertEqual(response.text, MALFORMED)
        self.assertEqual(self.written(), before)

    def test_unknown_action_or_shape_answers_404(self):
        before = self.written()
        for path in (
            self.link(action="erase"),
            self.link(action="conf%00irm"),
            self.link(action="%C3%A6"),
            self.link(expires="abc"),
            "/consent/confirm/1/emarketing/1",
        ):
            for response in self.both(path):
                self.assertEqual(response.status_code, 404, path)
        self.assertEqual(self.written(), before)

    def test_wrong_ids_answer_403(self):
        before = self.written()
        for path in (
            self.link(pid=str(self.partner.id + 100000)),
            self.link(pid="2147483647"),
            self.link(code="sms_marketing"),
            self.link(code="no_such_purpose"),
        ):
            for response in self.both(path):
                self.assertEqual(response.status_code, 403, path)
        self.assertEqual(self.written(), before)

    def test_odd_bodies_on_a_forged_link_change_nothing(self):
        before = self.written()
        forged = self.link(sig="0" * 64)
        for kwargs in (
            {"data": {"confirm": ["1", "2"], "extra": "\x00"}},
            {
                "data": b'{"confirm": 1}',
                "headers": {"Content-Type": "application/json"},
            },
            {"data": b"confirm=%00%C3", "headers": {"Content-Type": "text/plain"}},
            {"data": {"confirm": "x" * 1_000_000}},
        ):
            response = self.url_open(forged, **kwargs)
            self.assertEqual(response.status_code, 403)
        self.assertEqual(self.written(), before)

    def test_repeated_parameters_confirm_once(self):
        before = self.written()
        page = self.url_open(self.path + "?confirm=1&confirm=2&action=withdraw")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(self.written(), before)
        records, events = self.written()
        response = self.url_open(
            self.path + "?action=withdraw", data={"confirm": ["1", "1"]}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.partner.emarketing_state, "active")
        confirmations = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id), ("event_type", "=", "confirm")]
        )
        self.assertEqual(len(confirmations), 1)
        self.assertEqual(self.written(), (records + 1, events + 1))
