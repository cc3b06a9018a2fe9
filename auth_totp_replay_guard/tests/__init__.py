from . import test_totp_login
