from . import test_service_call
