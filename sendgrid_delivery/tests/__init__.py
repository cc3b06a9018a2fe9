from . import test_dns_check
from . import test_ingest
from . import test_sending
from . import test_sender_identity
from . import test_settings
from . import test_webhook
from . import test_ui
from . import test_webhook_fuzz
