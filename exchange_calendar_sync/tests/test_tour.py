from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConfigTour(HttpCase):
    def test_administrator_finds_backend_advice_and_ews_warning(self):
        self.start_tour(
            "/odoo/action-calendar.calendar_settings_action",
            "exchange_calendar_sync_config_tour",
            login="admin",
        )
