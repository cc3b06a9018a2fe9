from . import test_account, test_discuss, test_send, test_ui, test_webhook
from . import test_media_header
from . import test_provider_security
from . import test_message_access
from . import test_conversation_routing
from . import test_webhook_hardening
from . import test_public_methods
from . import test_contact_matching
from . import test_template_status
from . import test_template_components
from . import test_delivery_marks
from . import test_discuss_ui
from . import test_user_preferences
from . import test_send_resilience
from . import test_inbound_types
from . import test_opt_out_confirmation
from . import test_cost_planning
from . import test_concurrency
