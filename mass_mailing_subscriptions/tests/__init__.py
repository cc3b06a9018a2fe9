from . import test_enforcement
from . import test_initializer
from . import test_notify_salesperson
from . import test_preferences
from . import test_unsubscribe
from . import test_tour
from . import test_smtp_wire
from . import test_subscription_type
