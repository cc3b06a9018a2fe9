from . import exchange_sync_mixin
from . import exchange_sync_config
from . import exchange_sync_mailbox
from . import exchange_item_link
from . import calendar_event
from . import calendar_event_pull
from . import mail_activity
