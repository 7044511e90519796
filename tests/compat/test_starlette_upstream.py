"""Starlette's own tests/middleware/test_session.py, run against our middleware.

The test file comes from the sdist of the Starlette release installed here
(``pip download``, cached in ``.cache/upstream/``, its sha256 checked); it
is never copied into this repository. It runs in a pytest subprocess with
one plugin, ``starlette_session_shim.py``, that puts
:class:`signedsession.asgi.SessionMiddleware` in place of Starlette's before
the test module imports it. Every test passes except those listed in
:data:`EXPECTED_FAILURES`, each with its reason, and those must fail: a
difference that goes away is noticed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "upstream"
HERE = Path(__file__).resolve().parent

#: sha256 of each Starlette sdist this suite knows; an unknown installed
#: release fails here until its digest is checked and added.
SDIST_SHA256 = {
    "1.10.0": "b8399098d4c1e3522734f7235dc79b1fc967f96cf139c81e0fa30479e0685f9b",
}

#: Tests that check Starlette's exact cookie bytes or configuration we
#: refuse, and why. Each must fail (and is listed in docs/asgi.rst).
EXPECTED_FAILURES = {
    "test_partitioned_session[True]": (
        "looks for the lower-case attribute 'partitioned'; werkzeug writes"
        " 'Partitioned' (attribute names are case-insensitive, RFC 6265 5.2)"
    ),
    "test_session_cookie_subpath": (
        "matches '; path=' case-sensitively; werkzeug writes 'Path=/second_app'"
    ),
    "test_domain_cookie": (
        "looks for 'domain=.example.com'; werkzeug writes 'Domain=example.com'"
        " (a leading dot is ignored by browsers, RFC 6265 5.2.3)"
    ),
    "test_session_expires": (
        "max_age=-1 is bad configuration here (ValueError naming max_age),"
        " not a cookie that expires at once"
    ),
}

BACKENDS = ("asyncio", "trio")
FILES = ("tests/middleware/test_session.py", "tests/types.py", "tests/conftest.py")
PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider
filterwarnings =
    error
    ignore::signedsession.InsecureSecretWarning
"""


def _sdist(release: str) -> Path:
    expected = SDIST_SHA256.get(release)
    assert expected is not None, f"no pinned sha256 for starlette {release}"
    path = CACHE / f"starlette-{release}.tar.gz"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", f"starlette=={release}", "-d", str(CACHE)],
            check=True,
        )  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == expected, f"{path.name}: sha256 {digest}, expected {expected}"
    return path


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Starlette's session tests, unpacked beside an ini of our own."""
    release = version("starlette")
    root = tmp_path_factory.mktemp("starlette-upstream")
    with tarfile.open(_sdist(release)) as sdist:
        for name in FILES:
            member = sdist.extractfile(f"starlette-{release}/{name}")
            assert member is not None
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    for package in ("tests", "tests/middleware"):
        (root / package / "__init__.py").touch()
    (root / "pytest.ini").write_text(PYTEST_INI)
    return root


def _without_backend(name: str) -> str:
    """``test_x[asyncio-True]`` -> ``test_x[True]``; ``test_x[trio]`` -> ``test_x``."""
    base, _, params = name.partition("[")
    backend, _, rest = params.rstrip("]").partition("-")
    if backend not in BACKENDS:  # a test that takes no client: no backend
        return name
    return f"{base}[{rest}]" if rest else base


@pytest.fixture(scope="module")
def outcomes(upstream: Path) -> dict[str, set[str]]:
    """Each upstream test's outcomes, one per anyio backend it ran on.

    E.g. ``{"failed"}``: the tests that take a client run on asyncio and trio.
    """
    report = upstream / "report.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(upstream)])}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "starlette_session_shim",
         f"--junitxml={report}", "tests/middleware/test_session.py"],
        cwd=upstream, env=env, check=False, capture_output=True,
    )  # fmt: skip
    result: dict[str, list[str]] = {}
    for case in ET.parse(report).iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
        result.setdefault(_without_backend(case.attrib["name"]), []).append(outcome)
    assert max(len(each) for each in result.values()) == len(BACKENDS)
    return {name: set(each) for name, each in result.items()}


def test_upstream_suite_ran(outcomes: dict[str, set[str]]) -> None:
    assert len(outcomes) >= 14
    assert set(EXPECTED_FAILURES) <= set(outcomes)


def test_every_other_upstream_test_passes(outcomes: dict[str, set[str]]) -> None:
    others = {n: o for n, o in outcomes.items() if n not in EXPECTED_FAILURES}
    assert others == {name: {"passed"} for name in others}


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_listed_difference_still_fails(
    outcomes: dict[str, set[str]], name: str
) -> None:
    assert outcomes[name] == {"failed"}, EXPECTED_FAILURES[name]


def test_shim_puts_our_middleware_in_place(upstream: Path) -> None:
    probe = upstream / "test_probe.py"
    probe.write_text(
        "from starlette.middleware.sessions import SessionMiddleware\n"
        "def test_probe():\n"
        "    assert SessionMiddleware.__module__ == 'signedsession.asgi'\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(upstream)])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "starlette_session_shim",
         str(probe)],
        cwd=upstream, env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
