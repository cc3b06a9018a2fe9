"""The harness: which addons it tests, how it reads Odoo's runner, its summary."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "harness"))
spec = importlib.util.spec_from_file_location(
    "suite_harness", ROOT / "tests" / "harness" / "suite.py"
)
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)
results = sys.modules["results"]
postgres = sys.modules["postgres"]

DB = "suite_test_x"


def log(*lines):
    """Odoo log lines: (level, logger, message)."""
    return "\n".join(
        f"2026-12-01 22:36:02,071 10375 {level} {DB} {logger}: {msg}"
        for level, logger, msg in lines
    )


def closing(failed=0, errors=0, tests=0, level="INFO"):
    msg = f"{failed} failed, {errors} error(s) of {tests} tests when loading database"
    return (level, "odoo.tests.result", f"{msg} '{DB}'")


def test_suite_addons_are_the_root_folders_with_a_manifest():
    addons = harness.suite_addons()
    expected = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))
    assert addons == expected
    assert "auth_totp_replay_guard" in addons


def test_counts_real_odoo_tests(tmp_path, monkeypatch):
    addon = tmp_path / "demo_addon"
    (addon / "tests").mkdir(parents=True)
    (addon / "__manifest__.py").write_text("{'name': 'x'}")
    (addon / "tests" / "test_a.py").write_text(
        "class T:\n    def test_one(self): pass\n    def test_two(self): pass\n"
        "    def helper(self): pass\n"
    )
    monkeypatch.setattr(harness, "ROOT", tmp_path)
    assert harness.count_odoo_tests(["demo_addon"]) == 2


def test_a_green_run_is_counted_from_odoo_closing_line():
    text = log(
        ("INFO", "odoo.addons.a.tests.test_x", "Starting T.test_one ..."),
        ("INFO", "odoo.addons.a.tests.test_x", "skipped T.test_two : no Chromium"),
        closing(tests=5),
    )
    assert results.read_test_log(text, 0) == (4, 0, 1, [])


def test_failures_and_errors_of_tests_are_failures():
    text = log(
        ("ERROR", "odoo.addons.a.tests.test_x", "FAIL: T.test_one"),
        ("ERROR", "odoo.addons.a.tests.test_x", "ERROR: T.test_two"),
        ("ERROR", "odoo.modules.loading", "At least one test failed when loading"),
        ("ERROR", "odoo.modules.loading", "Module a: 1 failures, 1 errors of 6 tests"),
        closing(failed=1, errors=1, tests=6, level="ERROR"),
    )
    assert results.read_test_log(text, 1) == (4, 2, 0, [])


def test_an_error_logged_outside_any_test_fails_a_green_run():
    stray = ("ERROR", "odoo.addons.a.models.x", "could not send the message")
    passed, failed, skipped, problems = results.read_test_log(
        log(stray, closing(tests=3)), 0
    )
    assert (passed, failed, skipped) == (2, 1, 0)
    assert "could not send the message" in problems[0]


def test_a_run_that_never_reports_results_is_a_failure():
    text = log(("CRITICAL", "odoo.service.server", "Failed to initialize database"))
    passed, failed, _skipped, problems = results.read_test_log(text, 255)
    assert (passed, failed) == (0, 1)
    assert problems[-1] == "Odoo ended before reporting any test result"


def test_a_non_zero_exit_without_failures_is_a_failure():
    assert results.read_test_log(log(closing(tests=2)), 1)[:2] == (1, 1)


def test_tally_adds_runs_into_one_summary_line(capsys):
    tally = results.Tally()
    tally.add("unit", 9, 0, 1)
    tally.add("a", 3, 2, 0)
    assert not tally.ok
    tally.summary()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "suite: 12 passed, 2 failed, 1 skipped"
    )


def test_a_broken_run_counts_as_failed_in_the_summary(capsys):
    tally = results.Tally()
    tally.add("unit", 1, 0, 0)
    assert tally.ok
    tally.fail("integration", "install failed")
    assert not tally.ok
    tally.summary()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "suite: 1 passed, 1 failed, 0 skipped"
    )


def test_junit_reports_are_counted(tmp_path):
    report = tmp_path / "r.xml"
    report.write_text(
        '<testsuites><testsuite tests="10" failures="1" errors="1" skipped="2"/>'
        "</testsuites>"
    )
    tally = results.Tally()
    tally.add_junit("unit", 1, report)
    assert tally.counts == {"passed": 6, "failed": 2, "skipped": 2}
    tally.add_junit("crashed", 3, tmp_path / "missing.xml")
    assert tally.broken == ["crashed"]


def test_default_selection_is_each_addon_tag():
    assert results.test_tags(["a", "b"], []) == "/a,/b"


def test_pytest_paths_become_odoo_test_tags():
    tags = results.test_tags(
        ["x"], ["x/tests/test_api.py::TestApi::test_grant", "-x", "x/tests/test_b.py"]
    )
    assert tags == "/x/tests/test_api.py:TestApi.test_grant,/x/tests/test_b.py"


def test_k_selects_methods_by_substring_like_pytest():
    tags = results.test_tags(
        ["auth_totp_replay_guard"], ["-k", "replayed or (Totp and not replayed)"]
    )
    specs = tags.split(",")
    assert specs and all(s.startswith("/auth_totp_replay_guard:") for s in specs)
    assert "/auth_totp_replay_guard:TestTotpLogin.test_replayed_code_refused" in specs
    assert results.test_tags(["auth_totp_replay_guard"], ["-k", "nothing_like"]) == ""


def test_private_cluster_is_used_when_nothing_is_configured(monkeypatch):
    for key in ("PGHOST", "PGPORT", "PGUSER"):
        monkeypatch.delenv(key, raising=False)
    params = postgres.pg_params()
    assert params["host"] == "127.0.0.1"
    assert params["user"] == postgres.PRIVATE_USER


def test_configured_server_wins(monkeypatch):
    monkeypatch.setenv("PGHOST", "db.example")
    monkeypatch.setenv("PGPORT", "6543")
    monkeypatch.setenv("PGUSER", "alice")
    assert postgres.pg_params()["host"] == "db.example"
    assert postgres.pg_params()["port"] == "6543"
    assert postgres.pg_params()["user"] == "alice"


def _fake_odoo(tmp_path, version):
    package = tmp_path / "odoo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "release.py").write_text(f"version = {version!r}\n")
    return tmp_path


def test_other_odoo_version_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("ODOO_PATH", str(_fake_odoo(tmp_path, "17.0")))
    with pytest.raises(SystemExit, match="needs Odoo 18.0") as exc:
        harness.find_odoo()
    assert "17.0" in str(exc.value)


def test_odoo_found_through_odoo_path(tmp_path, monkeypatch):
    monkeypatch.setenv("ODOO_PATH", str(_fake_odoo(tmp_path, "18.0")))
    folder, version = harness.find_odoo()
    assert version == "18.0"
    assert folder == tmp_path / "odoo"


def test_without_odoo_only_the_unit_layer_runs(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(harness, "find_odoo", lambda: (None, "not importable"))
    monkeypatch.setattr(harness, "run_pytest", lambda args: calls.append(args) or 1)
    assert harness.main(["test"]) == 1  # a unit failure still fails the run
    (args,) = calls
    assert args[-1] == "tests/unit"
    assert "no:odoo" in args
    out = capsys.readouterr().out
    assert "ODOO 18 IS NOT IMPORTABLE" in out
    assert "real-Odoo tests are SKIPPED" in out


def test_the_wheel_config_leaves_the_checkout_off_the_addons_path(tmp_path):
    odoo_dir = tmp_path / "odoo"
    (odoo_dir / "addons").mkdir(parents=True)
    conf = harness.write_config(odoo_dir, tmp_path / "odoo.conf", checkout=False)
    (line,) = [x for x in conf.read_text().splitlines() if x.startswith("addons_path")]
    assert str(ROOT) not in line
    assert str(odoo_dir / "addons") in line
    with_checkout = harness.odoo_addons_path(odoo_dir)
    assert with_checkout[-1] == str(ROOT)


def test_wheel_run_must_load_addons_from_the_venv_only():
    venv = Path("/tmp/w/venv")
    line = "2026-12-01 22:52:33,913 5162 INFO ? odoo: addons paths: {}"
    wheel = ["/opt/odoo/addons", f"{venv}/lib/python3.11/site-packages/odoo/addons"]
    assert harness.addons_from_wheel(line.format(wheel), venv)
    checkout = [*wheel, str(ROOT / ".local/data/addons/18.0")]
    assert not harness.addons_from_wheel(line.format(checkout), venv)
    assert not harness.addons_from_wheel(line.format(wheel[:1]), venv)


def test_dependency_closure_follows_manifests(tmp_path, monkeypatch):
    for name, depends in {"a": ["b"], "b": ["c", "mail"], "c": [], "mail": []}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__manifest__.py").write_text(repr({"depends": depends}))
    monkeypatch.setattr(harness, "odoo_addons_path", lambda _odoo: [str(tmp_path)])
    assert harness.dependency_closure(None, ["a"]) == {"a", "b", "c", "mail"}
    assert harness.dependency_closure(None, ["c"]) == {"c"}


def test_template_layer_only_holds_what_the_addon_needs(monkeypatch):
    made = []
    templates = harness.Templates(None, None)
    monkeypatch.setattr(templates, "_make", lambda layer, mods: made.append(mods))
    closures = {"mailer": {"mailer", "mail", "base"}, "plain": {"plain", "base"}}
    monkeypatch.setattr(
        harness, "dependency_closure", lambda _o, names: closures[names[0]]
    )
    templates.for_addons(["mailer"])
    templates.for_addons(["plain"])
    assert made == [["mail"], ["base"]]


def test_odoo_error_log_lines_are_recognised():
    line = b"2026-11-22 11:46:15,088 6907 ERROR demo odoo.modules.loading: failed\n"
    assert harness.LOG_ERROR.search(b"noise\n" + line)
    info = b"2026-11-22 11:46:15,088 6907 INFO demo odoo: ERROR in a message\n"
    assert not harness.LOG_ERROR.search(info)
