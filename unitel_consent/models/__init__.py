from . import res_partner, unitel_call
