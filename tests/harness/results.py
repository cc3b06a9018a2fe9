"""What the test runs report: Odoo's test log read into counts, one summary line,
and pytest-style test selections turned into Odoo's ``--test-tags``."""

import ast
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def say(*lines):
    for line in lines:
        print(line, flush=True)


def test_methods(addons):
    """``(addon, file, class, method)`` of every test method written in the addons."""
    found = []
    for addon in addons:
        for path in sorted((ROOT / addon / "tests").glob("**/test_*.py")):
            for cls in ast.parse(path.read_text()).body:
                if isinstance(cls, ast.ClassDef):
                    found.extend(
                        (addon, path, cls.name, node.name)
                        for node in cls.body
                        if isinstance(node, ast.FunctionDef)
                        and node.name.startswith("test")
                    )
    return found


def test_tags(addons, pytest_args):
    """Odoo's ``--test-tags`` for the addons, from pytest-style selections.

    ``-k EXPR`` keeps pytest's meaning (case-insensitive substrings of file,
    class and method names, with and/or/not); ``<addon>/tests/test_x.py``,
    ``...::Class`` and ``...::Class::test_y`` select a file, class or method.
    Other pytest options do not apply to Odoo's runner and are ignored.
    """
    specs, expr, args = [], None, list(pytest_args)
    while args:
        arg = args.pop(0)
        if arg == "-k" and args:
            expr = args.pop(0)
        elif arg.startswith("-k"):
            expr = arg[2:]
        elif arg.startswith("-") or (".py" not in arg and "/" not in arg):
            say(f"(not an option of Odoo's test runner, ignored: {arg})")
        else:
            path, _, rest = arg.partition("::")
            cls, _, method = rest.partition("::")
            specs.append(
                f"/{path.strip('/')}"
                + (f":{cls}" if cls else "")
                + (f".{method}" if method else "")
            )
    if expr:
        words = re.compile(r"\b(?!(?:and|or|not)\b)[\w.]+")
        code = words.sub(lambda m: f"_in({m.group(0).lower()!r})", expr)
        for addon, path, cls, method in test_methods(addons):
            names = f"{path.stem} {cls} {method}".lower()
            if eval(code, {"__builtins__": {}, "_in": names.__contains__}):  # noqa: S307
                specs.append(f"/{addon}:{cls}.{method}")
        if not specs:
            return ""  # nothing of these addons matches
    return ",".join(specs or (f"/{addon}" for addon in addons))


# Odoo log lines ("<date> <time> <pid> <LEVEL> <db> <logger>: <message>").
LOG_LINE = re.compile(
    r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<msg>.*)"
)
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading")
# Lines by which Odoo's runner reports a failure it also counts in RESULT.
COUNTED = re.compile(
    r"(FAIL|ERROR): |.* tests when loading |At least one test failed"
    r"|Module \w+: \d+ failures, \d+ errors of \d+ tests"
)


def read_test_log(text, returncode):
    """``(passed, failed, skipped, problems)`` of one Odoo ``--test-enable`` run.

    Odoo's closing line ``F failed, E error(s) of N tests when loading database``
    gives the counts; each skipped test logs ``skipped <test> : <reason>``. A run
    without that line (registry failed), a non-zero exit or an ERROR logged
    outside a failing test (as runbot counts it) is one more failure.
    """
    failed = errors = total = skipped = 0
    problems, seen_result = [], False
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        level, msg = match["level"], match["msg"]
        if result := RESULT.search(msg):
            failed, errors, total = map(int, result.groups())
            seen_result = True
        if level == "INFO" and msg.startswith("skipped "):
            skipped += 1
        elif level in ("ERROR", "CRITICAL") and not COUNTED.match(msg):
            problems.append(line)
    failed += errors
    if not seen_result:
        problems.append("Odoo ended before reporting any test result")
    elif returncode and not failed and not problems:
        problems.append(f"Odoo exited with {returncode}")
    if problems and not failed:
        failed = 1
    return max(total - failed - skipped, 0), failed, skipped, problems


def problem_lines(text, limit=200):
    """The log's warnings and errors with their tracebacks, for the console."""
    out, keep = [], False
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            keep = match["level"] in ("WARNING", "ERROR", "CRITICAL")
        if keep:
            out.append(line)
    return out[-limit:]


class Tally:
    """Adds up the runs of one ``make test`` into one summary line."""

    def __init__(self):
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self.broken = []  # runs that failed outside any test (install, crash)
        self.started = time.monotonic()

    def add(self, label, passed, failed, skipped):
        self.counts["passed"] += passed
        self.counts["failed"] += failed
        self.counts["skipped"] += skipped
        say(f"== {label}: {passed} passed, {failed} failed, {skipped} skipped")

    def add_junit(self, label, returncode, report):
        import xml.etree.ElementTree as ET

        if not report.exists():
            return self.fail(label, f"pytest ended with {returncode} and no report")
        root = ET.parse(report).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        total, failed, skipped = 0, 0, 0
        for suite in suites:
            total += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
        self.add(label, total - failed - skipped, failed, skipped)
        if returncode not in (0, 5) and not failed:
            self.fail(label, f"pytest ended with {returncode}")

    def fail(self, label, reason):
        say(f"== {label}: BROKEN: {reason}")
        self.broken.append(label)

    @property
    def ok(self):
        return not (self.counts["failed"] or self.broken)

    def summary(self):
        c = self.counts
        if self.broken:
            say(f"Runs that broke outside the tests: {', '.join(self.broken)}")
        say(
            f"(all runs took {time.monotonic() - self.started:.0f}s)",
            f"suite: {c['passed']} passed, {c['failed'] + len(self.broken)} failed, "
            f"{c['skipped']} skipped",
        )
