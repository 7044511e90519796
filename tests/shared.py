"""Constants shared by the test modules: the test keys, the clock, the logger.

Importable as ``shared`` through pytest's ``pythonpath = ["tests"]``, like
``setcookie``; the fixtures built on them are in ``tests/conftest.py``.
"""

from __future__ import annotations

#: The secret_key of every test's settings unless a test says otherwise.
SECRET = "test-secret-key-that-is-32-bytes-long!"
#: A second strong key: a fallback, or "another application's key".
OLD_SECRET = "an-older-secret-key-also-32-bytes-long"
#: Where the ``clock`` fixture starts: 2027-01-15T08:00:00Z.
NOW = 1_800_000_000
#: SessionSettings' default max_age (14 days), Django's SESSION_COOKIE_AGE.
MAX_AGE = 1209600
#: Flask's default PERMANENT_SESSION_LIFETIME (31 days).
MONTH = 31 * 24 * 3600
#: The logger every rejected cookie is reported on.
SECURITY = "signedsession.security"

#: The first characters of signed and of encrypted compact values (the
#: default cookie_format=2; docs/format.rst).
SIGNED_MARKERS = ("$", "^")
ENCRYPTED_MARKERS = ("|", ":")


def is_signed_value(value: str) -> bool:
    """Whether ``value`` looks like a signed value of signedsession's own
    (compact, or five dotted fields): not another library's, not encrypted."""
    if value[:1] in SIGNED_MARKERS:
        return "." not in value
    return value.count(".") == 4


def is_compact_value(value: str) -> bool:
    """Whether ``value`` looks like one of the compact format, signed or not."""
    return value[:1] in SIGNED_MARKERS + ENCRYPTED_MARKERS and "." not in value
