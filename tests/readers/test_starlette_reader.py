"""StarletteCookieReader: Starlette's session cookies, verified and decoded."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import itsdangerous
import pytest

from signedsession import SessionSettings
from signedsession.exceptions import InvalidCookie
from signedsession.readers.starlette import StarletteCookieReader

SECRET = "test-secret-key-that-is-32-bytes-long!"
OLD_SECRET = "an-older-secret-key-also-32-bytes-long"
NOW = 1_800_000_000


class _At(itsdangerous.TimestampSigner):
    """Starlette's signer, with the signing time fixed."""

    stamp = NOW

    def get_timestamp(self) -> int:
        return self.stamp


def starlette_value(
    data: Any, *, secret: str = SECRET, at: int = NOW, raw: bytes | None = None
) -> str:
    """What Starlette's SessionMiddleware writes: base64(JSON), timestamp-signed."""
    signer = _At(secret)
    signer.stamp = at
    payload = base64.b64encode(json.dumps(data).encode()) if raw is None else raw
    return signer.sign(payload).decode()


def reader(**fields: Any) -> StarletteCookieReader:
    return StarletteCookieReader(SessionSettings(**{"secret_key": SECRET, **fields}))


@pytest.fixture(autouse=True)
def _now(clock: Any) -> None:
    clock.now = NOW


def test_valid_cookie_loads_as_foreign() -> None:
    decoded = reader().loads(starlette_value({"a": [1, "b"]}))
    assert decoded.data == {"a": [1, "b"]}
    assert (decoded.created, decoded.issued, decoded.key_index) == (NOW, NOW, -1)
    assert decoded.payload is None and len(decoded.session_id) > 16


def test_fallback_key_verifies() -> None:
    value = starlette_value({"n": 1}, secret=OLD_SECRET)
    assert reader(fallback_keys=(OLD_SECRET,)).loads(value).data == {"n": 1}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (starlette_value({"n": 1}, secret=OLD_SECRET), "bad signature"),
        ("not.a.cookie", "bad signature"),
        (starlette_value({"n": 1}, at=NOW - 1209601), "expired"),
        (starlette_value({"n": 1}, at=NOW + 61), "timestamp in the future"),
        (starlette_value(None, raw=b"!!!notbase64"), "malformed"),
        (starlette_value([1, 2]), "malformed"),
        (starlette_value(None, raw=base64.b64encode(b"{bad json")), "malformed"),
        (starlette_value({"d": json.loads("[" * 70 + "]" * 70)}), "too deeply nested"),
        (starlette_value({"x": "y" * 70000}), "too large"),
    ],
    ids=[
        "other-secret",
        "garbage",
        "expired",
        "future",
        "bad-base64",
        "not-a-dict",
        "bad-json",
        "too-deep",
        "too-large",
    ],
)
def test_rejected_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidCookie) as caught:
        reader().loads(value)
    assert caught.value.reason == reason
    assert value not in str(caught.value)


def test_no_age_limit_when_max_age_is_none() -> None:
    value = starlette_value({"n": 1}, at=NOW - 10 * 365 * 86400)
    assert reader(max_age=None).loads(value).data == {"n": 1}


def test_real_starlette_signature_verifies_at_the_real_time(clock: Any) -> None:
    clock.now = time.time()
    value = itsdangerous.TimestampSigner(SECRET).sign(base64.b64encode(b'{"k":1}'))
    assert reader().loads(value.decode()).data == {"k": 1}
