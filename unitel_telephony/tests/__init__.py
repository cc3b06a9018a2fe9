from . import test_phone_lookup
from . import test_incoming_route
from . import test_click_to_call
from . import test_calls_notification
from . import test_settings_access
from . import test_call_access
from . import test_route_input
from . import test_public_methods
