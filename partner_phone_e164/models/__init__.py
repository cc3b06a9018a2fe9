from . import res_partner
from . import base_partner_merge
