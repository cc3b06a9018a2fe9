from . import (
    test_access,
    test_api,
    test_double_opt_in,
    test_event_append_only,
    test_expiry_export,
    test_initializer,
    test_merge,
    test_new_contacts,
    test_routes,
    test_security,
    test_settings_wizard,
    test_tours,
)
