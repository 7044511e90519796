"""Django's own session tests, run against ``signedsession.adapters.django``.

A thin runner: it takes ``tests/sessions_tests/`` from the sdist of the
Django release installed (downloaded with pip into ``.cache/upstream/``,
sha256 checked against :data:`SDIST_SHA256`), configures Django with
``SESSION_ENGINE = "signedsession.adapters.django"`` and runs, with
:mod:`unittest`:

- ``CookieSessionTests`` (the generic ``SessionTestsMixin`` cases plus the
  signed-cookie ones) with ``backend`` set to our engine's store; the mixin
  cases that Django's class turns off for its own backend (``test_cycle``,
  ``test_actual_expiry``, ``test_session_load_does_not_create_record``,
  their async twins) are switched back on, since our store passes them;
- ``SessionMiddlewareTests``: Django's middleware over our engine.

The tests listed in :data:`EXCLUDED` are skipped with their reason; every
other one must pass. Run as a script it prints one JSON object per test
(``{"test": ..., "outcome": ..., "detail": ...}``) and exits non-zero on any
failure; ``test_django_upstream.py`` runs it in a subprocess (Django's
settings are per process) and checks each outcome.

Django's tests are under Django's BSD license (the sdist's LICENSE).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import unittest
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "upstream"

#: sha256 of each Django sdist whose tests may run; a release not listed
#: here fails (add its checksum after checking it against PyPI's).
SDIST_SHA256 = {
    "4.2.30": "4ebc7a434e3819db6cf4b399fb5b3f536310a30e8486f08b66886840be84b37c",
    "5.2.19": "ad03d8abc51dbff95ebf34b27123cf0c26a3b62db7ba0cd520783686362533d1",
}

_SERVER_STORAGE = (
    "server-side storage: there is no record of a cookie session to look up,"
    " so exists() is always False"
)
_PRIVATE = (
    "Django's private attribute: it checks that _session_cache is absent"
    " before the first access; signedsession's store keeps it as None until"
    " loaded (docs/django.rst, _session_cache); the test's cycle_key() itself"
    " passes in test_cycle"
)
#: Tests not run against our engine, each with the reason.
EXCLUDED = {
    "CookieSessionTests.test_save": _SERVER_STORAGE,
    "CookieSessionTests.test_save_async": _SERVER_STORAGE,
    "CookieSessionTests.test_session_save_does_not_resurrect_session_logged_out"
    "_in_other_context": "server-side storage: a cookie deleted in one request"
    " cannot be known to another without a server-side record (UpdateError)",
    "CookieSessionTests.test_session_asave_does_not_resurrect_session_logged"
    "_out_in_other_context": "server-side storage: as the sync test",
    "CookieSessionTests.test_cycle_with_no_session_cache": _PRIVATE,
    "CookieSessionTests.test_cycle_with_no_session_cache_async": _PRIVATE,
    "CookieSessionTests.test_decode_failure_logged_to_security": (
        "logging destination: a rejected value is logged once on"
        " signedsession.security with its reason, not on"
        " django.security.SuspiciousSession as 'Session data corrupted'"
    ),
    "SessionMiddlewareTests.test_session_update_error_redirect": (
        "server-side storage: it swaps in Django's database backend"
        " (DatabaseSession) to provoke an UpdateError"
    ),
    "SessionMiddlewareTests.test_empty_session_saved": (
        "server-side storage: it reads the session back from Django's"
        " database table (Session.objects)"
    ),
}

#: The mixin tests Django's CookieSessionTests turns off, turned back on.
_RESTORED = (
    "test_cycle",
    "test_cycle_async",
    "test_actual_expiry",
    "test_actual_expiry_async",
    "test_session_load_does_not_create_record",
    "test_session_load_does_not_create_record_async",
)


def sdist(version: str) -> Path:
    """The Django sdist of ``version``, downloaded once and checksummed."""
    expected = SDIST_SHA256.get(version)
    if expected is None:
        raise SystemExit(
            f"no sha256 pinned for Django {version}: add it to SDIST_SHA256"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"django-{version}.tar.gz"
    if not path.exists():
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
                f"django=={version}",
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        path.unlink()
        raise SystemExit(f"{path.name}: sha256 {digest}, expected {expected}")
    return path


def sessions_tests(version: str) -> Path:
    """The directory holding the sdist's ``sessions_tests`` package."""
    root = CACHE / f"django-{version}-tests"
    package = root / "sessions_tests"
    if not (package / "tests.py").exists():
        prefix = f"django-{version}/tests/sessions_tests/"
        with tarfile.open(sdist(version)) as archive:
            for member in archive.getmembers():
                if member.name.startswith(prefix) and member.isfile():
                    target = package / member.name[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    extracted = archive.extractfile(member)
                    assert extracted is not None
                    target.write_bytes(extracted.read())
    return root


def configure() -> None:
    """Django's settings for the run: our engine, Django's test defaults."""
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="django-upstream-session-tests-secret-0123456789",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "sessions_tests",
        ],
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        },
        SESSION_ENGINE="signedsession.adapters.django",
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def suite() -> unittest.TestSuite:
    """Django's test classes, pointed at our engine."""
    from sessions_tests import tests as upstream

    from signedsession.adapters.django import SessionStore

    mixin = upstream.SessionTestsMixin
    namespace: dict[str, object] = {"backend": SessionStore}
    for name in _RESTORED:
        if hasattr(mixin, name):
            namespace[name] = getattr(mixin, name)
    cookie = type("CookieSessionTests", (upstream.CookieSessionTests,), namespace)
    middleware = type("SessionMiddlewareTests", (upstream.SessionMiddlewareTests,), {})
    for cls in (cookie, middleware):
        for test, reason in EXCLUDED.items():
            owner, _, name = test.partition(".")
            if owner == cls.__name__ and hasattr(cls, name):
                setattr(cls, name, unittest.skip(reason)(getattr(cls, name)))
    loader = unittest.TestLoader()
    return unittest.TestSuite(
        [loader.loadTestsFromTestCase(cookie), loader.loadTestsFromTestCase(middleware)]
    )


class _Result(unittest.TextTestResult):
    """Records each test's outcome for the JSON report."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.outcomes: list[dict[str, str]] = []

    def _record(self, test: unittest.TestCase, outcome: str, detail: str = "") -> None:
        cls, _, name = test.id().rpartition(".")
        self.outcomes.append(
            {
                "test": f"{cls.rpartition('.')[2]}.{name}",
                "outcome": outcome,
                "detail": detail,
            }
        )

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test: unittest.TestCase, err: object) -> None:
        super().addFailure(test, err)  # type: ignore[arg-type]
        self._record(test, "failed", self.failures[-1][1])

    def addError(self, test: unittest.TestCase, err: object) -> None:
        super().addError(test, err)  # type: ignore[arg-type]
        self._record(test, "error", self.errors[-1][1])

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: object) -> None:
        super().addExpectedFailure(test, err)  # type: ignore[arg-type]
        self._record(test, "expected failure")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._record(test, "unexpected success")


def main() -> int:
    """Fetch, configure, run; print one JSON line per test."""
    import django

    version = django.get_version()
    sys.path.insert(0, str(sessions_tests(version)))
    configure()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        with open(os.devnull, "w") as devnull:
            runner = unittest.TextTestRunner(
                stream=devnull, resultclass=_Result, verbosity=0
            )
            result = runner.run(suite())
    finally:
        teardown_databases(old, verbosity=0)
    assert isinstance(result, _Result)
    print(json.dumps({"django": version}))
    for outcome in result.outcomes:
        print(json.dumps(outcome))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
