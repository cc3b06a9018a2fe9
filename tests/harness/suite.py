#!/usr/bin/env python3
"""The suite's harness: PostgreSQL, Odoo configuration, tests, demo, benchmarks.

Odoo 18.0 is a prerequisite, never downloaded here. It is found as the
importable ``odoo`` package, or through ``ODOO_PATH`` (the folder holding the
``odoo`` package). PostgreSQL is found through ``PGHOST`` / ``PGPORT`` /
``PGUSER`` / ``PGPASSWORD``; when none is set, a private cluster is started
in ``.local/postgres`` of the checkout (port ``SUITE_PG_PORT``, 54329).

    python3 tests/harness/suite.py test [--addons a,b] [--each] [--keep-db]
    python3 tests/harness/suite.py demo [--db NAME] [--port 8069] [--no-serve]
    python3 tests/harness/suite.py bench
    python3 tests/harness/suite.py pg      # start/print the database server
"""

import argparse
import ast
import getpass
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
# Core addons installed beside the suite's own (two-factor login, issue 2).
CORE_EXTRA = ["auth_totp"]
PRIVATE_PORT = int(os.environ.get("SUITE_PG_PORT", "54329"))
PRIVATE_USER = "odoo"
# The suite's users speak Danish and Dutch: the demo has both languages loaded.
DEMO_LANGUAGES = "da_DK,nl_NL"


def say(*lines):
    for line in lines:
        print(line, flush=True)


def banner(*lines):
    width = max(len(line) for line in lines) + 4
    say("!" * width, *(f"! {line}" for line in lines), "!" * width)


# --------------------------------------------------------------------------
# Addons
# --------------------------------------------------------------------------
def read_manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


def suite_addons():
    """The installable addons at the repository root, by name."""
    names = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")):
        if read_manifest(manifest.parent).get("installable", True):
            names.append(manifest.parent.name)
    return names


def count_odoo_tests(addons):
    """How many real-Odoo test methods exist (for the no-Odoo report)."""
    dirs = [ROOT / name / "tests" for name in addons] + [ROOT / "tests" / "integration"]
    count = 0
    for folder in dirs:
        for path in folder.glob("**/test_*.py"):
            tree = ast.parse(path.read_text())
            count += sum(
                1
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name.startswith("test")
            )
    return count


# --------------------------------------------------------------------------
# Odoo
# --------------------------------------------------------------------------
def python_env():
    """Environment for child processes: Odoo and this checkout importable."""
    env = dict(os.environ)
    paths = [str(ROOT)]
    if os.environ.get("ODOO_PATH"):
        paths.append(os.environ["ODOO_PATH"])
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def find_odoo():
    """Return (odoo package folder, version string) or (None, reason)."""
    probe = (
        "import os, odoo, odoo.release as r;"
        "print(os.path.dirname(odoo.__file__)); print(r.version)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=python_env(),
        cwd=str(LOCAL if LOCAL.is_dir() else ROOT.parent),
    )
    if result.returncode != 0:
        return None, "Odoo is not importable by " + sys.executable
    folder, version = result.stdout.split()[-2:]
    if not version.startswith("18.0"):
        raise SystemExit(
            f"Odoo {version} found at {folder}, but this suite needs Odoo 18.0. "
            "Point ODOO_PATH at an Odoo 18.0 source tree."
        )
    return Path(folder), version


def odoo_addons_path(odoo_dir):
    paths = [odoo_dir / "addons"]
    if (odoo_dir.parent / "addons").is_dir():
        paths.append(odoo_dir.parent / "addons")
    extra = [Path(p) for p in os.environ.get("ODOO_ADDONS_PATH", "").split(",") if p]
    return [str(p) for p in [*paths, *extra, ROOT]]


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------
def pg_configured():
    return any(os.environ.get(k) for k in ("PGHOST", "PGPORT", "PGUSER"))


def pg_params():
    if pg_configured():
        return {
            "host": os.environ.get("PGHOST") or "",
            "port": os.environ.get("PGPORT") or "5432",
            "user": os.environ.get("PGUSER") or getpass.getuser(),
            "password": os.environ.get("PGPASSWORD") or "",
        }
    return {
        "host": "127.0.0.1",
        "port": str(PRIVATE_PORT),
        "user": PRIVATE_USER,
        "password": "",
    }


def pg_connect(dbname="postgres"):
    import psycopg2

    params = pg_params()
    kwargs = {"dbname": dbname, "user": params["user"], "connect_timeout": 3}
    if params["host"]:
        kwargs["host"] = params["host"]
    if params["port"]:
        kwargs["port"] = params["port"]
    if params["password"]:
        kwargs["password"] = params["password"]
    return psycopg2.connect(**kwargs)


def pg_reachable():
    try:
        pg_connect().close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def pg_bindir():
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit(
        "PostgreSQL server binaries not found: install Debian's 'postgresql' "
        "package, set PG_BINDIR, or point PGHOST/PGPORT/PGUSER at a server."
    )


def _as_postgres(cmd):
    """Run a server command as the 'postgres' user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _private_data_dir():
    folder = LOCAL / "postgres"
    if os.geteuid() == 0:
        # The server runs as 'postgres', which must be able to reach the folder.
        probe = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)],
            capture_output=True,
        )
        if probe.returncode != 0:
            folder = Path("/var/tmp") / f"odoo-suite-pg-{abs(hash(str(ROOT)))}"
    return folder


def ensure_pg():
    """Make sure a PostgreSQL server is reachable; start the private one if needed."""
    if pg_reachable():
        return pg_params()
    if pg_configured():
        raise SystemExit(
            "PostgreSQL configured by PGHOST/PGPORT/PGUSER is not reachable: "
            f"{pg_params()}"
        )
    bindir = pg_bindir()
    folder = _private_data_dir()
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    if not (data / "PG_VERSION").exists():
        say(f"Creating a private PostgreSQL cluster in {data}")
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PRIVATE_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {PRIVATE_PORT} "
        "-c unix_socket_directories='' -c max_connections=200 "
        # A throwaway test/demo cluster: durability is not worth the fsyncs.
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    say(f"Starting the private PostgreSQL server on 127.0.0.1:{PRIVATE_PORT}")
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _attempt in range(30):
        if pg_reachable():
            return pg_params()
        time.sleep(0.5)
    raise SystemExit(f"PostgreSQL did not come up; see {folder / 'server.log'}")


def db_exists(name):
    with pg_connect() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        found = cr.fetchone() is not None
    conn.close()
    return found


def drop_db(name):
    import psycopg2.sql

    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cr.execute(
            psycopg2.sql.SQL("DROP DATABASE IF EXISTS {}").format(
                psycopg2.sql.Identifier(name)
            )
        )
    conn.close()
    shutil.rmtree(LOCAL / "data" / "filestore" / name, ignore_errors=True)


def module_states(db, modules):
    conn = pg_connect(db)
    with conn.cursor() as cr:
        cr.execute(
            "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
            (list(modules),),
        )
        states = dict(cr.fetchall())
    conn.close()
    return {m: states.get(m, "absent") for m in modules}


# --------------------------------------------------------------------------
# Odoo configuration and commands
# --------------------------------------------------------------------------
def write_config(odoo_dir):
    params = pg_params()
    LOCAL.mkdir(exist_ok=True)
    (LOCAL / "data").mkdir(exist_ok=True)
    conf = LOCAL / "odoo.conf"
    lines = [
        "[options]",
        f"addons_path = {','.join(odoo_addons_path(odoo_dir))}",
        f"data_dir = {LOCAL / 'data'}",
        f"db_host = {params['host'] or 'False'}",
        f"db_port = {params['port'] or 'False'}",
        f"db_user = {params['user']}",
        f"db_password = {params['password'] or 'False'}",
        "http_interface = 127.0.0.1",
        "max_cron_threads = 1",
    ]
    conf.write_text("\n".join(lines) + "\n")
    return conf


# An Odoo log line at ERROR or CRITICAL level ("<date> <time> <pid> ERROR db x: y").
LOG_ERROR = re.compile(rb"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)


def odoo(conf, *args, check=True, quiet=False):
    """Run Odoo; with ``check``, a non-zero exit or an ERROR in its log fails.

    Odoo installs a module whose demo data broke "without demo data" and only
    logs an ERROR, so the exit code alone would hide it.
    """
    cmd = [sys.executable, "-m", "odoo", "-c", str(conf), *args]
    if not check:
        return subprocess.run(cmd, env=python_env(), cwd=str(LOCAL)).returncode
    result = subprocess.run(
        cmd,
        env=python_env(),
        cwd=str(LOCAL),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if not quiet:
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.flush()
    if result.returncode != 0:
        raise SystemExit(f"Odoo failed ({result.returncode}): {' '.join(cmd)}")
    if LOG_ERROR.search(result.stdout):
        raise SystemExit(f"Odoo logged errors: {' '.join(cmd)}")
    return result.returncode


def install(conf, db, modules, demo=True, extra=()):
    """Install ``modules`` into ``db`` (created when missing); fail loudly."""
    args = ["-d", db, "-i", ",".join(modules), "--stop-after-init", "--log-level=warn"]
    args.extend(extra)
    if not demo:
        args.append("--without-demo=all")
    odoo(conf, *args)
    states = module_states(db, modules)
    broken = {m: s for m, s in states.items() if s != "installed"}
    if broken:
        raise SystemExit(f"Modules not installed in {db}: {broken}")


class Tally:
    """Adds up the pytest runs of one ``make test`` into one summary line."""

    def __init__(self):
        self.counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
        self.broken = []  # runs that failed outside any test (install, crash)
        self.started = time.monotonic()
        self._reports = LOCAL / "reports"

    def report_path(self, label):
        self._reports.mkdir(parents=True, exist_ok=True)
        path = self._reports / f"{label}.xml"
        path.unlink(missing_ok=True)
        return path

    def add(self, label, returncode, report):
        import xml.etree.ElementTree as ET

        if not report.exists():
            self.broken.append(label)
            return
        root = ET.parse(report).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        run_failures = 0
        for suite in suites:
            tests = int(suite.get("tests", 0))
            failures = int(suite.get("failures", 0))
            errors = int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            self.counts["failed"] += failures
            self.counts["errors"] += errors
            self.counts["skipped"] += skipped
            self.counts["passed"] += tests - failures - errors - skipped
            run_failures += failures + errors
        if returncode not in (0, 5) and not run_failures:
            self.broken.append(label)

    @property
    def ok(self):
        return not (self.counts["failed"] or self.counts["errors"] or self.broken)

    def summary(self):
        c = self.counts
        line = (
            f"suite: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
        )
        if c["errors"]:
            line += f", {c['errors']} errors"
        if self.broken:
            say(f"Runs that broke outside the tests: {', '.join(self.broken)}")
        say(f"(all runs took {time.monotonic() - self.started:.0f}s)", line)


def _pytest(args, tally=None, label="run"):
    cmd = [sys.executable, "-m", "pytest", *args]
    report = None
    if tally is not None:
        report = tally.report_path(label)
        cmd.append(f"--junitxml={report}")
    say("$ " + " ".join(cmd))
    rc = subprocess.run(cmd, env=python_env(), cwd=str(ROOT)).returncode
    if tally is not None:
        tally.add(label, rc, report)
    return rc


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------
def cmd_pg(_args):
    params = ensure_pg()
    say(f"PostgreSQL reachable: {params}")
    return 0


def dependency_closure(odoo_dir, names):
    """Every module ``names`` need, themselves included, from the manifests."""
    folders = [Path(p) for p in odoo_addons_path(odoo_dir)]
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for folder in folders:
            if (folder / name / "__manifest__.py").is_file():
                todo.extend(read_manifest(folder / name).get("depends", []))
                break
    return seen


def copy_db(template, db):
    """A new database from ``template``, filestore included (as Odoo duplicates)."""
    import psycopg2.sql

    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(
            psycopg2.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                psycopg2.sql.Identifier(db), psycopg2.sql.Identifier(template)
            )
        )
    conn.close()
    store = LOCAL / "data" / "filestore"
    if (store / template).is_dir():
        shutil.copytree(store / template, store / db)


class Templates:
    """Pre-installed databases that per-addon runs copy instead of reinstalling.

    A template holds only modules that the addon's own dependency closure
    installs anyway (``base`` + ``auth_totp``, and ``mail`` when the addon needs
    it), so a copy plus ``-i addon`` gives the same database as a fresh install.
    """

    LAYERS = (("mail", ["mail"]), ("base", []))

    def __init__(self, odoo_dir, conf):
        self.odoo_dir, self.conf = odoo_dir, conf
        self.made = {}

    def for_addons(self, addons):
        needed = dependency_closure(self.odoo_dir, addons)
        for layer, modules in self.LAYERS:
            if set(modules) <= needed:
                return self._make(layer, modules)
        return None

    def _make(self, layer, modules):
        if layer not in self.made:
            db = f"suite_tmpl_{layer}_{os.getpid()}"
            if db_exists(db):
                drop_db(db)
            say(f"Preparing the template database '{db}' ...")
            install(self.conf, db, [*modules, *CORE_EXTRA] or ["base"])
            self.made[layer] = db
        return self.made[layer]

    def drop(self):
        for db in self.made.values():
            drop_db(db)


def _run_odoo_tests(
    odoo_dir, addons, paths, db, pytest_args, keep_db, tally, templates=None
):
    """Install ``addons`` into a fresh database ``db`` and run ``paths`` there."""
    ensure_pg()
    conf = write_config(odoo_dir)
    if db_exists(db):
        drop_db(db)
    modules = [*addons, *CORE_EXTRA]
    started = time.monotonic()
    try:
        try:
            template = templates.for_addons(addons) if templates else None
            if template:
                copy_db(template, db)
            say(f"Installing {', '.join(modules)} into a fresh database '{db}' ...")
            install(conf, db, modules)
        except SystemExit as exc:
            say(str(exc))
            tally.broken.append(f"install of {db}")
            return
        say(f"Installed in {time.monotonic() - started:.0f}s; running the tests.")
        _pytest(
            [
                "-p",
                "no:odoo",
                "-p",
                "tests.harness.pytest_plugin",
                f"--odoo-config={conf}",
                f"--odoo-database={db}",
                "--odoo-http",
                "--odoo-log-level=warn",
                *pytest_args,
                *paths,
            ],
            tally,
            db,
        )
    finally:
        if not keep_db:
            drop_db(db)


def _addon_tests(name):
    return [p for p in (f"{name}/tests",) if (ROOT / p).is_dir()]


def cmd_test(args):
    all_addons = suite_addons()
    addons = args.addons.split(",") if args.addons else all_addons
    unknown = sorted(set(addons) - set(all_addons))
    if unknown:
        raise SystemExit(f"Unknown addons: {', '.join(unknown)}")
    pytest_args = list(args.pytest_args)
    if pytest_args and pytest_args[0] == "--":
        pytest_args = pytest_args[1:]
    tally = Tally()
    odoo_dir, version = find_odoo()
    if odoo_dir is None:
        skipped = count_odoo_tests(addons)
        banner(
            f"ODOO 18 IS NOT IMPORTABLE ({version}).",
            f"Only the Odoo-free unit layer runs; {skipped} real-Odoo tests are "
            "SKIPPED.",
            "Install Odoo 18.0 (or set ODOO_PATH) and PostgreSQL to run them "
            "(see README.md).",
        )
        return _pytest(["-p", "no:odoo", *pytest_args, "tests/unit"])
    say(f"Odoo {version} found at {odoo_dir}")

    # 1. The Odoo-free layer, always.
    unit = (
        ["tests/unit"]
        if not args.addons
        else [p for p in (f"tests/unit/{a}" for a in addons) if (ROOT / p).is_dir()]
    )
    if unit:
        _pytest(["-p", "no:odoo", *pytest_args, *unit], tally, "unit")
    if args.addons and not args.each:
        # 2'. Chosen addons together, their own tests.
        paths = [p for a in addons for p in _addon_tests(a)]
        db = args.db or f"suite_test_{os.getpid()}"
        _run_odoo_tests(odoo_dir, addons, paths, db, pytest_args, args.keep_db, tally)
    else:
        # 2. Each addon installed alone (only its declared dependencies), its tests.
        ensure_pg()
        templates = Templates(odoo_dir, write_config(odoo_dir))
        try:
            for name in addons:
                if _addon_tests(name):
                    _run_odoo_tests(
                        odoo_dir,
                        [name],
                        _addon_tests(name),
                        f"suite_test_{name}",
                        pytest_args,
                        args.keep_db,
                        tally,
                        templates,
                    )
        except SystemExit as exc:
            say(str(exc))
            tally.broken.append("templates")
        finally:
            templates.drop()
        # 3. Every addon together: the cross-addon tests.
        if not args.each and (ROOT / "tests" / "integration").is_dir():
            _run_odoo_tests(
                odoo_dir,
                addons,
                ["tests/integration"],
                args.db or "suite_test_all",
                pytest_args,
                args.keep_db,
                tally,
            )
    tally.summary()
    return 0 if tally.ok else 1


def danish_company(conf, db):
    """Start the demo database as a Danish company, before Accounting installs.

    Odoo picks the chart of accounts (and with it the company's currency) from
    the company's country when Accounting is installed, which happens before any
    addon's demo data can say so: the demo company is made Danish first, so
    Nordlys ApS books in DKK with the Danish localisation.
    """
    install(conf, db, ["base"])
    script = (
        "env.company.write({'country_id': env.ref('base.dk').id,"
        " 'currency_id': env.ref('base.DKK').id}); env.cr.commit()"
    )
    result = subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", str(conf), "-d", db],
        input=script,
        text=True,
        capture_output=True,
        env=python_env(),
        cwd=str(LOCAL),
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"Could not make the demo company Danish:\n{result.stderr}")


def cmd_demo(args):
    odoo_dir, version = find_odoo()
    if odoo_dir is None:
        raise SystemExit(
            f"{version}. 'make demo' needs Odoo 18.0 installed (see README.md)."
        )
    ensure_pg()
    conf = write_config(odoo_dir)
    modules = [*suite_addons(), *CORE_EXTRA]
    if db_exists(args.db):
        say(f"Updating the suite's addons in the demo database '{args.db}' ...")
        odoo(
            conf,
            "-d",
            args.db,
            "-i",
            ",".join(modules),
            "-u",
            ",".join(suite_addons()),
            f"--load-language={DEMO_LANGUAGES}",
            "--stop-after-init",
            "--log-level=warn",
        )
    else:
        say(f"Creating the demo database '{args.db}' with demo data ...")
        danish_company(conf, args.db)
        install(conf, args.db, modules, extra=[f"--load-language={DEMO_LANGUAGES}"])
    if args.no_serve:
        say(f"Demo database '{args.db}' is ready.")
        return 0
    say(
        "",
        f"Odoo serves the demo on http://localhost:{args.port}/odoo",
        "Log in as: admin / admin (administrator, can enable two-factor login),",
        "           demo / demo (Marc Demo, salesperson), marketer / marketer",
        "Switch a user to Danish or Dutch in its preferences.",
        "Stop with Ctrl+C.",
        "",
    )
    return odoo(
        conf,
        "-d",
        args.db,
        f"--db-filter=^{re.escape(args.db)}$",
        f"--http-port={args.port}",
        "--http-interface=127.0.0.1",
        check=False,
    )


def cmd_bench(args):
    scripts = sorted((ROOT / "tests" / "benchmarks").glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if args.only in s.name]
    odoo_dir, version = find_odoo()
    if odoo_dir is None:
        raise SystemExit(f"{version}. The benchmarks measure against a real Odoo.")
    ensure_pg()
    write_config(odoo_dir)
    failed = []
    for script in scripts:
        say(f"--- {script.name}")
        rc = subprocess.run(
            [sys.executable, str(script)], env=python_env(), cwd=str(ROOT)
        ).returncode
        if rc:
            failed.append(script.name)
    if failed:
        say(f"Benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    test = sub.add_parser("test", help="run the unit layer and the real-Odoo tests")
    test.add_argument("--addons", help="comma-separated addons (default: all)")
    test.add_argument(
        "--each",
        action="store_true",
        help="only each addon alone in its own database (no cross-addon tests)",
    )
    test.add_argument("--keep-db", action="store_true", help="keep the test database")
    test.add_argument("--db", help="database name (default: a fresh throwaway one)")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)

    demo = sub.add_parser("demo", help="create/update the demo database and serve it")
    demo.add_argument("--db", default=os.environ.get("DEMO_DB", "nordlys_demo"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8069")))
    demo.add_argument("--no-serve", action="store_true")
    demo.set_defaults(func=cmd_demo)

    bench = sub.add_parser("bench", help="run every tests/benchmarks/bench_*.py")
    bench.add_argument("--only", help="substring of the benchmark file name")
    bench.set_defaults(func=cmd_bench)

    pg = sub.add_parser("pg", help="make sure PostgreSQL is reachable")
    pg.set_defaults(func=cmd_pg)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
