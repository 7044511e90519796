"""DjangoCookieReader: cookies made by Django's own signing code load, once."""

from __future__ import annotations

import json
import logging
import time
import zlib
from base64 import urlsafe_b64encode
from typing import Any

import pytest
from django.core import signing
from shared import is_signed_value
from webtest import TestApp

import signedsession._clock
from signedsession import SessionMiddleware, SessionSettings, SessionStore
from signedsession._codec import Codec
from signedsession.exceptions import InvalidCookie
from signedsession.readers.django import DJANGO_SALT, DjangoCookieReader

SECRET = "test-secret-key-that-is-32-bytes-long!"
OLD_SECRET = "an-older-secret-key-also-32-bytes-long"
DATA = {"_auth_user_id": "7", "_csrftoken": "x" * 32, "n": [1, 2.5, None, True]}


def django_cookie(data: Any, *, key: str = SECRET, compress: bool = True) -> str:
    """A value exactly as Django's signed_cookies backend makes it."""
    signer = signing.TimestampSigner(key=key, salt=DJANGO_SALT, fallback_keys=[])
    return signer.sign_object(
        data, serializer=signing.JSONSerializer, compress=compress
    )


def signed(message: str, *, key: str = SECRET) -> str:
    """``message`` signed by Django's Signer, as TimestampSigner signs."""
    return signing.Signer(key=key, salt=DJANGO_SALT, fallback_keys=[]).sign(message)


def settings(**fields: Any) -> SessionSettings:
    return SessionSettings(
        secret_key=SECRET, migrate_from=(DjangoCookieReader,), **fields
    )


def reader(**fields: Any) -> DjangoCookieReader:
    return DjangoCookieReader(settings(**fields))


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed"])
def test_a_django_cookie_loads_as_foreign(compress: bool) -> None:
    value = django_cookie({**DATA, "pad": "a" * 300}, compress=compress)
    assert value.startswith(".") == compress
    decoded = reader().loads(value)
    assert decoded.data == {**DATA, "pad": "a" * 300}
    assert decoded.key_index == -1
    assert decoded.payload is None
    assert abs(decoded.issued - time.time()) < 5
    assert decoded.created == decoded.issued


def test_fallback_keys_verify_too() -> None:
    value = django_cookie(DATA, key=OLD_SECRET)
    with pytest.raises(InvalidCookie, match="bad signature"):
        reader().loads(value)
    assert reader(fallback_keys=(OLD_SECRET,)).loads(value).data == DATA


def _future(seconds: float) -> Any:
    return lambda: time.time() + seconds


@pytest.mark.parametrize(
    ("shift", "max_age", "reason"),
    [
        (1209601, 1209600, "expired"),
        (-61, 1209600, "timestamp in the future"),
        (11, 10, "expired"),
    ],
    ids=["past-max-age", "beyond-clock-skew", "short-max-age"],
)
def test_timestamps_are_checked(
    monkeypatch: pytest.MonkeyPatch, shift: float, max_age: int, reason: str
) -> None:
    value = django_cookie(DATA)
    monkeypatch.setattr(signedsession._clock, "time", _future(shift))
    with pytest.raises(InvalidCookie) as raised:
        reader(max_age=max_age).loads(value)
    assert raised.value.reason == reason


def test_within_clock_skew_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    value = django_cookie(DATA)
    monkeypatch.setattr(signedsession._clock, "time", _future(-59))
    assert reader().loads(value).data == DATA


def _b64(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (lambda: _b64(b'{"a":1}') + ":!!", "malformed"),
        (lambda: _b64(b'{"a":1}') + ":" + "z" * 13, "malformed"),
        (
            lambda: _b64(b"[1,2]") + ":" + signing.b62_encode(int(time.time())),
            "malformed",
        ),
        (lambda: "%%%:" + signing.b62_encode(int(time.time())), "malformed"),
        (
            lambda: (
                "."
                + _b64(zlib.compress(b'{"a":"' + b"x" * 70000 + b'"}'))
                + ":"
                + signing.b62_encode(int(time.time()))
            ),
            "too large",
        ),
        (
            lambda: (
                "." + _b64(b"not zlib") + ":" + signing.b62_encode(int(time.time()))
            ),
            "malformed",
        ),
        (
            lambda: (
                _b64(b"[" * 80 + b"]" * 80) + ":" + signing.b62_encode(int(time.time()))
            ),
            "too deeply nested",
        ),
    ],
    ids=[
        "stamp-not-base62",
        "stamp-too-long",
        "not-a-dict",
        "not-base64",
        "bomb",
        "bad-zlib",
        "deep",
    ],
)
def test_what_the_key_signed_is_still_checked(message: Any, reason: str) -> None:
    with pytest.raises(InvalidCookie) as raised:
        reader().loads(signed(message()))
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    "value",
    ["garbage!!garbage", "a:b", "a:b:c", "é:é:é", "::", "payload:stamp:sig:extra"],
)
def test_anything_unsigned_is_a_bad_signature(value: str) -> None:
    with pytest.raises(InvalidCookie) as raised:
        reader().loads(value)
    assert raised.value.reason == "bad signature"


def test_tampered_payload_is_a_bad_signature() -> None:
    value = django_cookie(DATA, compress=False)
    _, stamp, signature = value.split(":")
    forged = _b64(json.dumps({**DATA, "_auth_user_id": "1"}).encode())
    with pytest.raises(InvalidCookie, match="bad signature"):
        reader().loads(f"{forged}:{stamp}:{signature}")


def test_the_middleware_reissues_it_in_our_format(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")
    config = settings()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        session = environ[config.environ_key]
        body = json.dumps(dict(session)).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    client = TestApp(SessionMiddleware(app, config), lint=True)
    client.set_cookie("session", django_cookie(DATA))
    response = client.get("/")
    assert response.json == DATA
    issued = client.cookies["session"]
    assert is_signed_value(issued)
    assert Codec.of(config).loads(issued).data == DATA
    assert caplog.records == []


def test_a_store_without_the_reader_rejects_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")
    store = SessionStore(
        django_cookie(DATA), settings=SessionSettings(secret_key=SECRET)
    )
    assert dict(store) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]
