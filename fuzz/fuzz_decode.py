"""Atheris fuzz target for signedsession's decode path.

Each input is one of ten things, chosen by its first byte (modulo 10):

0. a raw ``Cookie`` header (latin-1 text, as PEP 3333 delivers it): the
   session must come out empty, and the header parser must agree with
   werkzeug's;
1. a payload signed with the real key, as if the key had leaked: loading
   must give a dict or reject the cookie, and a loaded session must save
   again (or raise ``SessionTooLarge``);
2. the same, deflated first, to reach the decompression limits;
3. data sealed into the encrypted format (``encrypt=True``) with the real
   key, behind a well-formed head (times, session id, flag 0);
4. the same, deflated first (flag 1);
5. a whole plaintext sealed with the real key: the head itself (times,
   session id length, flag) is fuzzed too;
6. data in the compact signed format (``$``), MAC'd with the real key;
7. the same, deflated with the compact format's dictionary (``^``);
8. data in the compact encrypted format (``|``), sealed with the real key;
9. the same, deflated with the dictionary (``:``).

Modes 0 to 2 run the encrypted settings as well: an unauthenticated value
must never open, a forged signed value never either.

Anything else escaping -- any other exception, or a hang -- is a finding.
Run it as ``fuzz/README.rst`` describes; it is not part of the test suite.
"""

from __future__ import annotations

import logging
import struct
import sys
import zlib
from base64 import urlsafe_b64decode, urlsafe_b64encode

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
    from signedsession._aead import Envelope
    from signedsession._codec import DICTIONARY, Codec
    from signedsession._headers import parse_cookie
    from signedsession.exceptions import InvalidCookie

SECRET = "fuzzing-secret-key-that-is-32-bytes!!"
NOW = 1_800_000_000
SETTINGS = (
    SessionSettings(secret_key=SECRET),
    SessionSettings(secret_key=SECRET, serializer=TaggedJSONSerializer()),
)
ENCRYPTED = (
    SessionSettings(secret_key=SECRET, encrypt=True),
    SessionSettings(secret_key=SECRET, serializer=TaggedJSONSerializer(), encrypt=True),
)
SESSION_ID = b"sessionidsessionid"
# One of new_session_id()'s, which the compact format holds (16 bytes).
COMPACT_ID = "RPJofPPEjGi1NdL64ZPqeA"
COMPACT_HEADER = urlsafe_b64decode(COMPACT_ID + "==") + struct.pack(">II", NOW, NOW)
ENVELOPE = Envelope((SECRET.encode(),), "signedsession")

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
    for settings in SETTINGS + ENCRYPTED:
        store = SessionStore.from_cookie_header(header, settings=settings)
        data = dict(store.items())
        # Only a genuinely signed value could carry data: a fuzzer cannot
        # forge HMAC-SHA256, so anything else is a bug.
        assert data == {}, data


def _deflate(raw: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(raw) + packer.flush()


def _seal(settings: SessionSettings, plaintext: bytes) -> str:
    # The real envelope (fresh nonce, the settings' key) around any plaintext.
    return ENVELOPE.seal(plaintext)


def _check_signed(raw: bytes, compress: bool) -> None:
    payload = b"~" + _b64(_deflate(raw)) if compress else _b64(raw)
    _check_loads([(settings, _sign(settings, payload)) for settings in SETTINGS])


def _check_encrypted(rest: bytes, mode: int) -> None:
    if mode == 5:
        plaintext = rest
    else:
        head = struct.pack(">QQB", NOW, NOW, len(SESSION_ID)) + SESSION_ID
        plaintext = head + (b"\x01" + _deflate(rest) if mode == 4 else b"\x00" + rest)
    _check_loads([(settings, _seal(settings, plaintext)) for settings in ENCRYPTED])


def _pack(raw: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 8, 0, DICTIONARY)
    return packer.compress(raw) + packer.flush()


def _check_compact(rest: bytes, mode: int) -> None:
    packed = mode in (7, 9)
    data = _pack(rest) if packed else rest
    if mode < 8:
        # Codec.sign takes a flagged binary payload: 0 raw, 2 packed.
        payload = (b"\x02" if packed else b"\x00") + data
        values = [
            (
                settings,
                Codec.of(settings).sign(
                    payload, session_id=COMPACT_ID, created=NOW, issued=NOW
                ),
            )
            for settings in SETTINGS
        ]
    else:
        marker = ":" if packed else "|"
        values = [
            (settings, ENVELOPE.seal(COMPACT_HEADER + data, marker))
            for settings in ENCRYPTED
        ]
    for _, value in values:
        assert value[0] in "$^|:", value[:1]
    _check_loads(values)


def _check_loads(values: list[tuple[SessionSettings, str]]) -> None:
    for settings, value in values:
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
    mode, rest = data[0] % 10, data[1:]
    if mode == 0:
        _check_header(rest.decode("latin-1"))
    elif mode < 3:
        _check_signed(rest, compress=mode == 2)
    elif mode < 6:
        _check_encrypted(rest, mode)
    else:
        _check_compact(rest, mode)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
