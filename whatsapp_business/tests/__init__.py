from . import test_account, test_send, test_webhook
