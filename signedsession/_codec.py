"""The cookie value: a session dict signed (or encrypted), timestamped, compact.

Two formats, both read whatever the settings say (docs/format.rst specifies
them byte for byte); ``cookie_format`` says which one is written.

The compact format (2, the default) is one marker character and the
unpadded URL-safe base64 of binary fields::

    "$" or "^" || base64(session_id (16) || created (4) || issued (4) || data)
               || base64(mac (16))
    "|" or ":" || base64(nonce (12) || AES-256-GCM(session_id || created
                         || issued || data) || tag (16))

``$`` and ``|`` carry the serialized data as it is; ``^`` and ``:`` carry it
raw-deflated with the preset :data:`DICTIONARY`. ``mac`` is the HMAC of the
text before it (marker included), truncated to 128 bits: its last 22
characters; an encrypted value's marker is its associated data.

The first format (1) is five ASCII fields joined by ``.``::

    payload . session_id . created . issued . signature

``payload`` is the serialized data in unpadded URL-safe base64, prefixed with
``~`` when it is raw-deflate compressed; ``session_id`` is 16 random bytes in
unpadded URL-safe base64; ``created`` and ``issued`` are Unix seconds in
lower-case hex; ``signature`` is the unpadded URL-safe base64 HMAC of
everything before it. Its encrypted form is ``"!"`` and the base64 of nonce,
ciphertext and tag, whose plaintext is ``created (8) || issued (8) || id
length (1) || session_id || flags (1) || data``, big-endian, flags 1 for
raw-deflated data.

Whatever the format, the signature (or tag) is checked first, then the
timestamps, and only then is anything decompressed or parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import struct
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from itsdangerous import Signer

from . import _aead, _base64, _clock
from ._keyusage import KeyUsage
from .exceptions import InvalidCookie, SessionTooLarge
from .settings import Decoded, Serializer, SessionSettings

__all__ = [
    "DICTIONARY",
    "ENCRYPTED_MARKERS",
    "EXPIRY_KEY",
    "NO_CRYPTOGRAPHY",
    "Codec",
    "Decoded",
    "inflate",
    "is_too_deep",
    "key_usage",
    "new_session_id",
    "parse_data",
    "parse_expiry",
]

#: Why an encrypted value is refused where ``cryptography`` is missing.
NO_CRYPTOGRAPHY = "encrypted, and cryptography is not installed"
#: Where a per-session expiry lives in the data, as in Django.
EXPIRY_KEY = "_session_expiry"

# Deflate rarely shortens anything smaller; trying costs more than it saves.
_MIN_COMPRESS = 96
# An unterminated string runs to the end (the JSON is invalid anyway): a
# pattern that needs the closing quote rescans the rest from every quote,
# which is quadratic in a signed payload full of \" pairs.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
#: The largest per-session expiry in seconds (about 317 years): beyond it,
#: ``now + expiry`` leaves the range of ``datetime``.
MAX_EXPIRY_SECONDS = 10**10
_BRACKET = re.compile(rb"[\[\]{}]")
# The encrypted plaintext's fixed head: created, issued, session id length.
_HEAD = struct.Struct(">QQB")
# The compact format's fixed head: session id, created, issued.
_HEADER = struct.Struct(">16sII")
_MAC_BYTES = 16
# The compact MAC in unpadded base64: the last characters of a signed value.
_MAC_CHARS = 22
# Encoded data as the codec passes it around (Decoded.payload): the first
# format's base64 text, or one of these flags and the bytes it describes.
_RAW, _DEFLATED, _PACKED = b"\x00", b"\x01", b"\x02"
_FLAGS = (_RAW, _DEFLATED, _PACKED)
# The compact format's markers, by what they say of the data: signed or
# encrypted, as it is (raw) or deflated with the dictionary (packed).
_SIGNED_RAW, _SIGNED_PACKED = "$", "^"
_SIGNED_MARKERS = (_SIGNED_RAW, _SIGNED_PACKED)
_SEALED_RAW, _SEALED_PACKED = "|", ":"
#: The first characters of encrypted values, of either format.
ENCRYPTED_MARKERS = (_aead.MARKER, _SEALED_RAW, _SEALED_PACKED)

#: The preset dictionary of the compact format's deflated data (``^`` and
#: ``:``): the keys and values that Flask, Flask-Login, Flask-WTF, Django,
#: Pyramid and common applications put in sessions, as compact JSON, the
#: most frequent last (closest to the data, so the cheapest to refer to).
#: Part of the format: a value deflated with it inflates only with it, so
#: it never changes; another dictionary would need another marker.
DICTIONARY = b"".join(
    (
        b'"_remember_seconds":"_remember":"set","next":"/","_permanent":true,',
        b'"_auth_user_backend":"django.contrib.auth.backends.ModelBackend",',
        b'"_auth_user_hash":"","_auth_user_id":"',
        b'"_messages":"[[\\"__json_message\\",0,20,\\"","_csrftoken":"',
        b'"_session_expiry":"_csrft_":"","_f_":["',
        b'"user":{"id":"name":"","email":"","username":"","user_id":',
        b'[{" t":["message","[["message","["warning","["error","["danger","',
        b'["info","["success","],"_flashes":[',
        b'"csrf_token":"","_fresh":true,"_fresh":false,"_id":"","_user_id":"',
    )
)


_b64 = _base64.encode
_b64_length = _base64.encoded_length
_unb64 = _base64.decode


# The last session id made or read, with its 16 bytes: a request that
# loads (or starts) a session and saves it asks for the same id's bytes,
# which is then a comparison instead of a check, a decode and an encode.
# Shared by threads: a race only costs a miss, as the id is compared.
_last_id: tuple[str, bytes] = ("", b"")


def new_session_id() -> str:
    """A fresh random session id (128 bits, URL-safe)."""
    global _last_id
    raw = secrets.token_bytes(16)
    session_id = _b64(raw).decode("ascii")
    _last_id = (session_id, raw)
    return session_id


def _id_bytes(session_id: str) -> bytes | None:
    """The 16 bytes a session id spells, or None if it spells none."""
    last = _last_id
    if session_id == last[0]:
        return last[1]
    if len(session_id) != 22:
        return None
    text = session_id.encode("ascii", "replace")
    if not _base64.is_canonical(text):
        return None  # not one of new_session_id's
    return _unb64(text)


def _id_text(raw: bytes) -> str:
    """The session id that 16 bytes spell; remembered for the next save."""
    global _last_id
    session_id = _b64(raw).decode("ascii")
    _last_id = (session_id, raw)
    return session_id


# A signed compact value spells its session id's first 126 bits in its
# characters 1 to 21; character 22 holds the last 2 bits in its top two
# and 4 bits of ``created``: the id's 22nd character is the one with the
# same top two bits and zeros below.
_ALPHABET = _base64.ALPHABET.decode("ascii")
_ID_END = {char: _ALPHABET[index & 0b110000] for index, char in enumerate(_ALPHABET)}


def _too_deep(raw: bytes, limit: int) -> bool:
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_expiry(value: object) -> int | datetime | None:
    """Read a stored ``_session_expiry``: seconds, a UTC moment, or None.

    :raises ValueError: the stored value is neither.
    """
    if value is None:
        return None
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_EXPIRY_SECONDS
    ):
        return value
    if isinstance(value, datetime):
        # Passed as get_expiry_age(expiry=...), as Django allows.
        return _clock.aware(value)
    if isinstance(value, str):
        moment = _clock.aware(datetime.fromisoformat(value))
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:  # past year 9999 in UTC: no cookie can say so
            raise ValueError("invalid session expiry") from None
        return moment
    raise ValueError("invalid session expiry")


def inflate(
    packed: bytes, limit: int, *, wbits: int = -15, dictionary: bytes | None = None
) -> bytes:
    """Decompress ``packed``, refusing to produce more than ``limit`` bytes.

    :param wbits: zlib's window bits: -15 raw deflate (ours), 15 zlib.
    :param dictionary: the preset dictionary it was deflated with, if any.
    :raises InvalidCookie: "too large" past the limit, "malformed" otherwise.
    """
    if dictionary is None:
        inflater = zlib.decompressobj(wbits)
    else:
        inflater = zlib.decompressobj(wbits, zdict=dictionary)
    try:
        raw = inflater.decompress(packed, limit)
    except zlib.error:
        raise InvalidCookie("malformed") from None
    if inflater.unconsumed_tail:
        raise InvalidCookie("too large")
    if not inflater.eof:
        raise InvalidCookie("malformed")
    return raw


def parse_data(raw: bytes, serializer: Serializer, max_depth: int) -> dict[str, Any]:
    """Deserialize verified session data: a dict nested at most ``max_depth``.

    :raises InvalidCookie: "too deeply nested" or "malformed".
    """
    if is_too_deep(raw, max_depth):
        raise InvalidCookie("too deeply nested")
    try:
        data = serializer.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidCookie("malformed") from None
    except Exception as exc:
        # Only signed data gets here, but a custom serializer may raise
        # anything on it (as Django's backend, we refuse the cookie rather
        # than fail the request); the type names the culprit in the log.
        raise InvalidCookie(f"malformed ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise InvalidCookie("malformed")
    return data


def is_too_deep(raw: bytes, limit: int) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects deeper than ``limit``."""
    # Counting brackets is a cheap upper bound on the depth; scan only past it.
    return raw.count(b"[") + raw.count(b"{") > limit and _too_deep(raw, limit)


class _Mac(Protocol):
    def copy(self) -> _Mac: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


def _keyed_mac(key: bytes, digestmod: Any) -> _Mac:
    mac = hmac.new(key, digestmod=digestmod)
    # hmac.HMAC wraps an OpenSSL HMAC whose copy, update and digest run in C;
    # the wrapper adds a Python call to each (docs/performance.rst has the
    # cost). Both have the same three methods, so the inner object serves
    # where it exists; the wrapper where it does not.
    inner: _Mac | None = getattr(mac, "_hmac", None)
    return inner or mac


class Codec:
    """Turns session data into a signed cookie value and back.

    Keys are derived once here; one instance per settings object serves
    every request and thread (see :meth:`of`).
    """

    def __init__(self, settings: SessionSettings) -> None:
        keys = tuple(
            key.encode("utf-8") if isinstance(key, str) else key
            for key in (settings.secret_key, *settings.fallback_keys)
        )
        self._encrypt = settings.encrypt
        # Built whenever cryptography is there, encrypt or not: a cookie
        # issued while encryption was on still opens after it is turned off.
        self._envelope = (
            _aead.Envelope(keys, settings.salt) if _aead.available() else None
        )
        self.usage = KeyUsage(len(keys), migrated=bool(settings.migrate_from))
        # A MAC past the keys is the secret key under a fallback digest.
        self._keys = len(keys)
        # One keyed HMAC per key, copied per use: the key schedule is paid
        # once per application instead of on every sign and verify. The
        # first signs; the others (fallback keys, then the secret key under
        # each fallback digest) only verify, and make the cookie re-signed.
        self._macs = tuple(
            _keyed_mac(
                Signer(
                    key,
                    salt=settings.salt,
                    key_derivation="hmac",
                    digest_method=getattr(hashlib, digest),
                ).derive_key(),
                getattr(hashlib, digest),
            )
            for key, digest in (
                *(
                    (key, settings.digest)
                    for key in (settings.secret_key, *settings.fallback_keys)
                ),
                *(
                    (settings.secret_key, digest)
                    for digest in settings.fallback_digests
                ),
            )
        )
        self._serializer = settings.serializer
        self._compress = settings.compress
        self._compact = settings.cookie_format == 2
        # A value split over max_chunks cookies is up to that many times
        # longer than one cookie.
        self._max_value = settings.max_cookie_size * settings.max_chunks
        self._max_raw = settings.max_decompressed_size
        self._max_depth = settings.max_json_depth
        self._max_age = settings.max_age
        self._absolute_max_age = settings.absolute_max_age
        self._skew = settings.clock_skew
        self._foreign = tuple(reader(settings) for reader in settings.migrate_from)

    @classmethod
    def of(cls, settings: SessionSettings) -> Codec:
        """The codec of ``settings``, built on first use and kept with them."""
        return settings.derived(cls)

    @staticmethod
    def _signature(mac: _Mac, body: bytes) -> bytes:
        mac = mac.copy()
        mac.update(body)
        return _b64(mac.digest())

    @staticmethod
    def _tag(mac: _Mac, body: bytes) -> bytes:
        # The compact format's MAC: the digest truncated to 128 bits, in
        # base64 (22 characters).
        mac = mac.copy()
        mac.update(body)
        return _b64(mac.digest()[:_MAC_BYTES])

    def _verify_fallbacks(
        self,
        body: bytes,
        signature: bytes,
        sign: Callable[[_Mac, bytes], bytes],
    ) -> int | None:
        """The index of the fallback key that signed ``body``, if one did.

        ``sign`` is the format's: :meth:`_signature` or :meth:`_tag`.
        """
        for index in range(1, len(self._macs)):
            if hmac.compare_digest(sign(self._macs[index], body), signature):
                return index
        return None

    def serialize(self, data: dict[str, Any]) -> bytes:
        """Serialize ``data`` as it would be stored, before compression.

        :raises TypeError: a value cannot be serialized; names its key.
        :raises SessionTooLarge: it would not fit under the decompression cap.
        :raises ValueError: it is nested deeper than ``max_json_depth``.
        """
        try:
            raw = self._dump(data)
        except (TypeError, ValueError, OverflowError) as exc:
            raise self._unserializable(data) from exc
        if len(raw) > self._max_raw:
            raise SessionTooLarge(
                len(raw),
                self._max_raw,
                self.largest_keys(data),
                what="serialized session",
            )
        if is_too_deep(raw, self._max_depth):
            # loads() would reject it: refuse now rather than lose the data.
            raise ValueError(
                f"session data is nested deeper than max_json_depth"
                f" ({self._max_depth}); deepest key: {self._deepest_key(data)!r}"
            )
        return raw

    def _deepest_key(self, data: dict[str, Any]) -> str:
        for key, value in data.items():
            if is_too_deep(self._dump({key: value}), self._max_depth):
                return str(key)
        return ""

    def dumps(
        self,
        data: dict[str, Any],
        *,
        session_id: str,
        created: int,
        issued: int,
    ) -> str:
        """Sign ``data`` with ``secret_key`` into a cookie value.

        :raises TypeError: a value cannot be serialized; names its key.
        :raises SessionTooLarge: the data exceeds ``max_decompressed_size``.
        :raises ValueError: the data is nested deeper than ``max_json_depth``.
        """
        raw = self.serialize(data)
        header = self._header(session_id, created, issued)
        if header is not None:
            return self._compact_value(self._encode(raw, True, True), header)
        payload = self._encode(raw, False, self._encrypt)
        return self.sign(payload, session_id=session_id, created=created, issued=issued)

    def _header(self, session_id: str, created: int, issued: int) -> bytes | None:
        """The compact format's fixed fields; None where the first format
        is written: ``cookie_format=1``, or an id or time it cannot hold."""
        if not self._compact:
            return None
        raw = _id_bytes(session_id)
        if raw is None:
            return None
        try:
            return _HEADER.pack(raw, created, issued)
        except struct.error:  # before 1970 or after 2106
            return None

    def _encode(self, raw: bytes, compact: bool, binary: bool) -> bytes:
        """Serialized data as the value being written carries it.

        Compressed when ``compress`` is on, it is long enough to gain and it
        gains: compact values deflate with :data:`DICTIONARY`.
        """
        if self._compress and len(raw) >= _MIN_COMPRESS:
            # A cookie holds 4 KB: an 8 KB window and a smaller hash table
            # find the same matches, and allocate 64 KB instead of 256 KB,
            # which the allocator maps and unmaps on every call. Any window
            # up to 32 KB inflates with the -15 of inflate().
            if compact:
                deflater = zlib.compressobj(
                    9, zlib.DEFLATED, -13, 6, zlib.Z_DEFAULT_STRATEGY, DICTIONARY
                )
            else:
                deflater = zlib.compressobj(9, zlib.DEFLATED, -13, 6)
            packed = deflater.compress(raw) + deflater.flush()
            if binary:
                if len(packed) < len(raw):
                    return (_PACKED if compact else _DEFLATED) + packed
            # Compared by base64 length, so only the winner is encoded.
            elif _b64_length(len(packed)) + 1 < _b64_length(len(raw)):
                return b"~" + _b64(packed)
        return _RAW + raw if binary else _b64(raw)

    def _recode(self, payload: bytes, compact: bool, binary: bool) -> bytes:
        """``payload``, in any form, in the form of the value being written.

        Converted only when the format changes (on the first request after
        ``encrypt`` or ``cookie_format`` did): a payload deflated without the
        dictionary, or with it, is inflated and deflated again.
        """
        flag = payload[:1]
        if flag == _RAW:
            return payload if binary else _b64(payload[1:])
        if flag == _PACKED:
            if compact:
                return payload
            raw = inflate(payload[1:], self._max_raw, dictionary=DICTIONARY)
            return self._encode(raw, compact, binary)
        if flag == _DEFLATED:
            if not compact:
                return payload if binary else b"~" + _b64(payload[1:])
            return self._encode(inflate(payload[1:], self._max_raw), compact, binary)
        # The first format's base64 text.
        if not binary:
            return payload
        if flag == b"~":
            packed = _unb64(payload[1:])
            if not compact:
                return _DEFLATED + packed
            return self._encode(inflate(packed, self._max_raw), compact, binary)
        return _RAW + _unb64(payload)

    def _compact_value(self, payload: bytes, header: bytes) -> str:
        """A value of the compact format: ``payload`` is flagged raw or packed."""
        packed = payload[:1] == _PACKED
        if self._encrypt:
            assert self._envelope is not None  # SessionSettings checked for it
            marker = _SEALED_PACKED if packed else _SEALED_RAW
            return self._envelope.seal(header + payload[1:], marker)
        body = (b"^" if packed else b"$") + _b64(header + payload[1:])
        return (body + self._tag(self._macs[0], body)).decode("ascii")

    def _seal(
        self, payload: bytes, *, session_id: str, created: int, issued: int
    ) -> str:
        assert self._envelope is not None  # SessionSettings checked for it
        sid = session_id.encode("ascii")
        return self._envelope.seal(
            _HEAD.pack(created, issued, len(sid)) + sid + payload
        )

    def sign(
        self, payload: bytes, *, session_id: str, created: int, issued: int
    ) -> str:
        """Sign (or encrypt) encoded data into a cookie value, with ``secret_key``.

        ``payload`` is data as :meth:`dumps` encodes it, or the
        :attr:`Decoded.payload` of a verified value, of either format: an
        unchanged session is issued again without being serialized again.
        """
        header = self._header(session_id, created, issued)
        if header is not None:
            if payload[:1] not in (_RAW, _PACKED):
                payload = self._recode(payload, True, True)
            return self._compact_value(payload, header)
        if self._encrypt:
            if payload[:1] not in (_RAW, _DEFLATED):
                payload = self._recode(payload, False, True)
            return self._seal(
                payload, session_id=session_id, created=created, issued=issued
            )
        if payload[:1] in _FLAGS:
            payload = self._recode(payload, False, False)
        body = b"%s.%s.%x.%x" % (payload, session_id.encode("ascii"), created, issued)
        return (body + b"." + self._signature(self._macs[0], body)).decode("ascii")

    def loads(self, value: str) -> Decoded:
        """Verify and decode a cookie value.

        :raises InvalidCookie: with the reason; never the value.
        """
        decoded = self.try_loads(value)
        if decoded is None:
            raise InvalidCookie("bad signature")
        return decoded

    def try_loads(self, value: str) -> Decoded | None:
        """:meth:`loads`, answering None when no key signed ``value``.

        A forged or tampered value, the one a client can send at will, is
        refused without the cost of an exception; so is a value that none of
        the ``migrate_from`` readers' keys signed.

        :raises InvalidCookie: for any other fault, with the reason.
        """
        if not isinstance(value, str):
            raise InvalidCookie("malformed")
        if len(value) > self._max_value:
            raise InvalidCookie("too large")
        if not value.isascii():
            return None
        if value[:1] in _SIGNED_MARKERS:
            return self._verify_compact(value)
        if self.is_encrypted(value):
            return self._open(value)
        if self._foreign and value.count(".") != 4:
            return self._loads_foreign(value)
        body, _, signature = value.encode("ascii").rpartition(b".")
        if hmac.compare_digest(self._signature(self._macs[0], body), signature):
            index = 0  # the current key: no loop over the fallbacks
        elif len(self._macs) == 1:  # no fallbacks to try
            return None
        else:
            fallback = self._verify_fallbacks(body, signature, self._signature)
            if fallback is None:
                return None
            index = fallback

        try:
            payload, session_id, created_hex, issued_hex = body.split(b".")
            created = int(created_hex, 16)
            issued = int(issued_hex, 16)
        except ValueError:
            raise InvalidCookie("malformed") from None
        return self._accept(
            payload, session_id.decode("ascii"), created, issued, index, False, False
        )

    def _verify_compact(self, value: str) -> Decoded | None:
        """:meth:`try_loads` for a signed value of the compact format."""
        signed = value.encode("ascii")
        body, tag = signed[:-_MAC_CHARS], signed[-_MAC_CHARS:]
        if hmac.compare_digest(self._tag(self._macs[0], body), tag):
            index = 0  # the current key: no loop over the fallbacks
        else:
            fallback = self._verify_fallbacks(body, tag, self._tag)
            if fallback is None:
                return None
            index = fallback
        # Authentic from here on: only a leaked key makes these fail.
        try:
            blob = _unb64(body[1:])
        except ValueError:
            raise InvalidCookie("malformed") from None
        if len(blob) < _HEADER.size:
            raise InvalidCookie("malformed")
        global _last_id
        sid, created, issued = _HEADER.unpack_from(blob)
        end = _ID_END.get(value[22])
        if end is None:  # not as the codec writes: made with a leaked key
            session_id = _id_text(sid)
        else:
            # Authentic, so as the codec writes it (one spelling): the id's
            # text is there already. A value made with a leaked key could
            # spell it otherwise, but such a key forges any id anyway.
            session_id = value[1:22] + end
            _last_id = (session_id, sid)
        data = blob[_HEADER.size :]
        if body[:1] == b"^":
            return self._accept(
                _PACKED + data, session_id, created, issued, index, False, True
            )
        return self._accept(
            _RAW + data,
            session_id,
            created,
            issued,
            index,
            False,
            True,
            data if len(data) <= self._max_raw else None,
        )

    def _accept(
        self,
        payload: bytes,
        session_id: str,
        created: int,
        issued: int,
        index: int,
        encrypted: bool,
        compact: bool,
        raw: bytes | None = None,
    ) -> Decoded:
        """The session of an authentic value, unless it expired or is malformed.

        ``raw`` is the serialized data when the caller has it at hand (raw
        and within ``max_decompressed_size``); otherwise it is taken from
        ``payload`` after the timestamps are checked.
        """
        now = _clock.time()
        self._check_times(created, issued, now)
        if raw is None:
            raw = self._raw(payload)
        data = parse_data(raw, self._serializer, self._max_depth)
        self._check_age(data, issued, now)
        self.usage.count(index if index < self._keys else 0, now)
        # Decoded(...) without the Python-level __new__ of a NamedTuple.
        return tuple.__new__(
            Decoded,
            (data, session_id, created, issued, index, payload, encrypted, compact),
        )

    def _check_times(self, created: int, issued: int, now: float) -> None:
        if issued > now + self._skew or created > issued:
            raise InvalidCookie("timestamp in the future")
        if (
            self._absolute_max_age is not None
            and now - created > self._absolute_max_age
        ):
            raise InvalidCookie("expired")

    def _check_age(self, data: dict[str, Any], issued: int, now: float) -> None:
        if EXPIRY_KEY in data:
            self._check_expiry(data, issued, now)
        elif self._max_age is not None and now - issued > self._max_age:
            raise InvalidCookie("expired")

    def _open(self, value: str) -> Decoded | None:
        """:meth:`try_loads` for an encrypted value: authenticated before all else."""
        if self._envelope is None:
            raise InvalidCookie(NO_CRYPTOGRAPHY)
        opened = self._envelope.open(value)
        if opened is None:
            return None
        plaintext, index = opened
        # Authentic from here on: only a leaked key makes these fail.
        marker = value[:1]
        if marker != _aead.MARKER:
            if len(plaintext) < _HEADER.size:
                raise InvalidCookie("malformed")
            sid, created, issued = _HEADER.unpack_from(plaintext)
            flag = _PACKED if marker == _SEALED_PACKED else _RAW
            return self._accept(
                flag + plaintext[_HEADER.size :],
                _id_text(sid),
                created,
                issued,
                index,
                True,
                True,
            )
        if len(plaintext) < _HEAD.size + 1:
            raise InvalidCookie("malformed")
        created, issued, length = _HEAD.unpack_from(plaintext)
        end = _HEAD.size + length
        session_id = plaintext[_HEAD.size : end]
        payload = plaintext[end:]
        if (
            len(payload) < 2
            or payload[:1] not in (_RAW, _DEFLATED)
            or not session_id.isascii()
        ):
            raise InvalidCookie("malformed")
        return self._accept(
            payload, session_id.decode("ascii"), created, issued, index, True, False
        )

    def rewrites(self, decoded: Decoded) -> bool:
        """Whether a verified value would be written in another form now.

        True for a signed value while ``encrypt`` is on and an encrypted one
        while it is off; for a compact value under ``cookie_format=1``; and
        for a value of the first format under ``cookie_format=2``, unless
        its session id or times are ones only the first format holds.
        """
        if decoded.encrypted is not self._encrypt:
            return True
        if decoded.compact is self._compact:
            return False
        return decoded.compact or (
            self._header(decoded.session_id, decoded.created, decoded.issued)
            is not None
        )

    @staticmethod
    def is_encrypted(value: str) -> bool:
        """Whether ``value`` is in the encrypted format (authentic or not)."""
        # Base64 has no dot; a signed value of the first format has four,
        # whatever it starts with.
        return value[:1] in ENCRYPTED_MARKERS and "." not in value

    def expires_at(
        self, data: dict[str, Any], *, created: float, issued: float
    ) -> float | None:
        """When a value holding ``data`` stops verifying (Unix seconds).

        A per-session expiry (``set_expiry``) wins over ``max_age``;
        ``absolute_max_age`` caps both. None when nothing limits it.

        :raises InvalidCookie: "malformed" for a stored expiry that is none.
        """
        deadline = self._session_deadline(data, issued)
        if self._absolute_max_age is None:
            return deadline
        absolute = created + self._absolute_max_age
        return absolute if deadline is None else min(deadline, absolute)

    def _session_deadline(self, data: dict[str, Any], issued: float) -> float | None:
        # The data's own expiry, or max_age: the absolute limit is apart, as
        # loads() checks it before decoding anything.
        try:
            expiry = parse_expiry(data.get(EXPIRY_KEY))
        except ValueError:
            raise InvalidCookie("malformed") from None
        if isinstance(expiry, datetime):
            return expiry.timestamp()
        limit = expiry or self._max_age
        return None if limit is None else issued + limit

    def _check_expiry(self, data: dict[str, Any], issued: float, now: float) -> None:
        deadline = self._session_deadline(data, issued)
        if deadline is not None and now > deadline:
            raise InvalidCookie("expired")

    def _loads_foreign(self, value: str) -> Decoded | None:
        """What the first ``migrate_from`` reader that accepts ``value`` reads.

        None when no reader's key signed it, as :meth:`decode` answers.
        """
        reason = "bad signature"
        for reader in self._foreign:
            try:
                decoded = reader.loads(value)
            except InvalidCookie as exc:
                reason = exc.reason
                continue
            # The stored expiry is ours to enforce, whoever signed the data;
            # unchecked, a bad one would fail later, when the cookie is set.
            now = _clock.time()
            self._check_expiry(decoded.data, decoded.issued, now)
            self.usage.count(-1, now)
            return decoded
        if reason == "bad signature":
            return None
        raise InvalidCookie(reason)

    def _raw(self, payload: bytes) -> bytes:
        """The serialized data of a verified payload, in any form.

        :raises InvalidCookie: "too large" past ``max_decompressed_size``,
            "malformed" for broken base64 or DEFLATE.
        """
        flag = payload[:1]
        try:
            if flag == _PACKED:
                return inflate(payload[1:], self._max_raw, dictionary=DICTIONARY)
            if flag == _DEFLATED:
                return inflate(payload[1:], self._max_raw)
            if flag == b"~":
                return inflate(_unb64(payload[1:]), self._max_raw)
            raw = payload[1:] if flag == _RAW else _unb64(payload)
        except InvalidCookie:
            raise  # a ValueError too: keep its reason
        except ValueError:
            raise InvalidCookie("malformed") from None
        if len(raw) > self._max_raw:
            raise InvalidCookie("too large")
        return raw

    def largest_keys(
        self, data: dict[str, Any], count: int = 5
    ) -> list[tuple[str, int]]:
        """The ``count`` keys whose serialized values are largest, in bytes."""
        sizes = []
        for key, value in data.items():
            try:
                size = len(self._dump({key: value}))
            except (TypeError, ValueError, OverflowError):
                size = -1
            sizes.append((str(key), size))
        sizes.sort(key=lambda pair: pair[1], reverse=True)
        return sizes[:count]

    def _dump(self, obj: Any) -> bytes:
        # UTF-8 here, inside the caller's try: a lone surrogate in a str is
        # as unserializable as a set, and must name its key the same way.
        text = self._serializer.dumps(obj)
        return text.encode("utf-8") if isinstance(text, str) else text

    def _unserializable(self, data: dict[str, Any]) -> TypeError:
        for key, value in data.items():
            try:
                self._dump({key: value})
            except (TypeError, ValueError, OverflowError):
                return TypeError(
                    f"session value for key {key!r} of type"
                    f" {type(value).__name__} cannot be serialized by"
                    f" {type(self._serializer).__name__}"
                )
        return TypeError(
            f"session data cannot be serialized by {type(self._serializer).__name__}"
        )


def key_usage(settings: SessionSettings) -> dict[str, int]:
    """How many cookies each key of ``settings`` verified or opened so far.

    Counted by this process since the settings' first use, signed and
    encrypted cookies alike, only those accepted: ``"current"``,
    ``"fallback 1"``... in the order of ``fallback_keys``, and ``"migrated"``
    for cookies read by ``migrate_from`` readers (when there are any).
    Counts may be a little low under concurrent requests: they are not
    locked. A fallback key whose count stays 0 for ``max_age`` seconds, in
    every process, is no longer needed (docs/security.rst).

    .. versionadded:: 0.1
    """
    return Codec.of(settings).usage.snapshot()
