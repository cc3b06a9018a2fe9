"""What every benchmark needs: Odoo's configuration, a throwaway database, the
sizes to run, an Odoo server to time routes over HTTP, and the result line.

Each ``bench_*.py`` times the whole path a user waits for (the route over HTTP,
or the action behind the button) against a baseline run on the same data, at
each size of :func:`sizes`, and prints one machine-readable line per figure on
stdout, ``BENCH {json}`` (see :func:`report`), which ``make bench`` collects
into its closing table; progress goes to stderr through :func:`say`.

Environment:

- ``BENCH_SCALE``: ``10k`` (10,000 contacts), ``100k`` (default: 10,000 and
  100,000) or ``1m`` (10,000, 100,000 and 1,000,000);
- ``BENCH_SIZES``: explicit comma-separated contact counts (wins over the scale);
- ``BENCH_BASELINE_SECONDS``: time box of a per-record baseline (default 60);
  a time-boxed baseline reports the rows it covered, never an extrapolation;
- ``BENCH_KEEP_DB=1``: keep the benchmark's database to look into it.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import requests

from tests.harness import suite

# A database with the suite's core dependencies already installed, when the
# machine has one (developers' machines); otherwise the benchmark installs.
TEMPLATE = "tmpl_suite"


SCALES = {
    "10k": (10_000,),
    "100k": (10_000, 100_000),
    "1m": (10_000, 100_000, 1_000_000),
}


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def sizes():
    """Contact counts to run, smallest first (``BENCH_SIZES`` / ``BENCH_SCALE``)."""
    explicit = os.environ.get("BENCH_SIZES")
    if explicit:
        return tuple(sorted(int(n.replace("_", "")) for n in explicit.split(",")))
    scale = os.environ.get("BENCH_SCALE", "100k").lower()
    if scale not in SCALES:
        raise SystemExit(f"BENCH_SCALE={scale}: expected one of {', '.join(SCALES)}")
    return SCALES[scale]


def baseline_seconds():
    return float(os.environ.get("BENCH_BASELINE_SECONDS", "60"))


def report(benchmark, size, figure, value, unit, goal, met, **details):
    """Print ``BENCH {json}``: one figure of one benchmark at one size.

    ``figure`` says in words what was timed, ``value``/``unit`` the number,
    ``goal`` the goal in words and ``met`` whether this run reached it;
    ``details`` the baseline and anything else a reader needs (JSON values).
    """
    line = {
        "benchmark": benchmark,
        "size": size,
        "figure": figure,
        "value": round(float(value), 4),
        "unit": unit,
        "goal": goal,
        "met": bool(met),
        **details,
    }
    print("BENCH " + json.dumps(line), flush=True)
    return line


def p50(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def odoo_config():
    """Find Odoo and PostgreSQL; return the path of Odoo's configuration file."""
    odoo_dir, version = suite.find_odoo()
    if odoo_dir is None:
        raise SystemExit(version)
    suite.ensure_pg()
    conf = suite.LOCAL / "odoo.conf"
    return conf if conf.exists() else suite.write_config(odoo_dir)


def create_db(conf, db, modules, template=TEMPLATE):
    """A database ``db`` with ``modules`` installed, without demo data."""
    if suite.db_exists(template):
        suite.copy_db(template, db)
        suite.odoo(
            conf,
            "-d",
            db,
            "-i",
            ",".join(modules),
            "--stop-after-init",
            "--log-level=warn",
            "--without-demo=all",
        )
    else:
        suite.install(conf, db, modules, demo=False)


@contextmanager
def bench_database(db, modules):
    """Yield Odoo's configuration path with a new database ``db`` holding
    ``modules``; the database is dropped afterwards (kept with BENCH_KEEP_DB=1,
    to look into it)."""
    conf = odoo_config()
    try:
        say(f"creating {db} ...")
        create_db(conf, db, modules)
        yield conf
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            suite.drop_db(db)


def insert_contacts(cr, sql, count, **params):
    """Run ``sql`` (an INSERT ... SELECT ... generate_series of ``count`` contacts).

    ``sql`` ends its column list with ``{extra_cols}`` and its values with
    ``{extra_vals}``: Accounting, when installed, adds a NOT NULL column without
    a default to res_partner, which raw inserts must fill.
    """
    cr.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'res_partner' AND column_name = 'autopost_bills'"
    )
    has_column = cr.fetchone()
    extra_cols, extra_vals = (", autopost_bills", ", 'no'") if has_column else ("", "")
    cr.execute(
        sql.format(extra_cols=extra_cols, extra_vals=extra_vals),
        dict(params, count=count),
    )
    if cr.rowcount != count:
        raise SystemExit(f"inserted {cr.rowcount} contacts, not {count}")
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL"
    )


class OdooServer:
    """An Odoo server on ``db`` as a subprocess, on its own loopback port.

    ``workers=0`` is the threaded server (one process); ``workers=N`` Odoo's
    prefork server with N HTTP workers. Crons are off: a benchmark times its
    own path only.
    """

    def __init__(self, conf, db, workers=0, log_name=None):
        self.conf, self.db, self.workers = conf, db, workers
        self.port = suite.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = suite.LOCAL / "logs" / (log_name or f"{db}.server.log")
        self.proc = None

    def __enter__(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            str(suite.ROOT / "tests" / "harness" / "odoo_server.py"),
            "-c",
            str(self.conf),
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            f"--http-port={self.port}",
            f"--gevent-port={suite.free_port()}",
            "--http-interface=127.0.0.1",
            "--limit-time-real=600",
            "--log-level=warn",
            f"--logfile={self.log}",
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own Odoo, loopback only
            cmd, env=suite.python_env(), cwd=str(suite.LOCAL)
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise SystemExit(f"Odoo exited ({code}); see {self.log}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=10).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.__exit__()
        raise SystemExit(f"Odoo did not answer on {self.url}; see {self.log}")

    def __exit__(self, *_exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def login(self, login, password):
        """A ``requests.Session`` logged in as ``login`` (a browser's session)."""
        session = requests.Session()
        reply = session.post(
            f"{self.url}/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "params": {"db": self.db, "login": login, "password": password},
            },
            timeout=60,
        )
        reply.raise_for_status()
        if reply.json().get("error"):
            raise SystemExit(f"login of {login} failed: {reply.json()['error']}")
        return session
