"""Run other projects' test suites as shipped, then with signedsession forced in.

Usage (from the repository root, with the development venv)::

    python tests/compat/upstream/run.py [--only NAME ...]

For each suite, the sdist of the release installed in this environment is
downloaded with pip (``--no-binary :all:``, cached under
``.cache/upstream/``, sha256 checked against the pins below), unpacked into
a temporary directory, and its tests are run by pytest under the suite's
own configuration (its own ``filterwarnings``, conftest and helpers), twice:
as shipped, and with one of the plugins beside this file loaded with ``-p``
before the suite imports anything (``signedsession_forced_flask``: every
Flask app gets ``SignedSessionInterface()``; ``signedsession_forced_pyramid``:
``pyramid.session.SignedCookieSessionFactory`` is ``SignedSessionFactory``).

It fails (exit status 1) when a test that passes as shipped does not pass
with signedsession, apart from the exclusions listed below (each with its
reason, also listed in docs/pyramid.rst), or when an exclusion no longer
names a test that passes as shipped. It prints the table of results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CACHE = ROOT / ".cache" / "upstream"


@dataclass(frozen=True)
class Sdist:
    """A release's source distribution, pinned by version and sha256."""

    project: str  # the distribution name pip knows
    version: str
    sha256: str

    @property
    def requirement(self) -> str:
        return f"{self.project}=={self.version}"


FLASK = Sdist(
    "flask", "3.1.3", "0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb"
)
FLASK_LOGIN = Sdist(
    "flask-login",
    "0.6.3",
    "5e23d14a607ef12806c699590b89d0f0e0d67baeec599d75947bf9c147330333",
)
PYRAMID = Sdist(
    "pyramid", "2.1", "5a24bc1b5f9e0f0d1c0b6ddd1111e84c15dac44a07e3c1d24e74dd9bb4fc22eb"
)

_PYRAMID_TESTS = "tests/test_session.py::TestSignedCookieSession::"
_PRIVATE = (
    "reads Pyramid's private session method _set_cookie(response), which"
    " signedsession's session does not have (the cookie is written by the"
    " response callback the factory registers, tested by test_cookie_is_set"
    " and test_set_cookie_with_exception)"
)


@dataclass(frozen=True)
class Suite:
    """One upstream test suite: where it is in its sdist and how to run it."""

    name: str
    sdist: Sdist
    directory: str  # inside the unpacked sdist
    plugin: str
    arguments: tuple[str, ...] = ("tests",)
    # Extra import paths, relative to the suite directory (an app under test
    # that its README installs with "pip install -e .").
    pythonpath: tuple[str, ...] = ()
    #: node id -> why it is not run with signedsession.
    excluded: dict[str, str] = field(default_factory=dict)


SUITES = (
    Suite("Flask's own test suite", FLASK, "", "signedsession_forced_flask"),
    Suite(
        "flaskr, Flask's tutorial app, with its tests",
        FLASK,
        "examples/tutorial",
        "signedsession_forced_flask",
        pythonpath=(".",),
    ),
    Suite("Flask-Login 0.6.3", FLASK_LOGIN, "", "signedsession_forced_flask"),
    Suite(
        "Pyramid's tests/test_session.py",
        PYRAMID,
        "",
        "signedsession_forced_pyramid",
        arguments=("tests/test_session.py",),
        excluded={
            _PYRAMID_TESTS + "test_changed": (
                "reads Pyramid's private flag _dirty; signedsession's"
                " session reports the same as the public modified"
            ),
            _PYRAMID_TESTS + "test_reissue_triggered": (
                "reads Pyramid's private flag _dirty; signedsession decides"
                " the re-issue when the response is made (tested in"
                " tests/adapters/test_pyramid_dropin.py)"
            ),
            _PYRAMID_TESTS + "test_reissue_str_triggered": (
                "reads Pyramid's private flag _dirty, as test_reissue_triggered"
            ),
            _PYRAMID_TESTS + "test_reissue_not_triggered": (
                "reads Pyramid's private flag _dirty, as test_reissue_triggered"
            ),
            _PYRAMID_TESTS + "test_reissue_never": (
                "reads Pyramid's private flag _dirty, as test_reissue_triggered"
            ),
            _PYRAMID_TESTS + "test__set_cookie_on_exception": _PRIVATE,
            _PYRAMID_TESTS
            + "test__set_cookie_on_exception_no_request_exception": _PRIVATE,
            _PYRAMID_TESTS + "test__set_cookie_cookieval_too_long": _PRIVATE,
            _PYRAMID_TESTS + "test__set_cookie_real_webob_response": _PRIVATE,
            _PYRAMID_TESTS + "test__set_cookie_options": _PRIVATE,
            _PYRAMID_TESTS + "test_timeout_never": (
                "feeds a cookie issued a year in the future; signedsession"
                " accepts a future issue time only within clock_skew (60 s)"
                " and rejects the rest as tampering or a broken clock"
            ),
        },
    ),
)


def sdist(pin: Sdist) -> Path:
    """The pinned sdist, downloaded once into the cache and checked."""
    installed = version(pin.project)
    if installed != pin.version:
        raise SystemExit(
            f"{pin.project} {installed} is installed but the upstream suite is"
            f" pinned to {pin.version}: update the pin (version and sha256) in"
            f" {Path(__file__).relative_to(ROOT)}"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    found = [path for path in CACHE.glob("*.tar.gz") if _sha256(path) == pin.sha256]
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                str(CACHE),
                pin.requirement,
            ],
            check=True,
        )
        found = [path for path in CACHE.glob("*.tar.gz") if _sha256(path) == pin.sha256]
    if not found:
        raise SystemExit(f"no sdist of {pin.requirement} with sha256 {pin.sha256}")
    return found[0]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` into ``into``; its top directory."""
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
        top = tar.getnames()[0].split("/")[0]
    return into / top


def run_pytest(suite: Suite, directory: Path, *, forced: bool) -> dict[str, str]:
    """Outcomes by node id of one run of ``suite``'s tests in ``directory``."""
    report = directory / (".signedsession-forced.json" if forced else ".shipped.json")
    paths = [str(HERE), *(str(directory / p) for p in suite.pythonpath)]
    inherited = os.environ.get("PYTHONPATH")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*paths, *([inherited] if inherited else [])]),
        "SIGNEDSESSION_UPSTREAM_REPORT": str(report),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--no-header",
        "-p",
        "no:cacheprovider",
        "-p",
        "signedsession_upstream_report",
        # A module of the suite that the installed pytest cannot import
        # (Flask's test_cli.py on pytest 9) fails alone, as one test.
        "--continue-on-collection-errors",
        *suite.arguments,
    ]
    if forced:
        command[3:3] = ["-p", suite.plugin]
        for node in suite.excluded:
            command += ["--deselect", node]
    result = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True
    )
    if not report.exists():
        sys.stdout.write(result.stdout + result.stderr)
        raise SystemExit(f"{suite.name}: pytest did not run ({result.returncode})")
    outcomes: dict[str, str] = json.loads(report.read_text())
    if result.returncode not in (0, 1):
        sys.stdout.write(result.stdout[-4000:] + result.stderr[-4000:])
    return outcomes


def count(outcomes: dict[str, str]) -> str:
    """ "passed/failed" for a run's outcomes."""
    values = list(outcomes.values())
    return f"{values.count('passed')}/{values.count('failed')}"


def main(argv: list[str] | None = None) -> int:
    """Run the suites; 0 when every test passing as shipped passes with us."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", action="append", help="run only suites whose name contains this"
    )
    options = parser.parse_args(argv)
    rows = []
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="signedsession-upstream-") as tmp:
        unpacked: dict[Sdist, Path] = {}
        for suite in SUITES:
            if options.only and not any(o in suite.name for o in options.only):
                continue
            if suite.sdist not in unpacked:
                unpacked[suite.sdist] = unpack(sdist(suite.sdist), Path(tmp))
            directory = unpacked[suite.sdist] / suite.directory
            shipped = run_pytest(suite, directory, forced=False)
            forced = run_pytest(suite, directory, forced=True)
            passing = {n for n, outcome in shipped.items() if outcome == "passed"}
            regressions = sorted(
                n for n in passing - set(suite.excluded) if forced.get(n) != "passed"
            )
            stale = sorted(set(suite.excluded) - passing)
            excluded = f" ({len(suite.excluded)} excluded)" if suite.excluded else ""
            rows.append(
                f"| {suite.name} | {count(shipped)} | {count(forced)}{excluded} |"
            )
            for node in regressions:
                print(f"REGRESSION {suite.name}: {node} ({forced.get(node)})")
            for node in stale:
                print(f"STALE EXCLUSION {suite.name}: {node} does not pass as shipped")
            failed = failed or bool(regressions or stale)
    print("| suite | as shipped (passed/failed) | with signedsession (passed/failed) |")
    print("|---|---|---|")
    print("\n".join(rows))
    print(f"{time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
