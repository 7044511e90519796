"""Atheris fuzz target for signedsession's decode path.

Each input is one of three things, chosen by its first byte:

0. a raw ``Cookie`` header (latin-1 text, as PEP 3333 delivers it): the
   session must come out empty, and the header parser must agree with
   werkzeug's;
1. a payload signed with the real key, as if the key had leaked: loading
   must give a dict or reject the cookie, and a loaded session must save
   again (or raise ``SessionTooLarge``);
2. the same, deflated first, to reach the decompression limits.

Anything else escaping -- any other exception, or a hang -- is a finding.
Run it as ``fuzz/README.rst`` describes; it is not part of the test suite.
"""

from __future__ import annotations

import logging
import sys
import zlib
from base64 import urlsafe_b64encode

import atheris

with atheris.instrument_imports():
    from werkzeug.sansio.http import parse_cookie as werkzeug_parse_cookie

    import signedsession._clock
    from signedsession import (
        SessionSettings,
        SessionStore,
        SessionTooLarge,
        TaggedJSONSerializer,
    )
    from signedsession._codec import Codec
    from signedsession._headers import parse_cookie
    from signedsession.exceptions import InvalidCookie

SECRET = "fuzzing-secret-key-that-is-32-bytes!!"
NOW = 1_800_000_000
SETTINGS = (
    SessionSettings(secret_key=SECRET),
    SessionSettings(secret_key=SECRET, serializer=TaggedJSONSerializer()),
)

signedsession._clock.time = lambda: float(NOW)  # type: ignore[assignment]
logging.getLogger("signedsession.security").disabled = True


def _b64(data: bytes) -> bytes:
    return urlsafe_b64encode(data).rstrip(b"=")


def _sign(settings: SessionSettings, payload: bytes) -> str:
    return Codec.of(settings).sign(
        payload, session_id="sessionidsessionid", created=NOW, issued=NOW
    )


def _check_header(header: str) -> None:
    assert parse_cookie(header, "session") == werkzeug_parse_cookie(header).getlist(
        "session"
    )
    for settings in SETTINGS:
        store = SessionStore.from_cookie_header(header, settings=settings)
        data = dict(store.items())
        # Only a genuinely signed value could carry data: a fuzzer cannot
        # forge HMAC-SHA256, so anything else is a bug.
        assert data == {}, data


def _check_signed(raw: bytes, compress: bool) -> None:
    if compress:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        payload = b"~" + _b64(packer.compress(raw) + packer.flush())
    else:
        payload = _b64(raw)
    for settings in SETTINGS:
        value = _sign(settings, payload)
        try:
            decoded = Codec.of(settings).loads(value)
        except InvalidCookie:
            continue
        assert isinstance(decoded.data, dict)
        store = SessionStore(value, settings=settings)
        assert dict(store.items()) == decoded.data
        store["fuzz"] = 1
        try:
            store.save()
            store.cookie_max_age()
        except SessionTooLarge:
            pass


def test_one_input(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    if mode == 0:
        _check_header(rest.decode("latin-1"))
    else:
        _check_signed(rest, compress=mode == 2)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
