from . import exchange_relink_wizard
from . import exchange_permission_wizard
