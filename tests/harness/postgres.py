"""PostgreSQL for the harness: a configured server, or a private throwaway cluster.

``PGHOST`` / ``PGPORT`` / ``PGUSER`` / ``PGPASSWORD`` point at a server whose
user may create databases; when none is set, a private cluster is started in
``.local/postgres`` of the checkout (127.0.0.1, port ``SUITE_PG_PORT``, 54329).
"""

import getpass
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
PRIVATE_PORT = int(os.environ.get("SUITE_PG_PORT", "54329"))
PRIVATE_USER = "odoo"


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
    return {"host": "127.0.0.1", "port": str(PRIVATE_PORT), "user": PRIVATE_USER}


def pg_connect(dbname="postgres"):
    import psycopg2

    params = {k: v for k, v in pg_params().items() if v}
    return psycopg2.connect(dbname=dbname, connect_timeout=3, **params)


def pg_reachable():
    try:
        pg_connect().close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def pg_bindir():
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    raise SystemExit(
        "PostgreSQL server binaries not found: install Debian's 'postgresql' "
        "package, set PG_BINDIR, or point PGHOST/PGPORT/PGUSER at a server."
    )


def _as_postgres(cmd):
    """Run a server command as the 'postgres' user when we are root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _private_data_dir():
    folder = LOCAL / "postgres"
    if os.geteuid() == 0:
        # The server runs as 'postgres', which must be able to reach the folder.
        probe = subprocess.run(_as_postgres(["test", "-x", str(ROOT)]), check=False)
        if probe.returncode != 0:
            folder = Path("/var/tmp") / f"odoo-suite-pg-{abs(hash(str(ROOT)))}"
    return folder


def ensure_pg():
    """Make sure a PostgreSQL server is reachable; start the private one if needed."""
    if pg_reachable():
        return pg_params()
    if pg_configured():
        raise SystemExit(
            f"PostgreSQL of PGHOST/PGPORT/PGUSER unreachable: {pg_params()}"
        )
    bindir, folder = pg_bindir(), _private_data_dir()
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    if not (data / "PG_VERSION").exists():
        print(f"Creating a private PostgreSQL cluster in {data}", flush=True)
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", PRIVATE_USER]
        initdb += ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        subprocess.run(_as_postgres(initdb), check=True, stdout=subprocess.DEVNULL)
    options = (
        f"-c listen_addresses=127.0.0.1 -p {PRIVATE_PORT} "
        "-c unix_socket_directories='' -c max_connections=200 "
        # A throwaway test/demo cluster: durability is not worth the fsyncs.
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    print(f"Starting the private PostgreSQL server on port {PRIVATE_PORT}", flush=True)
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
    start += ["-o", options, "-w", "start"]
    subprocess.run(_as_postgres(start), check=True, stdout=subprocess.DEVNULL)
    for _attempt in range(30):
        if pg_reachable():
            return pg_params()
        time.sleep(0.5)
    raise SystemExit(f"PostgreSQL did not come up; see {folder / 'server.log'}")


def db_exists(name):
    conn = pg_connect()
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        found = cr.fetchone() is not None
    conn.close()
    return found


def _admin(sql, *names, params=()):
    """Run one CREATE/DROP DATABASE statement (outside a transaction)."""
    import psycopg2.sql

    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        if params:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                params,
            )
        cr.execute(psycopg2.sql.SQL(sql).format(*map(psycopg2.sql.Identifier, names)))
    conn.close()


def drop_db(name):
    _admin("DROP DATABASE IF EXISTS {}", name, params=(name,))
    shutil.rmtree(LOCAL / "data" / "filestore" / name, ignore_errors=True)


def copy_db(template, db):
    """A new database from ``template``, filestore included (as Odoo duplicates)."""
    _admin("CREATE DATABASE {} TEMPLATE {}", db, template)
    store = LOCAL / "data" / "filestore"
    if (store / template).is_dir():
        shutil.copytree(store / template, store / db)


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
