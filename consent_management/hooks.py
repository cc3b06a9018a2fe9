import logging

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Give every existing contact its initial legal bases (see consent.initializer)."""
    report = env["consent.initializer"]._run_rules()
    for name, count in report:
        _logger.info("Consent initialisation: %s -> %s contacts", name, count)
