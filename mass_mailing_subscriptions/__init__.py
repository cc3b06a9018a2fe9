from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """Run the consent initialiser again so rule 20 (contacts already mailed)
    applies to the mailings sent before this addon was installed."""
    env["consent.initializer"]._run_rules()
