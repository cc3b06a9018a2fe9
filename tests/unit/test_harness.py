"""The harness finds the suite's addons and counts what it would skip."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "suite_harness", ROOT / "tests" / "harness" / "suite.py"
)
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)


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


def test_private_cluster_is_used_when_nothing_is_configured(monkeypatch):
    for key in ("PGHOST", "PGPORT", "PGUSER"):
        monkeypatch.delenv(key, raising=False)
    params = harness.pg_params()
    assert params["host"] == "127.0.0.1"
    assert params["user"] == harness.PRIVATE_USER


def test_configured_server_wins(monkeypatch):
    monkeypatch.setenv("PGHOST", "db.example")
    monkeypatch.setenv("PGPORT", "6543")
    monkeypatch.setenv("PGUSER", "alice")
    assert harness.pg_params()["host"] == "db.example"
    assert harness.pg_params()["port"] == "6543"
    assert harness.pg_params()["user"] == "alice"


def test_metapackage_depends_on_every_addon():
    text = (ROOT / "setup" / "_metapackage" / "pyproject.toml").read_text()
    for addon in harness.suite_addons():
        assert f'"odoo-addon-{addon}==18.0.*"' in text, addon


def _fake_odoo(tmp_path, version):
    package = tmp_path / "odoo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "release.py").write_text(f"version = {version!r}\n")
    return tmp_path


def test_other_odoo_version_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("ODOO_PATH", str(_fake_odoo(tmp_path, "17.0")))
    try:
        harness.find_odoo()
    except SystemExit as exc:
        assert "needs Odoo 18.0" in str(exc)
        assert "17.0" in str(exc)
    else:
        raise AssertionError("Odoo 17 was accepted")


def test_odoo_found_through_odoo_path(tmp_path, monkeypatch):
    monkeypatch.setenv("ODOO_PATH", str(_fake_odoo(tmp_path, "18.0")))
    folder, version = harness.find_odoo()
    assert version == "18.0"
    assert folder == tmp_path / "odoo"


def test_without_odoo_only_the_unit_layer_runs(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(harness, "find_odoo", lambda: (None, "not importable"))
    monkeypatch.setattr(harness, "_pytest", lambda args: calls.append(args) or 0)
    assert harness.main(["test"]) == 0
    (args,) = calls
    assert args[-1] == "tests/unit"
    assert "no:odoo" in args
    out = capsys.readouterr().out
    assert "ODOO 18 IS NOT IMPORTABLE" in out
    assert "real-Odoo tests are SKIPPED" in out


def _junit(path, tests, failures=0, errors=0, skipped=0):
    path.write_text(
        f'<testsuites><testsuite name="pytest" tests="{tests}" failures="{failures}" '
        f'errors="{errors}" skipped="{skipped}"/></testsuites>'
    )
    return path


def test_tally_adds_runs_into_one_summary_line(tmp_path, capsys):
    tally = harness.Tally()
    tally.add("unit", 0, _junit(tmp_path / "a.xml", 10, skipped=1))
    tally.add("db1", 1, _junit(tmp_path / "b.xml", 5, failures=2))
    assert not tally.ok
    tally.summary()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "suite: 12 passed, 2 failed, 1 skipped"
    )


def test_tally_counts_a_crashed_run_as_broken(tmp_path):
    tally = harness.Tally()
    tally.add("db", 0, _junit(tmp_path / "a.xml", 3))
    assert tally.ok
    tally.add("crashed", 3, tmp_path / "missing.xml")
    tally.add("interrupted", 2, _junit(tmp_path / "c.xml", 1))
    assert tally.broken == ["crashed", "interrupted"]
    assert not tally.ok


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
    monkeypatch.setattr(templates, "_make", lambda layer, mods: made.append(layer))
    closures = {"mailer": {"mailer", "mail", "base"}, "plain": {"plain", "base"}}
    monkeypatch.setattr(
        harness, "dependency_closure", lambda _o, names: closures[names[0]]
    )
    templates.for_addons(["mailer"])
    templates.for_addons(["plain"])
    assert made == ["mail", "base"]


def test_odoo_error_log_lines_are_recognised():
    line = b"2026-11-22 11:46:15,088 6907 ERROR demo odoo.modules.loading: failed\n"
    assert harness.LOG_ERROR.search(b"noise\n" + line)
    info = b"2026-11-22 11:46:15,088 6907 INFO demo odoo: ERROR in a message\n"
    assert not harness.LOG_ERROR.search(info)
