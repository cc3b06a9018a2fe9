#!/usr/bin/env python3
"""The suite's commands: ``make test``, ``make demo``, ``make bench`` (see README.md).

``test`` runs four layers and closes with ``suite: N passed, N failed, N skipped``
(exit code non-zero if anything failed):

1. unit: ``pytest -p no:odoo tests/unit`` -- needs no Odoo, always runs;
2. each addon alone, with **Odoo's own runner**, in a fresh database:
   ``odoo -d suite_test_<addon> -i <addon> --test-enable --test-tags /<addon>
   --stop-after-init`` (what Odoo.sh and OCA CI run);
3. wheel: one addon's wheel (whool) pip-installed in a throwaway virtualenv that
   sees the machine's Odoo, with an addons_path *without* this checkout, then
   the same command;
4. integration: every addon (plus Odoo's ``auth_totp`` and ``crm``) in one
   database, ``tests/integration`` under pytest-odoo.

Without Odoo 18 only layer 1 runs, under a loud banner. Odoo is found as the
importable ``odoo`` package or through ``ODOO_PATH``; PostgreSQL as
``postgres.py`` says. A database copied from a pre-installed template (``base``
or ``mail``, modules every such addon installs anyway) saves reinstalling them.

    suite.py test [--addons a,b] [--each] [--db NAME] [--keep-db] [--jobs N]
                  [--test-tags SPEC] [-- -k EXPR | <addon>/tests/test_x.py::Cls]
    suite.py demo [--db NAME] [--port 8069] [--no-serve]
    suite.py bench [--only NAME]  (BENCH_SCALE=10k|100k|1m: tests/benchmarks/common.py)
    suite.py pg
"""

import argparse
import ast
import concurrent.futures
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from postgres import (  # noqa: E402, F401 - re-exported for the benchmarks
    LOCAL,
    PRIVATE_USER,
    ROOT,
    copy_db,
    db_exists,
    drop_db,
    ensure_pg,
    module_states,
    pg_connect,
    pg_params,
)
from results import Tally, problem_lines, read_test_log, say, test_tags  # noqa: E402

# Core addons the demo and the cross-addon database add beside the suite's own:
# two-factor login (auth_totp_replay_guard guards it), leads (the CRM flows).
CORE_EXTRA = ["auth_totp"]
INTEGRATION_EXTRA = ["auth_totp", "crm"]
WHEEL_ADDON = "auth_totp_replay_guard"  # small, and proves the packaging
DEMO_LANGUAGES = "da_DK,nl_NL"


def banner(*lines):
    width = max(len(line) for line in lines) + 4
    say("!" * width, *(f"! {line}" for line in lines), "!" * width)


# --- Addons ---------------------------------------------------------------
def read_manifest(addon_dir):
    return ast.literal_eval((Path(addon_dir) / "__manifest__.py").read_text())


def suite_addons():
    """The installable addons at the repository root, by name."""
    return [
        path.parent.name
        for path in sorted(ROOT.glob("*/__manifest__.py"))
        if read_manifest(path.parent).get("installable", True)
    ]


def count_odoo_tests(addons):
    """How many real-Odoo test methods exist (for the no-Odoo report)."""
    folders = [ROOT / name / "tests" for name in addons] + [ROOT / "tests/integration"]
    return sum(
        1
        for folder in folders
        for path in folder.glob("**/test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test")
    )


# --- Odoo -----------------------------------------------------------------
def python_env(checkout=True):
    """Environment for child processes: Odoo (and this checkout) importable."""
    env = dict(os.environ)
    paths = [str(ROOT)] if checkout else []
    paths += [p for p in (os.environ.get("ODOO_PATH"), env.get("PYTHONPATH")) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def find_odoo():
    """Return (odoo package folder, version string) or (None, reason)."""
    probe = (
        "import os, odoo.release as r; print(os.path.dirname(r.__file__), r.version)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=python_env(),
        cwd=str(ROOT.parent),
        check=False,
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


def odoo_addons_path(odoo_dir, checkout=True):
    paths = [odoo_dir / "addons"]
    if (odoo_dir.parent / "addons").is_dir():
        paths.append(odoo_dir.parent / "addons")
    paths += [Path(p) for p in os.environ.get("ODOO_ADDONS_PATH", "").split(",") if p]
    return [str(p) for p in [*paths, *([ROOT] if checkout else [])]]


def write_config(odoo_dir, path=None, checkout=True):
    """Odoo's configuration file (``.local/odoo.conf`` unless ``path``); without
    ``checkout``, neither addons nor data are taken from this checkout."""
    params = pg_params()
    conf = Path(path or LOCAL / "odoo.conf")
    data = LOCAL / "data" if checkout else conf.parent / "data"
    data.mkdir(parents=True, exist_ok=True)
    lines = [
        "[options]",
        f"addons_path = {','.join(odoo_addons_path(odoo_dir, checkout))}",
        f"data_dir = {data}",
        f"db_host = {params['host'] or 'False'}",
        f"db_port = {params['port'] or 'False'}",
        f"db_user = {params['user']}",
        f"db_password = {params.get('password') or 'False'}",
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
        cmd, env=python_env(), cwd=str(LOCAL), stdout=subprocess.PIPE, stderr=2
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
    args += [*extra, *([] if demo else ["--without-demo=all"])]
    odoo(conf, *args)
    broken = {m: s for m, s in module_states(db, modules).items() if s != "installed"}
    if broken:
        raise SystemExit(f"Modules not installed in {db}: {broken}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_pytest(args, tally=None, label="unit"):
    cmd = [sys.executable, "-m", "pytest", *args]
    report = LOCAL / "reports" / f"{label}.xml"
    if tally is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.unlink(missing_ok=True)
        cmd.append(f"--junitxml={report}")
    say("$ " + " ".join(cmd))
    rc = subprocess.run(cmd, env=python_env(), cwd=str(ROOT), check=False).returncode
    if tally is not None:
        tally.add_junit(label, rc, report)
    return rc


# --- Databases --------------------------------------------------------------
def dependency_closure(odoo_dir, names):
    """Every module ``names`` need, themselves included, from the manifests."""
    folders = [Path(p) for p in odoo_addons_path(odoo_dir)]
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            for folder in folders:
                if (folder / name / "__manifest__.py").is_file():
                    todo.extend(read_manifest(folder / name).get("depends", []))
                    break
    return seen


class Templates:
    """Pre-installed databases that test runs copy instead of reinstalling.

    A template holds only modules the addon's own dependency closure installs
    anyway (``base``, or ``mail`` when the addon needs it), so a copy plus
    ``-i addon`` gives the same database as a fresh install.
    """

    LAYERS = (("mail", ["mail"]), ("base", ["base"]))

    def __init__(self, odoo_dir, conf):
        self.odoo_dir, self.conf, self.made = odoo_dir, conf, {}

    def for_addons(self, addons):
        needed = dependency_closure(self.odoo_dir, addons)
        for layer, modules in self.LAYERS:
            if set(modules) <= needed:
                return self._make(layer, modules)
        return None

    def _make(self, layer, modules):
        if layer not in self.made:
            db = f"suite_tmpl_{layer}_{os.getpid()}"
            drop_db(db)
            say(f"Preparing the template database '{db}' ...")
            install(self.conf, db, modules)
            self.made[layer] = db
        return self.made[layer]

    def drop(self):
        for db in self.made.values():
            drop_db(db)


def fresh_db(db, addons, templates):
    drop_db(db)
    template = templates.for_addons(addons) if templates else None
    if template:
        copy_db(template, db)


# --- The layers ---------------------------------------------------------------
def odoo_runner(conf, db, addons, tags, python=sys.executable, checkout=True):
    """Odoo's own test runner on ``db``: install (or update, when the database
    already holds the addons) ``addons`` with ``--test-enable``.

    Returns ``(passed, failed, skipped, problems, log path)``.
    """
    installed = db_exists(db) and set(module_states(db, addons).values()) == {
        "installed"
    }
    log = LOCAL / "logs" / f"{db}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [python, "-m", "odoo", "-c", str(conf), "-d", db]
    cmd += ["-u" if installed else "-i", ",".join(addons), "--test-enable"]
    cmd += [f"--test-tags={tags}", "--stop-after-init", "--log-level=info"]
    cmd += [f"--http-port={free_port()}"]
    say(f"$ {' '.join(cmd)}  (log: {log.relative_to(ROOT)})")
    with log.open("w") as out:
        rc = subprocess.run(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=python_env(checkout),
            cwd=str(LOCAL if checkout else log.parent),
            check=False,
        ).returncode
    text = log.read_text(errors="replace")
    return (*read_test_log(text, rc), text)


def report_run(tally, label, result):
    passed, failed, skipped, problems, text = result
    if failed:
        say(*problem_lines(text), *problems)
    tally.add(label, passed, failed, skipped)


def layer_each_addon(odoo_dir, addons, tally, keep_db, jobs, tags_for):
    """Each addon installed alone in its own database, Odoo's runner."""
    conf = write_config(odoo_dir)
    templates = Templates(odoo_dir, conf)

    addons = [addon for addon in addons if tags_for([addon])]

    def run(addon):
        db = f"suite_test_{addon}"
        try:
            return odoo_runner(conf, db, [addon], tags_for([addon]))
        finally:
            if not keep_db:
                drop_db(db)

    try:
        for addon in addons:  # databases first: templates are made one at a time
            fresh_db(f"suite_test_{addon}", [addon], templates)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for addon, result in zip(addons, pool.map(run, addons), strict=True):
                report_run(tally, addon, result)
    except SystemExit as exc:
        tally.fail("per-addon databases", str(exc))
    finally:
        templates.drop()


def addons_from_wheel(log_text, venv):
    """Odoo's logged addons paths include ``venv`` and nothing of the checkout."""
    found = re.search(r"addons paths: (\[.*\])", log_text)
    paths = ast.literal_eval(found[1]) if found else []
    venv_paths = [p for p in paths if p.startswith(str(venv))]
    return bool(venv_paths) and not any(p.startswith(str(ROOT)) for p in paths)


def layer_wheel(odoo_dir, tally, addon=WHEEL_ADDON):
    """The addon's wheel, installed where Odoo is importable, without this
    checkout on the addons path, passes the same Odoo runner command."""
    label, db = f"{addon} from its wheel", "suite_test_wheel"
    with tempfile.TemporaryDirectory(prefix="suite-wheel-") as tmp:
        tmp = Path(tmp)
        venv = tmp / "venv"
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
        try:
            subprocess.run(
                [
                    *pip,
                    "wheel",
                    "--no-deps",
                    "--no-build-isolation",
                    "-w",
                    tmp,
                    ROOT / addon,
                ],
                check=True,
            )
            # --system-site-packages: Odoo and its requirements, as installed here.
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "venv",
                    "--system-site-packages",
                    "--without-pip",
                    venv,
                ],
                check=True,
            )
            # --no-deps: Odoo is on sys.path but not a pip distribution here.
            subprocess.run(
                [
                    *pip,
                    "--python",
                    venv / "bin/python",
                    "install",
                    "--no-deps",
                    *tmp.glob("*.whl"),
                ],
                check=True,
            )
        except subprocess.CalledProcessError as exc:
            return tally.fail(label, f"building or installing the wheel: {exc}")
        conf = write_config(odoo_dir, tmp / "odoo.conf", checkout=False)
        drop_db(db)
        try:
            result = odoo_runner(
                conf, db, [addon], f"/{addon}", str(venv / "bin/python"), checkout=False
            )
        finally:
            drop_db(db)
    if not addons_from_wheel(result[-1], venv):
        return tally.fail(label, "addons paths not the wheel's, or hold the checkout")
    report_run(tally, label, result)


def layer_integration(odoo_dir, addons, tally, db, keep_db, pytest_args):
    """Every addon together in one database: tests/integration, pytest-odoo."""
    conf = write_config(odoo_dir)
    drop_db(db)
    try:
        say(f"Installing every addon, {', '.join(INTEGRATION_EXTRA)} into '{db}' ...")
        install(conf, db, [*addons, *INTEGRATION_EXTRA])
        run_pytest(
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
                "tests/integration",
            ],
            tally,
            "integration",
        )
    except SystemExit as exc:
        tally.fail("integration", str(exc))
    finally:
        if not keep_db:
            drop_db(db)


# --- Commands -----------------------------------------------------------------
def cmd_pg(_args):
    say(f"PostgreSQL reachable: {ensure_pg()}")
    return 0


def cmd_test(args):
    all_addons = suite_addons()
    addons = args.addons.split(",") if args.addons else all_addons
    unknown = sorted(set(addons) - set(all_addons))
    if unknown:
        raise SystemExit(f"Unknown addons: {', '.join(unknown)}")
    extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    odoo_dir, version = find_odoo()
    if odoo_dir is None:
        banner(
            f"ODOO 18 IS NOT IMPORTABLE ({version}).",
            f"Only the Odoo-free unit layer runs; {count_odoo_tests(addons)} "
            "real-Odoo tests are SKIPPED.",
            "Install Odoo 18.0 (or set ODOO_PATH) and PostgreSQL to run them "
            "(see README.md).",
        )
        return run_pytest(["-p", "no:odoo", *extra, "tests/unit"])
    say(f"Odoo {version} found at {odoo_dir}")
    ensure_pg()
    tally = Tally()

    def tags_for(names):
        return args.test_tags or test_tags(names, extra)

    # 1. The Odoo-free layer, always.
    unit = [f"tests/unit/{a}" for a in addons if (ROOT / "tests/unit" / a).is_dir()]
    if unit or not args.addons:
        run_pytest(
            ["-p", "no:odoo", *extra, *(unit if args.addons else ["tests/unit"])], tally
        )
    if args.addons and not args.each:
        # The chosen addons together in one database, their own tests.
        db = args.db or f"suite_test_{os.getpid()}"
        conf = write_config(odoo_dir)
        if not tags_for(addons):
            raise SystemExit(f"No test of {', '.join(addons)} matches {extra}")
        keep_db = args.keep_db and db_exists(db)
        if not keep_db:
            fresh_db(db, addons, None)
        try:
            report_run(
                tally, ",".join(addons), odoo_runner(conf, db, addons, tags_for(addons))
            )
        finally:
            if not args.keep_db:
                drop_db(db)
    else:
        # 2. Each addon alone; 3. one addon from its wheel; 4. all together.
        layer_each_addon(odoo_dir, addons, tally, args.keep_db, args.jobs, tags_for)
        if not args.each:
            layer_wheel(odoo_dir, tally)
            db = args.db or "suite_test_all"
            layer_integration(odoo_dir, addons, tally, db, args.keep_db, extra)
    tally.summary()
    return 0 if tally.ok else 1


def danish_company(conf, db):
    """Start the demo database as a Danish company, before Accounting installs.

    Odoo picks the chart of accounts (and with it the company's currency) from
    the company's country when Accounting is installed, which happens before any
    addon's demo data can say so: the demo company is made Danish first, so
    Nordlys ApS books in DKK with the Danish localisation. Its users (admin,
    Marc Demo) work in Danish, in Copenhagen time, from the start, so what the
    demo data generates for them (activities, conversation headers) is Danish.
    """
    install(conf, db, ["base"], extra=[f"--load-language={DEMO_LANGUAGES}"])
    script = (
        "env.company.write({'country_id': env.ref('base.dk').id,"
        " 'currency_id': env.ref('base.DKK').id});"
        " (env.company.partner_id | env.ref('base.user_admin').partner_id"
        " | env.ref('base.user_demo').partner_id)"
        ".write({'lang': 'da_DK', 'tz': 'Europe/Copenhagen'});"
        " env.cr.commit()"
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
        raise SystemExit(f"{version}. 'make demo' needs Odoo 18.0 (see README.md).")
    ensure_pg()
    conf = write_config(odoo_dir)
    modules = [*suite_addons(), *CORE_EXTRA]
    languages = f"--load-language={DEMO_LANGUAGES}"
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
            languages,
            "--stop-after-init",
            "--log-level=warn",
        )
    else:
        say(f"Creating the demo database '{args.db}' with demo data ...")
        danish_company(conf, args.db)
        install(conf, args.db, modules, extra=[languages])
    if args.no_serve:
        say(f"Demo database '{args.db}' is ready.")
        return 0
    say(
        "",
        f"Odoo serves the demo on http://localhost:{args.port}/odoo",
        "Log in as: admin / admin (administrator, can enable two-factor login),",
        "           demo / demo (Marc Demo, salesperson), marketer / marketer",
        "They work in Danish (English, Dutch: in their preferences). Ctrl+C stops.",
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


def _bench_value(value):
    if not isinstance(value, int | float):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def bench_table(results):
    """The closing table of ``make bench``: one row per figure and size."""
    rows = [("benchmark", "size", "result", "goal", "met", "what is timed")]
    for item in results:
        size = item.get("size")
        rows.append(
            (
                str(item.get("benchmark", "?")),
                f"{size:,}" if isinstance(size, int) else "-",
                f"{_bench_value(item.get('value'))} {item.get('unit', '')}".strip(),
                str(item.get("goal", "")),
                "yes" if item.get("met") else "NO",
                str(item.get("figure", "")),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def cmd_bench(args):
    """Run each benchmark, collect its ``BENCH {json}`` lines, end with the table
    of figures and goals and write them to ``.local/reports/bench-<time>.json``."""
    import json
    import time

    scripts = sorted((ROOT / "tests" / "benchmarks").glob("bench_*.py"))
    scripts = [s for s in scripts if not args.only or args.only in s.name]
    odoo_dir, version = find_odoo()
    if odoo_dir is None:
        raise SystemExit(f"{version}. The benchmarks measure against a real Odoo.")
    ensure_pg()
    write_config(odoo_dir)
    failed, results = [], []
    started = time.strftime("%Y%m%d-%H%M%S")
    for script in scripts:
        say(f"--- {script.name}")
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            env=python_env(),
            cwd=str(ROOT),
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("BENCH {"):
                try:
                    results.append({"script": script.name, **json.loads(line[6:])})
                except ValueError:
                    failed.append(f"{script.name} (unreadable BENCH line)")
            elif line.startswith("BENCH "):
                # an older benchmark's free text: shown, its goal unknown
                name, _sep, text = line[6:].strip().partition(": ")
                results.append(
                    {
                        "script": script.name,
                        "benchmark": name,
                        "size": None,
                        "figure": text,
                        "value": "",
                        "unit": "",
                        "goal": "not stated (no BENCH {json} line)",
                        "met": False,
                    }
                )
        if proc.wait():
            failed.append(script.name)
    report = LOCAL / "reports" / f"bench-{started}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {
                "started": started,
                "scale": os.environ.get("BENCH_SCALE", "100k"),
                "sizes": os.environ.get("BENCH_SIZES"),
                "cpus": os.cpu_count(),
                "results": results,
                "failed": failed,
            },
            indent=2,
        )
    )
    say("", *bench_table(results), "", f"written to {report.relative_to(ROOT)}")
    missed = [r for r in results if not r.get("met")]
    if missed:
        say(f"{len(missed)} of {len(results)} figures miss their goal.")
    if failed:
        say(f"Benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    test = sub.add_parser("test", help="the unit layer, then the real-Odoo layers")
    test.add_argument("--addons", help="comma-separated addons (default: all)")
    test.add_argument(
        "--each",
        action="store_true",
        help="only each addon alone (no wheel, no cross-addon)",
    )
    test.add_argument("--db", help="database name (default: a fresh throwaway one)")
    test.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the database; reuse it next time (-u)",
    )
    test.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("SUITE_JOBS", "1")),
        help="addons tested at the same time (SUITE_JOBS, default 1)",
    )
    test.add_argument("--test-tags", help="Odoo's --test-tags, instead of /<addon>")
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

    sub.add_parser("pg", help="make sure PostgreSQL is reachable").set_defaults(
        func=cmd_pg
    )

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
