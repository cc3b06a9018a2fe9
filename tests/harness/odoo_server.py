"""Start Odoo's server as ``odoo-bin`` does, for the prefork (``--workers``) runs.

Odoo's prefork server starts its websocket (gevent) process by running
``sys.executable sys.argv[0] gevent ...`` again. Under ``python -m odoo``,
``sys.argv[0]`` is ``odoo/__main__.py``, which cannot run as a plain script:
the gevent process dies at once and the server respawns it many times a
second, eating the CPU the workers are measured or tested on. This file runs
as a plain script, so the gevent process starts like the workers'.
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin: the server's clock is UTC
# as python -m: the working directory first on the path, not this folder (its
# modules, e.g. suite.py, must not shadow a package of the same name)
sys.path[0] = os.getcwd()

from odoo.cli.command import main  # noqa: E402

if __name__ == "__main__":
    main()
