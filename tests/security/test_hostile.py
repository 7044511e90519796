"""Hostile cookies through every front door: no 5xx, no leak, nothing accepted.

``ROWS`` is the table: each :class:`Row` builds one or more raw ``Cookie``
headers (as PEP 3333 delivers them: latin-1 decoded bytes in
``HTTP_COOKIE``) and states the outcome: ``accepted`` with the data,
``rejected`` with the logged reason, ``short`` (a value under 8 characters:
no cookie, as in Django) or ``ignored`` (no cookie of our name at all).

``DOORS`` are the front doors, handed to tests by the ``door`` fixture:
:class:`~signedsession.SessionMiddleware` (plain, and tagged with a
``__Host-`` name), the Flask and Pyramid adapters, and the Django engine
under Django's own ``SessionMiddleware``. Every applicable
``__Host-`` name), the ASGI :class:`signedsession.asgi.SessionMiddleware`
(built from Starlette's keywords, so migrating Starlette's cookies) and
the Flask and Pyramid adapters. Every applicable
(door, row) pair is one test case, id ``<door>-<row>``: each header must
get a 200 under WebTest's lint, the session the row states, within 50 ms of
CPU and 10 MB of allocations, exactly one warning on
``signedsession.security`` for a rejected cookie (one exact reason; its
reason, never its content), and a valid cookie must work right after.

A door with a ``migrate_from`` reader (``Door.migrates``) hands every value
without exactly four dots to that reader alone, after the size and ASCII
checks; the reader's reason then stands, which a row states in
``reader_reasons``. Rows in another library's format (``Row.format``) run
only on the door that migrates from it; ``tagged_only`` rows only on doors
whose serializer is :class:`~signedsession.TaggedJSONSerializer`.

Doors with ``encrypt=True`` (``Door.encrypted``) read the AES-256-GCM
format; a row runs on the doors of its ``door_format`` ("signed",
"encrypted" or "any"). The encrypted rows cover what issue 15 lists:
truncated, bit-flipped, wrong key, wrong purpose, reordered fields, nonce
or tag edited, oversized, and signed-but-not-encrypted values, which an
encrypting door accepts only as the migration path, only when they verify,
and re-issues encrypted (``reissued``).

A door whose framework parses the ``Cookie`` header itself (Django:
``django.http.parse_cookie``, not werkzeug's grammar) may hand the store
another value than werkzeug would: ``Door.reads`` names the value it hands
over, ``Door.parser_outcomes`` the rows whose outcome follows from that
(``test_parser_outcomes_are_rows_the_parsers_read_differently`` checks each
is one), and the CPU budget is counted net of ``Door.parse``'s own cost.

Doors with ``max_chunks`` over 1 (``Door.chunked``) read a session split
over several cookies (``session``, marked ``*k*``, then ``session.1``, ...);
a row runs on the doors of its ``door_chunks`` ("chunked", "single" or
"any"). The chunk rows are issue 18's: a chunk missing, duplicated, past
the count (a stale one: ignored), reordered, from another session, a
thousand of them, a count over ``max_chunks``, a malformed marker.

Rows marked "leaked key" are signed (or sealed) with the real key: they
model a leaked or reused secret, where only the decoding limits stand
between the attacker and the process.

Adding a door: a function returning a :class:`Door` (its ``send`` makes
one request with a given ``Cookie`` header to a view that answers the
session as JSON and bumps ``n`` when ``write`` is true; ``wsgi_send`` does
it for a WSGI app), appended to ``DOORS``: every row that applies, and every
test taking the ``door`` fixture, then runs through it. Adding a row: one
``accepted``/``rejected``/``short``/``ignored`` entry in ``ROWS``.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import hmac
import json
import logging
import secrets
import struct
import time
import tracemalloc
import warnings
import zlib
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional, TypeVar

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from itsdangerous import Signer, TimestampSigner, base64_encode
from shared import NOW, OLD_SECRET, SECRET, SECURITY
from webob.cookies import SignedSerializer
from webtest import TestApp
from werkzeug.sansio.http import parse_cookie

import signedsession._aead
from signedsession import (
    JSONSerializer,
    SessionMiddleware,
    SessionSettings,
    SessionStore,
    TaggedJSONSerializer,
)
from signedsession._codec import DICTIONARY, MAX_EXPIRY_SECONDS, Codec
from signedsession.readers.pyramid import DEFAULT_HASHALG, DEFAULT_SALT

#: A fixed id holding both URL-safe specials, so alphabet games always bite.
# Not the base64 spelling of 16 bytes (its last character has spare bits
# set): only the first format holds it, so valid() and forge() make values
# of the first format, which every door still reads. The compact format's
# rows use COMPACT_ID, one of new_session_id()'s.
SESSION_ID = "Ab-_Cd-_Ef-_Gh-_Ij-_Kl"
COMPACT_ID = "RPJofPPEjGi1NdL64ZPqeA"
VALID_DATA = {"user": "alice", "n": 41}
CPU_BUDGET = 0.050
#: A framework parse this slow (seconds) is timed twice (quadratic unquoting).
SLOW_PARSE = 0.5
MEMORY_BUDGET = 10 * 1024 * 1024
REASONS = {
    "bad signature",
    "malformed",
    "too large",
    "too deeply nested",
    "expired",
    "timestamp in the future",
    "chunk missing",
    "chunk duplicated",
    "too many chunks",
}
T = TypeVar("T")


# -- front doors --------------------------------------------------------------


class Answer(NamedTuple):
    """What a door answered: status, body and raw ``Set-Cookie`` values."""

    status: int
    body: bytes
    set_cookies: list[str]


#: Makes one request with this ``Cookie`` header; ``write``: bump ``n``.
Send = Callable[[str, bool], Answer]


@dataclass(frozen=True)
class Door:
    """One way in: an app whose view shows the session and bumps ``n``."""

    name: str
    send: Send
    settings: SessionSettings
    #: The library whose cookies its ``migrate_from`` reader reads, if any.
    migrates: str | None = None
    #: Whether a rejected or short cookie is deleted on a read-only request.
    deletes_on_read: bool = True
    #: Whether a valid cookie is re-issued on a read-only request.
    reissues_on_read: bool = False
    #: The values of our cookie the framework hands the store, in order.
    reads: Callable[[str, str], list[str]] = field(
        default=lambda header, name: parse_cookie(header).getlist(name)
    )
    #: Row id -> (outcome, reason, data) where the framework's own cookie
    #: parser reads the header differently from werkzeug.
    parser_outcomes: dict[str, tuple[str, str | None, dict[str, Any]]] = field(
        default_factory=dict
    )

    @property
    def tagged(self) -> bool:
        return isinstance(self.settings.serializer, TaggedJSONSerializer)

    @property
    def encrypted(self) -> bool:
        """Whether it writes (and requires, but for migration) encryption."""
        return self.settings.encrypt

    @property
    def chunked(self) -> bool:
        """Whether it reads (and writes) a session split over several cookies."""
        return self.settings.max_chunks > 1


def wsgi_send(app: Any) -> Send:
    """Requests to a WSGI app through WebTest, with its lint on."""
    client = TestApp(app, lint=True)

    def send(header: str, write: bool) -> Answer:
        client.reset()
        response = client.get(
            "/?write=1" if write else "/",
            extra_environ={"HTTP_COOKIE": header},
            status="*",
        )
        return Answer(
            response.status_int, response.body, response.headers.getall("Set-Cookie")
        )

    return send


def view(session: Any, write: bool) -> bytes:
    """The session as JSON, read before ``write`` bumps ``n``."""
    body = json.dumps(dict(session.items()), sort_keys=True).encode()
    if write:
        session["n"] = session.get("n", 0) + 1
    return body


def middleware_door(settings: SessionSettings, name: str = "middleware") -> Door:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = environ[settings.environ_key]
        body = view(session, "write" in environ.get("QUERY_STRING", ""))
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return Door(name, wsgi_send(SessionMiddleware(inner, settings)), settings)


def flask_door(*, encrypt: bool = False, chunks: int = 1) -> Door:
    import flask

    from signedsession.adapters.flask import SignedSessionInterface

    app = flask.Flask("hostile")
    app.secret_key = SECRET
    if encrypt:  # Flask's own spellings
        app.config["SECRET_KEY_FALLBACKS"] = [OLD_SECRET]
        app.config["SIGNEDSESSION_ENCRYPT"] = True
    if chunks > 1:
        app.config["SIGNEDSESSION_MAX_CHUNKS"] = chunks
    app.session_interface = SignedSessionInterface()

    @app.get("/")
    def show() -> flask.Response:
        body = view(flask.session, "write" in flask.request.args)
        return flask.Response(body, content_type="application/json")

    settings = app.session_interface.get_settings(app)
    assert settings is not None
    return Door(
        "flask"
        + ("-encrypted" if encrypt else "")
        + ("-chunked" if chunks > 1 else ""),
        wsgi_send(app),
        settings,
        migrates="flask",
        deletes_on_read=False,
    )


def pyramid_door(*, encrypt: bool = False, chunks: int = 1) -> Door:
    from pyramid.config import Configurator
    from pyramid.response import Response

    from signedsession.adapters.pyramid import SignedSessionFactory

    factory = (
        SignedSessionFactory(
            SECRET, fallback_secrets=(OLD_SECRET,), encrypt=True, max_chunks=chunks
        )
        if encrypt
        else SignedSessionFactory(SECRET, max_chunks=chunks)
    )

    def show(request: Any) -> Any:
        body = view(request.session, "write" in request.params)
        return Response(body, content_type="application/json")

    with Configurator() as config:
        config.set_session_factory(factory)
        config.add_route("home", "/")
        config.add_view(show, route_name="home")
        app = config.make_wsgi_app()
    return Door(
        "pyramid"
        + ("-encrypted" if encrypt else "")
        + ("-chunked" if chunks > 1 else ""),
        wsgi_send(app),
        factory.settings,
        migrates="pyramid",
        reissues_on_read=True,
    )


def django_cookies(header: str) -> dict[str, str]:
    """The cookies Django reads from ``HTTP_COOKIE`` (latin-1 bytes as UTF-8)."""
    from django.http.cookie import parse_cookie as django_parse_cookie

    return django_parse_cookie(header.encode("latin-1").decode(errors="replace"))


_ACCEPTED: tuple[str, str | None, dict[str, Any]] = ("accepted", None, VALID_DATA)
#: The rows Django's cookie parser reads differently from werkzeug's.
DJANGO_PARSER_OUTCOMES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    # No "=": Django reads a cookie with an empty name, so none of ours.
    "name-without-value": ("ignored", None, {}),
    # Django keeps the lone quote in the value: ours, tampered.
    "unterminated-quote": ("rejected", "bad signature", {}),
    # The last of several same-named cookies wins in Django.
    "duplicates-valid-first-of-50": ("rejected", "bad signature", {}),
    "duplicates-valid-50th-not-tried": _ACCEPTED,
    # Django splits on ";" only: CR LF and what follows stay in the value.
    "crlf-header-injection-after-value": ("rejected", "bad signature", {}),
    # Django strips every Unicode space (str.strip) around a cookie's name.
    "nbsp-prefixed-name-utf8": _ACCEPTED,
    "ideographic-space-prefixed-name": _ACCEPTED,
    "vertical-tab-prefixed-name": _ACCEPTED,
    "form-feed-prefixed-name": _ACCEPTED,
    "file-separator-prefixed-name": _ACCEPTED,
    "next-line-prefixed-name": _ACCEPTED,
    "newline-prefixed-name": _ACCEPTED,
}


def django_door() -> Door:
    """A Django project whose SESSION_ENGINE is signedsession's.

    Django's settings are global to the process (the test project's, see
    ``tests/adapters/djangoproject``); the door's own are entered around
    building its handler and around each request.
    """
    from djangoproject import configure

    configure()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    from signedsession.adapters.django import session_settings

    overrides = override_settings(
        SECRET_KEY=SECRET,
        SESSION_COOKIE_NAME="session",
        ROOT_URLCONF="djangoproject.hostile_urls",
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        ALLOWED_HOSTS=["localhost"],
    )
    with overrides:
        send = wsgi_send(WSGIHandler())
        settings = session_settings()

    def send_with_settings(header: str, write: bool) -> Answer:
        with overrides:
            status, body, set_cookies = send(header, write)
        # Django's handler writes " name=value" (Morsel.output) and quotes
        # an empty value: the header a browser gets means name=.
        return Answer(
            status,
            body,
            [c.strip().replace('=""', "=", 1) for c in set_cookies],
        )

    def reads(header: str, name: str) -> list[str]:
        found = django_cookies(header).get(name)
        return [] if found is None else [found]

    return Door(
        "django",
        send_with_settings,
        settings,
        migrates="django",
        reads=reads,
        parser_outcomes=DJANGO_PARSER_OUTCOMES,
    )


def asgi_door(*, chunks: int = 1) -> Door:
    """The ASGI middleware, built from Starlette's keywords (so it migrates
    Starlette's cookies), driven on an event loop in the calling thread: CPU
    time and allocations are measured as for the WSGI doors."""
    import asyncio

    from signedsession.asgi import SessionMiddleware as ASGISessionMiddleware

    async def show(scope: Any, receive: Any, send: Any) -> None:
        body = view(scope["session"], b"write" in scope["query_string"])
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    app = ASGISessionMiddleware(show, secret_key=SECRET, max_chunks=chunks)
    loop = asyncio.new_event_loop()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    def send(header: str, write: bool) -> Answer:
        sent: list[dict[str, Any]] = []

        async def collect(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/",
            "query_string": b"write=1" if write else b"",
            "headers": [(b"host", b"localhost"), (b"cookie", header.encode("latin-1"))],
        }
        loop.run_until_complete(app(scope, receive, collect))
        start, *bodies = sent
        return Answer(
            start["status"],
            b"".join(message.get("body", b"") for message in bodies),
            [
                v.decode("latin-1")
                for k, v in start["headers"]
                if k.lower() == b"set-cookie"
            ],
        )

    name = "asgi-chunked" if chunks > 1 else "asgi"
    return Door(name, send, app.settings, migrates="starlette")


DOORS = [
    middleware_door(SessionSettings(secret_key=SECRET)),
    asgi_door(),
    middleware_door(
        SessionSettings(
            secret_key=SECRET,
            cookie_name="__Host-session",
            secure=True,
            serializer=TaggedJSONSerializer(),
        ),
        "middleware-tagged-host",
    ),
    flask_door(),
    pyramid_door(),
    middleware_door(
        SessionSettings(secret_key=SECRET, fallback_keys=(OLD_SECRET,), encrypt=True),
        "middleware-encrypted",
    ),
    middleware_door(
        SessionSettings(
            secret_key=SECRET,
            fallback_keys=(OLD_SECRET,),
            cookie_name="__Host-session",
            secure=True,
            serializer=TaggedJSONSerializer(),
            encrypt=True,
        ),
        "middleware-encrypted-tagged-host",
    ),
    flask_door(encrypt=True),
    pyramid_door(encrypt=True),
    django_door(),
    middleware_door(
        SessionSettings(secret_key=SECRET, max_chunks=4), "middleware-chunked"
    ),
    asgi_door(chunks=4),
    flask_door(chunks=4),
    pyramid_door(chunks=4),
    middleware_door(
        SessionSettings(
            secret_key=SECRET,
            fallback_keys=(OLD_SECRET,),
            encrypt=True,
            max_chunks=4,
        ),
        "middleware-encrypted-chunked",
    ),
]


@pytest.fixture(params=DOORS, ids=lambda door: door.name)
def door(request: pytest.FixtureRequest) -> Door:
    """Each front door in turn: a test taking ``door`` runs through all."""
    return request.param  # type: ignore[no-any-return]


# -- cookie values, signed as each format signs them ---------------------------


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def deflate(raw: bytes) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return "~" + b64(packer.compress(raw) + packer.flush())


def valid(settings: SessionSettings, data: dict[str, Any] | None = None) -> str:
    """A genuine cookie value, made by the codec."""
    return Codec.of(settings).dumps(
        VALID_DATA if data is None else data,
        session_id=SESSION_ID,
        created=NOW,
        issued=NOW,
    )


def forge(
    settings: SessionSettings,
    payload: str,
    *,
    session_id: str = SESSION_ID,
    created: str = f"{NOW:x}",
    issued: str = f"{NOW:x}",
    fields: list[str] | None = None,
) -> str:
    """Sign any body in our format with the real key (a leaked key).

    itsdangerous' ``Signer`` with the ``hmac`` key derivation, as the
    codec signs (``test_forged_value_is_what_the_codec_signs``).
    """
    parts = fields if fields is not None else [payload, session_id, created, issued]
    body = ".".join(parts)
    signer = Signer(
        settings.secret_key,
        salt=settings.salt,
        key_derivation="hmac",
        digest_method=getattr(hashlib, settings.digest),
    )
    return f"{body}.{signer.get_signature(body).decode('ascii')}"


def signed(settings: SessionSettings, raw: bytes, *, compress: bool = False) -> str:
    """Sign a serialized payload, compressed or not, in our format."""
    return forge(settings, deflate(raw) if compress else b64(raw))


def flask_signed(
    settings: SessionSettings, raw: bytes, *, compress: bool = False, issued: int = NOW
) -> str:
    """Sign a payload in Flask's format with the real key."""
    signer = TimestampSigner(
        settings.secret_key,
        salt="cookie-session",
        key_derivation="hmac",
        digest_method=hashlib.sha1,
    )
    signer.get_timestamp = lambda: issued  # type: ignore[method-assign]
    payload = (
        b"." + base64_encode(zlib.compress(raw)) if compress else base64_encode(raw)
    )
    return signer.sign(payload).decode("ascii")


class PassThrough:
    """A Pyramid cookie serializer that signs the given bytes as they are."""

    def dumps(self, appstruct: bytes) -> bytes:
        return appstruct

    def loads(self, bstruct: bytes) -> bytes:
        return bstruct


def pyramid_signed(settings: SessionSettings, raw: bytes) -> str:
    """Sign a payload in Pyramid's format (WebOb's SignedSerializer), real key."""
    signer = SignedSerializer(
        settings.secret_key, DEFAULT_SALT, DEFAULT_HASHALG, serializer=PassThrough()
    )
    return signer.dumps(raw).decode("ascii")  # type: ignore[no-any-return]


def before_max_age(door: Door, extra: int) -> int:
    """The Unix time ``max_age + extra`` seconds ago."""
    max_age = door.settings.max_age
    assert max_age is not None
    return NOW - max_age - extra


def ago(door: Door, extra: int) -> str:
    """:func:`before_max_age` in hex, as our format writes timestamps."""
    return f"{before_max_age(door, extra):x}"


def nested(depth: int) -> bytes:
    return b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def utf8_as_latin1(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


# -- what a row sends: builders of Cookie headers for a door ---------------------

#: The ``Cookie`` headers a row sends through ``door``, one request each.
Headers = Callable[[Door], list[str]]


def cookie(door: Door, value: str) -> str:
    return f"{door.settings.cookie_name}={value}"


def value(make: Callable[[Door], str]) -> Headers:
    """One header: our cookie holding ``make(door)``."""
    return lambda door: [cookie(door, make(door))]


def header(make: Callable[[Door], str]) -> Headers:
    """One header, exactly ``make(door)``."""
    return lambda door: [make(door)]


def literal(text: str) -> Headers:
    """One header: our cookie holding ``text``."""
    return lambda door: [cookie(door, text)]


def ours(raw: bytes, *, compress: bool = False) -> Headers:
    """Our cookie holding ``raw``, signed in our format with the real key."""
    return value(lambda door: signed(door.settings, raw, compress=compress))


def in_flask_format(
    raw: bytes, *, compress: bool = False, issued: int = NOW
) -> Headers:
    """Our cookie holding ``raw`` signed in Flask's format, real key."""
    return value(
        lambda door: flask_signed(door.settings, raw, compress=compress, issued=issued)
    )


def django_signed(
    settings: SessionSettings, raw: bytes, *, compress: bool = False, issued: int = NOW
) -> str:
    """Sign a payload in Django's signed_cookies format with the real key.

    Django's own ``Signer`` signs ``payload:timestamp`` as its
    ``TimestampSigner`` does, with a timestamp of our choosing.
    """
    from django.core import signing

    from signedsession.readers.django import DJANGO_SALT

    payload = "." + b64(zlib.compress(raw)) if compress else b64(raw)
    signer = signing.Signer(key=settings.secret_key, salt=DJANGO_SALT, fallback_keys=[])
    return signer.sign(f"{payload}:{signing.b62_encode(issued)}")


def in_django_format(
    raw: bytes, *, compress: bool = False, issued: int = NOW
) -> Headers:
    """Our cookie holding ``raw`` signed in Django's format, real key."""
    return value(
        lambda door: django_signed(door.settings, raw, compress=compress, issued=issued)
    )


def starlette_signed(
    settings: SessionSettings, raw: bytes, *, issued: int = NOW
) -> str:
    """Sign a payload as Starlette's SessionMiddleware does, real key."""
    from base64 import b64encode

    signer = TimestampSigner(settings.secret_key)
    signer.get_timestamp = lambda: issued  # type: ignore[method-assign]
    return signer.sign(b64encode(raw)).decode("ascii")


def in_starlette_format(raw: bytes, *, issued: int = NOW) -> Headers:
    """Our cookie holding ``raw`` signed in Starlette's format, real key."""
    return value(lambda door: starlette_signed(door.settings, raw, issued=issued))


def in_pyramid_format(raw: bytes) -> Headers:
    """Our cookie holding ``raw`` signed in Pyramid's format, real key."""
    return value(lambda door: pyramid_signed(door.settings, raw))


def valid_cookie(door: Door) -> str:
    return cookie(door, valid(door.settings))


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def swap(char: str) -> str:
    return ALPHABET[(ALPHABET.index(char) + 1) % 64] if char in ALPHABET else "A"


def tamper_field(index: int) -> Headers:
    """Every single-byte change of one dot-separated field of a valid value."""

    def build(door: Door) -> list[str]:
        genuine = valid(door.settings)
        parts = genuine.split(".")
        start = sum(len(p) + 1 for p in parts[:index])
        end = start + len(parts[index])
        return [
            cookie(door, genuine[:i] + swap(genuine[i]) + genuine[i + 1 :])
            for i in range(start, end)
        ]

    return build


def truncations(*, in_signature: bool) -> Headers:
    """Prefixes of a valid value at every 3rd offset from 8 characters on.

    ``in_signature``: those that keep all four dots (cut inside the
    signature), else those that lose one or more (cut before it).
    """

    def build(door: Door) -> list[str]:
        genuine = valid(door.settings)
        cuts = [genuine[:k] for k in range(8, len(genuine), 3)]
        return [
            cookie(door, cut) for cut in cuts if (cut.count(".") == 4) == in_signature
        ]

    return build


def dots_replaced(door: Door) -> list[str]:
    """A valid value with each of its dots replaced by a letter (3 dots)."""
    genuine = valid(door.settings)
    dots = [i for i, c in enumerate(genuine) if c == "."]
    return [cookie(door, genuine[:i] + "A" + genuine[i + 1 :]) for i in dots]


def dots_doubled(door: Door) -> list[str]:
    """A valid value with each of its dots doubled (5 dots)."""
    genuine = valid(door.settings)
    dots = [i for i, c in enumerate(genuine) if c == "."]
    return [cookie(door, genuine[:i] + "." + genuine[i:]) for i in dots]


def latin1_tampers(door: Door) -> list[str]:
    genuine = valid(door.settings)
    return [
        cookie(door, genuine[:i] + "\xff" + genuine[i + 1 :])
        for i in range(0, len(genuine), 7)
    ]


def valid_with(change: Callable[[str], str]) -> Headers:
    """Our cookie holding a valid value, changed by ``change``."""
    return value(lambda door: change(valid(door.settings)))


def valid_after(prefix: str) -> Headers:
    """One header: ``prefix``, then our cookie holding a valid value."""
    return header(lambda door: prefix + valid_cookie(door))


# -- the encrypted format: envelopes and their pieces ---------------------------


def unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def settings_like(door: Door, **changes: Any) -> SessionSettings:
    """The door's key, salt and serializer, encrypting, changed by ``changes``."""
    fields = {
        "secret_key": SECRET,
        "salt": door.settings.salt,
        "serializer": door.settings.serializer,
        "encrypt": True,
        **changes,
    }
    return SessionSettings(**fields)


def incoming_limit(door: Door) -> int:
    """The longest value the door reads: one cookie, or all its chunks."""
    return door.settings.max_cookie_size * door.settings.max_chunks


def genuine_of(changes: dict[str, Any], data: dict[str, Any] | None = None) -> Headers:
    """Our cookie holding a genuine value of the door's settings as changed
    (another key, another salt, the signed format...)."""
    return value(lambda door: valid(settings_like(door, **changes), data))


def signed_then_tampered(door: Door) -> list[str]:
    """Every one-character change of a signed value's payload."""
    genuine = valid(settings_like(door, encrypt=False))
    return [
        cookie(door, genuine[:i] + swap(genuine[i]) + genuine[i + 1 :])
        for i in range(genuine.index("."))
    ]


# -- the compact format (cookie_format=2): a marker and one base64 blob --------


def compact(settings: SessionSettings, data: dict[str, Any] | None = None) -> str:
    """A genuine compact value of ``settings``, made by the codec."""
    made = Codec.of(settings).dumps(
        VALID_DATA if data is None else data,
        session_id=COMPACT_ID,
        created=NOW,
        issued=NOW,
    )
    assert made[0] in "$^|:"
    return made


def compact_forged(marker: str, data: bytes, *, packed: bool = False) -> Headers:
    """A compact value around ``data`` MAC'd with the door's real key (a
    leaked key): header, data (deflated with the dictionary if ``packed``)."""

    def make(door: Door) -> str:
        settings = door.settings
        if packed:
            deflater = zlib.compressobj(9, zlib.DEFLATED, -15, 8, 0, DICTIONARY)
            data_ = deflater.compress(data) + deflater.flush()
        else:
            data_ = data
        body = unb64(COMPACT_ID) + struct.pack(">II", NOW, NOW) + data_
        key = Signer(
            settings.secret_key,
            salt=settings.salt,
            key_derivation="hmac",
            digest_method=getattr(hashlib, settings.digest),
        ).derive_key()
        text = marker + b64(body)
        mac = hmac.new(key, text.encode(), settings.digest).digest()
        return text + b64(mac[:16])

    return value(make)


def compact_tampered(door: Door) -> list[str]:
    """Every one-character change after the marker of a genuine compact value."""
    genuine = compact(door.settings)
    return [
        cookie(door, genuine[:i] + swap(genuine[i]) + genuine[i + 1 :])
        for i in range(1, len(genuine))
    ]


def compact_truncated(door: Door) -> list[str]:
    """Prefixes of a genuine compact value at every 3rd offset from 8 on."""
    genuine = compact(door.settings)
    return [cookie(door, genuine[:k]) for k in range(8, len(genuine), 3)]


def compact_marker_swapped(door: Door) -> list[str]:
    """A genuine compact value under each marker it was not made with."""
    genuine = compact(door.settings)
    return [cookie(door, m + genuine[1:]) for m in "$^|:" if m != genuine[0]]


def with_spare_bits(
    make: Callable[[SessionSettings, dict[str, Any]], str], door: Door
) -> tuple[str, int]:
    """A genuine value from ``make`` whose last character has unused low
    bits (all zero), and that character's place in the alphabet."""
    data = dict(VALID_DATA)
    genuine = make(door.settings, data)
    while len(genuine[1:]) % 4 not in (2, 3):  # a last character with spare bits
        data["user"] += "x"
        genuine = make(door.settings, data)
    last = ALPHABET.index(genuine[-1])
    assert last & (0b1111 if len(genuine[1:]) % 4 == 2 else 0b11) == 0
    return genuine, last


def compact_respelled(door: Door) -> list[str]:
    """The same bytes spelled otherwise: spare trailing bits set, padding."""
    genuine, last = with_spare_bits(compact, door)
    return [
        cookie(door, genuine[:-1] + ALPHABET[last | 1]),
        cookie(door, genuine + "=" * (-len(genuine[1:]) % 4)),
    ]


def aead_key(door: Door, secret: str = SECRET) -> bytes:
    return signedsession._aead.derive_key(secret.encode(), door.settings.salt)


def envelope(plain: bytes, key: bytes) -> str:
    """``plain`` sealed in the encrypted format under ``key``, a fixed nonce."""
    nonce = b"\x05" * 12
    return "!" + b64(nonce + AESGCM(key).encrypt(nonce, plain, None))


def plaintext(
    data: bytes,
    *,
    flag: int = 0,
    created: int = NOW,
    issued: int = NOW,
    session_id: bytes = SESSION_ID.encode(),
) -> bytes:
    """An encrypted value's plaintext: head, session id, flag, data."""
    head = struct.pack(">QQB", created, issued, len(session_id)) + session_id
    return head + bytes([flag]) + data


def sealed(plain: bytes) -> Headers:
    """Our cookie holding ``plain`` sealed with the real key (leaked key)."""
    return value(lambda door: envelope(plain, aead_key(door)))


def envelope_parts(door: Door) -> tuple[bytes, bytes, bytes]:
    """A valid value's nonce, ciphertext and tag."""
    raw = unb64(valid(door.settings)[1:])
    return raw[:12], raw[12:-16], raw[-16:]


def every_prefix(door: Door) -> list[str]:
    """Every prefix of a valid envelope from 8 characters on."""
    genuine = valid(door.settings)
    return [cookie(door, genuine[:k]) for k in range(8, len(genuine))]


def every_character_swapped(door: Door) -> list[str]:
    """Every one-character change of a valid envelope after its marker."""
    genuine = valid(door.settings)
    return [
        cookie(door, genuine[:i] + swap(genuine[i]) + genuine[i + 1 :])
        for i in range(1, len(genuine))
    ]


def bit_flipped(piece: str) -> Headers:
    """One bit flipped in each byte of the nonce, ciphertext or tag."""

    def build(door: Door) -> list[str]:
        nonce, body, tag = envelope_parts(door)
        pieces = {"nonce": nonce, "body": body, "tag": tag}
        target = pieces[piece]
        headers = []
        for i in range(len(target)):
            edited = {
                **pieces,
                piece: target[:i] + bytes([target[i] ^ 1]) + target[i + 1 :],
            }
            raw = edited["nonce"] + edited["body"] + edited["tag"]
            headers.append(cookie(door, "!" + b64(raw)))
        return headers

    return build


def reordered(door: Door) -> list[str]:
    """Nonce, ciphertext and tag in every other order; base64 blocks swapped."""
    nonce, body, tag = envelope_parts(door)
    orders = [
        body + tag + nonce,
        tag + nonce + body,
        nonce + tag + body,
        tag + body + nonce,
        body + nonce + tag,
    ]
    headers = [cookie(door, "!" + b64(order)) for order in orders]
    text = valid(door.settings)[1:]
    for i in range(0, len(text) - 8, 8):
        swapped = text[:i] + text[i + 4 : i + 8] + text[i : i + 4] + text[i + 8 :]
        headers.append(cookie(door, "!" + swapped))
    return headers


def respelled(door: Door) -> list[str]:
    """The same bytes spelled otherwise: spare trailing bits, padding, junk."""
    genuine, last = with_spare_bits(valid, door)
    return [
        cookie(door, text)
        for text in (
            genuine[:-1] + ALPHABET[last | 1],
            genuine + "=" * (-len(genuine[1:]) % 4),
            genuine[:10] + "*" + genuine[10:],
            genuine[:10] + "%" + genuine[10:],
        )
    ]


def spliced(door: Door) -> str:
    """A valid envelope's nonce and tag around another one's ciphertext."""
    nonce, _, tag = envelope_parts(door)
    other = unb64(valid(door.settings, {"user": "mallory", "n": 41})[1:])
    return "!" + b64(nonce + other[12:-16] + tag)


def other_purposes(door: Door) -> list[str]:
    """The real secret, keyed for something other than this door's envelopes."""
    plain = plaintext(b'{"user":"alice","n":41}')
    signing_key = Signer(
        SECRET,
        salt=door.settings.salt,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    ).derive_key()
    assert len(signing_key) == 32
    keys = [
        signing_key,  # the signed format's HMAC key
        hashlib.sha256(SECRET.encode()).digest(),  # no derivation
        signedsession._aead.derive_key(SECRET.encode(), "another-purpose"),
        SECRET.encode()[:32],  # the raw secret
    ]
    return [cookie(door, envelope(plain, key)) for key in keys]


def among_garbage(count: int, *, valid_at: int | None) -> Headers:
    """One header of ``count`` cookies of our name, garbage but at ``valid_at``."""

    def build(door: Door) -> list[str]:
        garbage = count - (valid_at is not None)
        cookies = [cookie(door, f"garbage-{i:04}") for i in range(garbage)]
        if valid_at is not None:
            cookies.insert(valid_at, valid_cookie(door))
        return ["; ".join(cookies)]

    return build


def forged(payload: str = b64(b"{}"), **fields: Any) -> Headers:
    """Our cookie: ``payload`` (encoded) and ``fields``, signed with the real key."""
    return value(lambda door: forge(door.settings, payload, **fields))


# -- a session split over several cookies (max_chunks) ---------------------------

#: ``(index, value)``: the cookie ``session`` for None, ``session.index`` else.
Piece = tuple[Optional[int], str]


def split_value(value: str, count: int) -> list[str]:
    """``value`` cut into ``count`` pieces, the first marked ``*count*``."""
    size = -(-len(value) // count)
    parts = [value[i * size : (i + 1) * size] for i in range(count)]
    parts[0] = f"*{count}*{parts[0]}"
    return parts


def chunk_cookies(
    make: Callable[[list[str]], list[Piece]],
    *,
    count: int = 3,
    data: dict[str, Any] | None = None,
) -> Headers:
    """One header: the cookies ``make`` picks from a genuine value (of
    ``data``) split in ``count``."""

    def build(door: Door) -> list[str]:
        name = door.settings.cookie_name
        pieces = make(split_value(valid(door.settings, data), count))
        return [
            "; ".join(
                f"{name}={value}" if index is None else f"{name}.{index}={value}"
                for index, value in pieces
            )
        ]

    return build


def in_order(parts: list[str]) -> list[Piece]:
    return [(None if i == 0 else i, part) for i, part in enumerate(parts)]


def without(index: int) -> Callable[[list[str]], list[Piece]]:
    return lambda parts: [p for p in in_order(parts) if p[0] != index]


def with_extra(*extra: Piece) -> Callable[[list[str]], list[Piece]]:
    return lambda parts: [*in_order(parts), *extra]


def remarked(marker: str) -> Callable[[list[str]], list[Piece]]:
    """The pieces, the first marked ``marker`` instead of ``*count*``."""
    return lambda parts: [(None, marker + parts[0][3:]), *in_order(parts)[1:]]


def other_sessions_chunk(door: Door) -> list[str]:
    """Chunk 1 taken from another user's session, of the same length."""
    name = door.settings.cookie_name
    ours = split_value(valid(door.settings), 3)
    theirs = split_value(valid(door.settings, {**VALID_DATA, "user": "bobby"}), 3)
    assert len(ours[1]) == len(theirs[1]) and ours[1] != theirs[1]
    return [f"{name}={ours[0]}; {name}.1={theirs[1]}; {name}.2={ours[2]}"]


def a_thousand(
    index: Callable[[int], int], *, keep: int = 1
) -> Callable[[list[str]], list[Piece]]:
    """The first ``keep`` pieces, then a thousand chunk cookies of garbage,
    the i-th named ``session.<index(i)>``."""
    return lambda parts: [
        *in_order(parts)[:keep],
        *((index(i), f"garbage-{i:04}") for i in range(1, 1001)),
    ]


# -- other frameworks' cookies, made by the real libraries with another secret --


def flask_cookie() -> str:
    from flask import Flask, session

    app = Flask("foreign")
    app.secret_key = "another-secret-for-the-flask-app!"

    @app.get("/")
    def show() -> str:
        session["user_id"] = 1
        return "ok"

    set_cookie = app.test_client().get("/").headers["Set-Cookie"]
    return set_cookie.split(";")[0].partition("=")[2]


def django_cookie() -> str:
    from django.core import signing

    signer = signing.TimestampSigner(
        key="another-secret-for-the-django-app",
        salt="django.contrib.sessions.backends.signed_cookies",
        fallback_keys=[],
    )
    return signer.sign_object(
        {"_auth_user_id": "1"}, serializer=signing.JSONSerializer, compress=True
    )


def pyramid_cookie() -> str:
    from pyramid.config import Configurator
    from pyramid.session import SignedCookieSessionFactory

    def show(request: Any) -> Any:
        request.session["user_id"] = 1
        return request.response

    with Configurator() as config:
        config.set_session_factory(
            SignedCookieSessionFactory("another-secret-for-the-pyramid-app")
        )
        config.add_route("home", "/")
        config.add_view(show, route_name="home")
        app = config.make_wsgi_app()
    set_cookie = TestApp(app).get("/").headers["Set-Cookie"]
    return set_cookie.split(";")[0].partition("=")[2]


def starlette_cookie() -> str:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware as Sessions
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # testclient prefers httpx2
        from starlette.testclient import TestClient

    async def show(request: Request) -> PlainTextResponse:
        request.session["user_id"] = 1
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/", show)],
        middleware=[
            Middleware(Sessions, secret_key="another-secret-for-the-starlette-app")
        ],
    )
    with TestClient(app) as client:
        set_cookie = client.get("/").headers["set-cookie"]
    return set_cookie.split(";")[0].partition("=")[2]


@functools.cache
def made_by(make: Callable[[], str]) -> str:
    """A foreign cookie value, made once per run."""
    made = make()
    assert len(made) >= 8
    return made


def foreign(make: Callable[[], str]) -> Headers:
    """Our cookie holding another framework's session cookie."""
    return value(lambda door: made_by(make))


# -- the table -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One hostile input and what every door it runs on must do with it."""

    id: str
    headers: Headers
    outcome: str  # accepted | rejected | short | ignored
    #: The one reason a rejected row logs (unless ``reader_reasons`` says).
    reason: str | None = None
    #: The session an accepted row loads.
    data: dict[str, Any] = field(default_factory=dict)
    #: Only for doors whose serializer is TaggedJSONSerializer.
    tagged_only: bool = False
    #: In this library's format: only for the door that migrates from it.
    format: str | None = None
    #: Signed before now: Pyramid (reissue_time=0) re-issues it on a read.
    aged: bool = False
    #: In another library's format: re-issued in ours on any access.
    migrated: bool = False
    #: The logged reason on a door migrating from this library ("flask",
    #: "pyramid"), where it is not ``reason``. Only a value without exactly
    #: four dots can differ: it is not in our format, so such a door's codec
    #: hands it to the reader alone, after the size and ASCII checks, and
    #: the reader's reason stands. Never for "too large", checked before.
    reader_reasons: dict[str, str] = field(default_factory=dict)
    #: The doors it runs on: "signed", "encrypted" (``encrypt=True``) or "any".
    door_format: str = "signed"
    #: Accepted in a form the door re-issues on any access: a fallback key,
    #: or signed where the door encrypts.
    reissued: bool = False
    #: The doors it runs on: "chunked" (``max_chunks`` over 1), "single"
    #: (``max_chunks=1``) or "any".
    door_chunks: str = "any"

    def runs_on(self, door: Door) -> bool:
        """Whether this row applies to ``door``."""
        if self.tagged_only and not door.tagged:
            return False
        if self.door_chunks != "any" and (
            (self.door_chunks == "chunked") != door.chunked
        ):
            return False
        if self.door_format != "any" and (
            (self.door_format == "encrypted") != door.encrypted
        ):
            return False
        return self.format in (None, door.migrates)

    def reason_on(self, door: Door) -> str | None:
        """The one reason this row must log on ``door``."""
        if self.id in door.parser_outcomes:
            return door.parser_outcomes[self.id][1]
        if door.migrates is None:
            return self.reason
        return self.reader_reasons.get(door.migrates, self.reason)

    def outcome_on(self, door: Door) -> str:
        """The outcome on ``door``: the row's, unless its parser differs."""
        return door.parser_outcomes.get(self.id, (self.outcome,))[0]

    def data_on(self, door: Door) -> dict[str, Any]:
        """The session an accepted row loads on ``door``."""
        if self.id in door.parser_outcomes:
            return door.parser_outcomes[self.id][2]
        return self.data


def accepted(id: str, headers: Headers, data: dict[str, Any], **flags: Any) -> Row:
    """A row whose cookie loads ``data``."""
    return Row(id, headers, "accepted", data=data, **flags)


def rejected(id: str, headers: Headers, reason: str, **flags: Any) -> Row:
    """A row whose cookie is rejected, logging ``reason``."""
    return Row(id, headers, "rejected", reason, **flags)


def short(id: str, headers: Headers) -> Row:
    """A row whose value is under 8 characters: no cookie, nothing logged."""
    return Row(id, headers, "short")


def ignored(id: str, headers: Headers) -> Row:
    """A row sending no cookie of our name at all."""
    return Row(id, headers, "ignored")


ROWS: list[Row] = [
    # -- empty, short and quoted values
    short("empty-value", literal("")),
    short("empty-quoted-value", literal('""')),
    short("seven-characters", literal("abcdefg")),
    short("name-without-value", header(lambda door: door.settings.cookie_name)),
    accepted(
        "quoted-valid-value-is-unquoted",
        valid_with(lambda v: f'"{v}"'),
        VALID_DATA,
    ),
    accepted(
        "quoted-value-with-escapes",
        valid_with(lambda v: '"' + "\\" + "\\".join(v) + '"'),
        VALID_DATA,
    ),
    ignored("unterminated-quote", valid_with(lambda v: '"' + v)),
    accepted("valid-after-whitespace", valid_after(" \t "), VALID_DATA),
    # -- garbage and random base64
    rejected("garbage", literal("garbage!!garbage"), "bad signature"),
    rejected(
        "random-base64-short",
        value(lambda door: secrets.token_urlsafe(24)),
        "bad signature",
    ),
    rejected(
        "random-base64-long",
        value(lambda door: secrets.token_urlsafe(3000)),
        "bad signature",
    ),
    rejected(
        "random-base64-in-five-fields",
        value(lambda door: ".".join(secrets.token_urlsafe(16) for _ in range(5))),
        "bad signature",
    ),
    rejected("five-empty-fields", literal("........"), "bad signature"),
    # -- single-byte tampering and truncation
    rejected("tamper-every-byte-of-payload", tamper_field(0), "bad signature"),
    rejected("tamper-every-byte-of-session-id", tamper_field(1), "bad signature"),
    rejected("tamper-every-byte-of-created", tamper_field(2), "bad signature"),
    rejected("tamper-every-byte-of-issued", tamper_field(3), "bad signature"),
    rejected("tamper-every-byte-of-signature", tamper_field(4), "bad signature"),
    # 3 dots: not ours. 113 base64 characters do not decode for Pyramid's.
    rejected("tamper-every-dot-replaced", dots_replaced, "bad signature"),
    # 5 dots: not ours. 84 bytes of base64 for Pyramid's, whose HMAC fails.
    rejected("tamper-every-dot-doubled", dots_doubled, "bad signature"),
    rejected("latin1-byte-every-7th-position", latin1_tampers, "bad signature"),
    # Cut inside the signature: four dots, our format on every door.
    rejected(
        "truncate-every-3rd-offset-in-signature",
        truncations(in_signature=True),
        "bad signature",
    ),
    # Cut before the signature: not ours, and under 72 characters, which is
    # less base64 than a SHA-512 digest for Pyramid's reader.
    rejected(
        "truncate-every-3rd-offset-before-signature",
        truncations(in_signature=False),
        "bad signature",
    ),
    short("truncate-to-7", valid_with(lambda v: v[:7])),
    rejected(
        "signature-dropped",
        valid_with(lambda v: v.rpartition(".")[0]),
        "bad signature",
    ),
    rejected(
        "signature-of-another-cookie",
        value(
            lambda door: (
                valid(door.settings).rpartition(".")[0]
                + "."
                + valid(door.settings, {"user": "mallory"}).rpartition(".")[2]
            )
        ),
        "bad signature",
    ),
    # -- padding and alphabet games
    rejected("padding-appended", valid_with(lambda v: v + "="), "bad signature"),
    rejected(
        "padding-appended-twice",
        valid_with(lambda v: v + "=="),
        "bad signature",
    ),
    rejected(
        "padding-inside-payload",
        valid_with(lambda v: v.replace(".", "==.", 1)),
        "bad signature",
    ),
    rejected(
        "standard-base64-alphabet",
        valid_with(lambda v: v.translate(str.maketrans("-_", "+/"))),
        "bad signature",
    ),
    rejected("swapped-case", valid_with(str.swapcase), "bad signature"),
    rejected(
        "percent-encoded",
        valid_with(lambda v: v.replace("-", "%2D")),
        "bad signature",
    ),
    # -- other frameworks' cookies, made by them with another secret
    rejected("flask-cookie", foreign(flask_cookie), "bad signature"),
    rejected("django-cookie", foreign(django_cookie), "bad signature"),
    rejected("pyramid-cookie", foreign(pyramid_cookie), "bad signature"),
    rejected("starlette-cookie", foreign(starlette_cookie), "bad signature"),
    # -- timestamps
    rejected(
        "issued-past-max-age",
        value(
            lambda door: forge(
                door.settings, b64(b"{}"), issued=ago(door, 1), created=ago(door, 1)
            )
        ),
        "expired",
    ),
    accepted(
        "issued-at-max-age",
        value(
            lambda door: forge(
                door.settings,
                b64(b'{"a":1}'),
                issued=ago(door, 0),
                created=ago(door, 0),
            )
        ),
        {"a": 1},
        aged=True,
    ),
    rejected(
        "issued-beyond-clock-skew",
        forged(issued=f"{NOW + 61:x}"),
        "timestamp in the future",
    ),
    accepted(
        "issued-within-clock-skew",
        forged(b64(b'{"a":1}'), issued=f"{NOW + 60:x}"),
        {"a": 1},
    ),
    rejected("issued-far-future", forged(issued="f" * 200), "timestamp in the future"),
    rejected(
        "created-after-issued",
        forged(created=f"{NOW + 1:x}"),
        "timestamp in the future",
    ),
    rejected("negative-issued", forged(created="-1", issued="-1"), "expired"),
    rejected("non-hex-timestamp", forged(issued="zz"), "malformed"),
    rejected("empty-timestamp", forged(issued=""), "malformed"),
    rejected(
        "expiry-passed",
        ours(b'{"_session_expiry":"2020-01-01T00:00:00+00:00"}'),
        "expired",
    ),
    rejected(
        "expiry-past-year-9999",
        ours(b'{"_session_expiry":"9999-12-31T23:59:59-12:00"}'),
        "malformed",
    ),
    rejected(
        "expiry-seconds-overflow",
        ours(b'{"_session_expiry":1000000000000}'),
        "malformed",
    ),
    rejected("expiry-negative", ours(b'{"_session_expiry":-5}'), "malformed"),
    rejected("expiry-not-a-date", ours(b'{"_session_expiry":"soon"}'), "malformed"),
    # -- leaked key: structure
    # Signed with our key, but not in our format: an adapter door never
    # checks it with our key. Flask's reader finds no signature; Pyramid's
    # cannot decode it, which is "malformed" too (for another cause).
    rejected(
        "leaked-key-four-fields",
        forged(fields=[b64(b"{}"), SESSION_ID, "1"]),
        "malformed",
        # Ours, but the wrong shape: only the middleware tries our key on it.
        reader_reasons={
            "flask": "bad signature",
            "pyramid": "bad signature",
            "django": "bad signature",
            "starlette": "bad signature",
        },
    ),
    rejected(
        "leaked-key-six-fields",
        forged(fields=[b64(b"{}"), SESSION_ID, "1", "1", "1"]),
        "malformed",
        # Ours, but the wrong shape: only the middleware tries our key on it.
        reader_reasons={
            "flask": "bad signature",
            "pyramid": "bad signature",
            "django": "bad signature",
            "starlette": "bad signature",
        },
    ),
    rejected("leaked-key-bad-base64", forged("!!!!"), "malformed"),
    rejected(
        "leaked-key-not-deflate",
        forged("~" + b64(b"this is not a deflate stream")),
        "malformed",
    ),
    rejected(
        "leaked-key-truncated-deflate",
        forged(deflate(b'{"a":"' + b"xy" * 500 + b'"}')[:-4]),
        "malformed",
    ),
    rejected(
        "leaked-key-zlib-header-deflate",
        forged("~" + b64(zlib.compress(b'{"a":1}'))),
        "malformed",
    ),
    rejected("leaked-key-invalid-utf8", ours(b'{"a":"\xff\xfe"}'), "malformed"),
    rejected("leaked-key-trailing-garbage-json", ours(b'{"a":1} x'), "malformed"),
    # -- leaked key: bombs
    rejected(
        "leaked-key-zip-bomb-1mb",
        ours(b'{"a":"' + b"x" * 10**6 + b'"}', compress=True),
        "too large",
    ),
    rejected(
        "leaked-key-zip-bomb-64mb-cookie-87kb",
        ours(b'{"a":"' + b"x" * (64 * 2**20) + b'"}', compress=True),
        "too large",
    ),
    rejected(
        "leaked-key-uncompressed-over-cap",
        ours(b'{"a":"' + b"x" * 70000 + b'"}'),
        "too large",
    ),
    # -- leaked key: shapes
    rejected("leaked-key-json-list", ours(b"[]"), "malformed"),
    rejected("leaked-key-json-string", ours(b'"x"'), "malformed"),
    rejected("leaked-key-json-number", ours(b"7"), "malformed"),
    rejected("leaked-key-json-null", ours(b"null"), "malformed"),
    rejected("leaked-key-empty-payload", ours(b""), "malformed"),
    rejected(
        "leaked-key-nesting-100000", ours(nested(100_000), compress=True), "too large"
    ),
    rejected(
        "leaked-key-nesting-30000-under-size-cap",
        ours(nested(30_000), compress=True),
        "too deeply nested",
    ),
    rejected(
        "leaked-key-nesting-dicts-10000",
        ours(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, compress=True),
        "too deeply nested",
    ),
    rejected(
        "leaked-key-brackets-in-unterminated-string",
        ours(b"[" * 70 + b'"' + b'\\"' * 30000, compress=True),
        "too deeply nested",
    ),
    rejected(
        "leaked-key-quadratic-string-scan",
        ours(b'{"a":"' + b'\\"' * 30000 + b"[" * 70, compress=True),
        "malformed",
    ),
    rejected(
        "leaked-key-integer-10e6-digits",
        ours(b'{"a":' + b"7" * 10**6 + b"}", compress=True),
        "too large",
    ),
    rejected(
        "leaked-key-integer-5000-digits",
        ours(b'{"a":' + b"7" * 5000 + b"}", compress=True),
        "malformed",
    ),
    rejected("leaked-key-nan", ours(b'{"a":NaN}'), "malformed"),
    rejected("leaked-key-infinity", ours(b'{"a":Infinity}'), "malformed"),
    rejected("leaked-key-negative-infinity", ours(b'{"a":-Infinity}'), "malformed"),
    rejected("leaked-key-float-overflow", ours(b'{"a":1e400}'), "malformed"),
    rejected(
        "leaked-key-100000-keys",
        ours(json.dumps({f"k{i}": 0 for i in range(100_000)}).encode(), compress=True),
        "too large",
    ),
    accepted(
        "leaked-key-5000-duplicate-keys",
        ours(b"{" + b'"k":0,' * 5000 + b'"k":1}', compress=True),
        {"k": 1},
    ),
    # -- leaked key: tags (TaggedJSONSerializer doors only)
    rejected(
        "leaked-key-tag-uuid-int",
        ours(b'{"a":{" u":5}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-date-int",
        ours(b'{"a":{" d":5}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-tuple-int",
        ours(b'{"a":{" t":5}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-bytes-list",
        ours(b'{"a":{" b":[]}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-decimal-nan",
        ours(b'{"a":{" dc":"NaN"}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-decimal-snan",
        ours(b'{"a":{" dc":"sNaN"}}'),
        "malformed",
        tagged_only=True,
    ),
    rejected(
        "leaked-key-tag-dict-wrapper-list",
        ours(b'{"a":{" di":[]}}'),
        "malformed",
        tagged_only=True,
    ),
    # -- leaked key, in Starlette's format (read by the ASGI door to migrate)
    accepted(
        "starlette-format-valid-is-migrated",
        in_starlette_format(b'{"a":1}'),
        {"a": 1},
        format="starlette",
        migrated=True,
    ),
    rejected(
        "starlette-format-json-list",
        in_starlette_format(b"[]"),
        "malformed",
        format="starlette",
    ),
    rejected(
        "starlette-format-not-json",
        in_starlette_format(b"\xff\xfe{"),
        "malformed",
        format="starlette",
    ),
    rejected(
        "starlette-format-nesting-30000",
        in_starlette_format(nested(100)),
        "too deeply nested",
        format="starlette",
    ),
    rejected(
        "starlette-format-expired",
        in_starlette_format(b'{"a":1}', issued=NOW - 1209601),
        "expired",
        format="starlette",
    ),
    rejected(
        "starlette-format-future",
        in_starlette_format(b'{"a":1}', issued=NOW + 61),
        "timestamp in the future",
        format="starlette",
    ),
    rejected(
        "starlette-format-nan",
        in_starlette_format(b'{"a":NaN}'),
        "malformed",
        format="starlette",
    ),
    # -- leaked key, in Flask's format (read by the Flask door to migrate)
    accepted(
        "flask-format-valid-is-migrated",
        in_flask_format(b'{"a":1}'),
        {"a": 1},
        format="flask",
        migrated=True,
    ),
    rejected(
        "flask-format-zip-bomb",
        in_flask_format(b'{"a":"' + b"x" * 10**6 + b'"}', compress=True),
        "too large",
        format="flask",
    ),
    rejected(
        "flask-format-json-list", in_flask_format(b"[]"), "malformed", format="flask"
    ),
    rejected(
        "flask-format-nesting-30000",
        in_flask_format(nested(30_000), compress=True),
        "too deeply nested",
        format="flask",
    ),
    rejected(
        "flask-format-integer-10e6-digits",
        in_flask_format(b'{"a":' + b"7" * 10**6 + b"}", compress=True),
        "too large",
        format="flask",
    ),
    rejected(
        "flask-format-integer-5000-digits",
        in_flask_format(b'{"a":' + b"7" * 5000 + b"}", compress=True),
        "malformed",
        format="flask",
    ),
    rejected(
        "flask-format-nan", in_flask_format(b'{"a":NaN}'), "malformed", format="flask"
    ),
    rejected(
        "flask-format-float-overflow",
        in_flask_format(b'{"a":1e400}'),
        "malformed",
        format="flask",
    ),
    rejected(
        "flask-format-tag-uuid-int",
        in_flask_format(b'{"a":{" u":5}}'),
        "malformed",
        format="flask",
    ),
    rejected(
        "flask-format-quadratic-string",
        in_flask_format(b'{"a":"' + b'\\"' * 30000 + b"[" * 70, compress=True),
        "malformed",
        format="flask",
    ),
    rejected(
        "flask-format-expiry-overflow",
        in_flask_format(b'{"_session_expiry":1000000000000}'),
        "malformed",
        format="flask",
    ),
    rejected(
        "flask-format-future",
        in_flask_format(b'{"a":1}', issued=NOW + 61),
        "timestamp in the future",
        format="flask",
    ),
    rejected(
        "flask-format-expired",
        value(
            lambda door: flask_signed(
                door.settings, b'{"a":1}', issued=before_max_age(door, 1)
            )
        ),
        "expired",
        format="flask",
    ),
    # -- leaked key, in Django's format (read by the Django door to migrate)
    accepted(
        "django-format-valid-is-migrated",
        in_django_format(b'{"a":1}'),
        {"a": 1},
        format="django",
        migrated=True,
    ),
    accepted(
        "django-format-compressed-is-migrated",
        in_django_format(b'{"a":"' + b"x" * 200 + b'"}', compress=True),
        {"a": "x" * 200},
        format="django",
        migrated=True,
    ),
    rejected(
        "django-format-zip-bomb",
        in_django_format(b'{"a":"' + b"x" * 10**6 + b'"}', compress=True),
        "too large",
        format="django",
    ),
    rejected(
        "django-format-json-list",
        in_django_format(b"[]"),
        "malformed",
        format="django",
    ),
    rejected(
        "django-format-nesting-30000",
        in_django_format(nested(30_000), compress=True),
        "too deeply nested",
        format="django",
    ),
    rejected(
        "django-format-future",
        in_django_format(b'{"a":1}', issued=NOW + 61),
        "timestamp in the future",
        format="django",
    ),
    rejected(
        "django-format-expired",
        value(
            lambda door: django_signed(
                door.settings, b'{"a":1}', issued=before_max_age(door, 1)
            )
        ),
        "expired",
        format="django",
    ),
    rejected(
        "django-format-expiry-passed",
        in_django_format(b'{"_session_expiry":60}', issued=NOW - 61),
        "expired",
        format="django",
    ),
    # -- leaked key, in Pyramid's format (read by the Pyramid door to migrate)
    accepted(
        "pyramid-format-valid-is-migrated",
        in_pyramid_format(b'[%d,%d,{"a":1}]' % (NOW, NOW)),
        {"a": 1},
        format="pyramid",
        migrated=True,
    ),
    rejected(
        "pyramid-format-huge-integer-timestamp",
        in_pyramid_format(b"[1" + b"0" * 400 + b',1,{"a":1}]'),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-nan-timestamp",
        in_pyramid_format(b'[NaN,1,{"a":1}]'),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-string-timestamps",
        in_pyramid_format(b'["a","b",{"a":1}]'),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-state-list",
        in_pyramid_format(b"[%d,%d,[]]" % (NOW, NOW)),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-two-items",
        in_pyramid_format(b"[%d,%d]" % (NOW, NOW)),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-three-character-string",
        in_pyramid_format(b'"abc"'),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-nesting-1400",
        in_pyramid_format(b"[%d,%d,%s]" % (NOW, NOW, nested(1400))),
        "too deeply nested",
        format="pyramid",
    ),
    # Deep enough for max_json_depth, not for the JSON decoder: once read, it
    # could not be saved again (a 500 before the reader checked depth).
    rejected(
        "pyramid-format-nesting-100",
        in_pyramid_format(b"[%d,%d,%s]" % (NOW, NOW, nested(100))),
        "too deeply nested",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-expiry-overflow",
        in_pyramid_format(b'[%d,%d,{"_session_expiry":1000000000000}]' % (NOW, NOW)),
        "malformed",
        format="pyramid",
    ),
    rejected(
        "pyramid-format-future",
        in_pyramid_format(b"[%d,%d,{}]" % (NOW + 61, NOW)),
        "timestamp in the future",
        format="pyramid",
    ),
    # Pyramid's timestamps are decimal: in hex, this row was "malformed",
    # which the Pyramid door's loose expectation used to let pass.
    rejected(
        "pyramid-format-expired",
        value(
            lambda door: pyramid_signed(
                door.settings, b"[%d,%d,{}]" % ((before_max_age(door, 1),) * 2)
            )
        ),
        "expired",
        format="pyramid",
    ),
    # -- header-level attacks
    accepted(
        "header-100kb-other-cookie-then-valid",
        valid_after("junk=" + "x" * 100_000 + "; "),
        VALID_DATA,
    ),
    rejected("header-100kb-our-cookie", literal("x" * 100_000), "too large"),
    rejected(
        "header-100kb-backslash-quoted",
        literal('"' + '\\"' * 50_000 + '"'),
        "too large",
    ),
    accepted(
        "header-100kb-unterminated-backslash-quotes",
        valid_after('junk="' + '\\";' * 33_000 + " "),
        VALID_DATA,
    ),
    accepted(
        "header-100kb-unterminated-quote-then-valid",
        valid_after('junk="' + "a" * 100_000 + "; "),
        VALID_DATA,
    ),
    accepted("header-5000-semicolons", valid_after(";" * 5000), VALID_DATA),
    rejected(
        "duplicates-50-garbage", among_garbage(50, valid_at=None), "bad signature"
    ),
    accepted("duplicates-valid-first-of-50", among_garbage(50, valid_at=0), VALID_DATA),
    accepted("duplicates-valid-8th", among_garbage(8, valid_at=7), VALID_DATA),
    rejected(
        "duplicates-valid-50th-not-tried",
        among_garbage(50, valid_at=49),
        "bad signature",
    ),
    # -- control characters and encodings
    rejected(
        "nul-before-value",
        valid_with(lambda v: "\x00" + v),
        "bad signature",
    ),
    rejected("nul-after-value", valid_with(lambda v: v + "\x00"), "bad signature"),
    rejected(
        "crlf-inside-value",
        valid_with(lambda v: v[:20] + "\r\n" + v[20:]),
        "bad signature",
    ),
    ignored(
        "crlf-header-injection-after-value",
        header(lambda door: valid_cookie(door) + "\r\nX-Injected: 1"),
    ),
    rejected(
        "invalid-utf8-in-value",
        valid_with(lambda v: v[:10] + "\xc3\x28" + v[10:]),
        "bad signature",
    ),
    rejected(
        "utf8-text-value",
        literal(utf8_as_latin1("sessi\u00f3n-\u00fcn\u00efcode-v\u00e4lue")),
        "bad signature",
    ),
    # -- look-alike names: never our cookie (this is what defeats __Host-)
    ignored("nbsp-prefixed-name-utf8", valid_after(utf8_as_latin1("\u00a0"))),
    ignored("nbsp-prefixed-name-latin1", valid_after("\xa0")),
    ignored(
        "nbsp-suffixed-name",
        header(lambda door: f"{door.settings.cookie_name}\xa0={valid(door.settings)}"),
    ),
    ignored("ideographic-space-prefixed-name", valid_after(utf8_as_latin1("\u3000"))),
    ignored("vertical-tab-prefixed-name", valid_after("\x0b")),
    ignored("form-feed-prefixed-name", valid_after("\x0c")),
    ignored("file-separator-prefixed-name", valid_after("\x1c")),
    ignored("next-line-prefixed-name", valid_after(utf8_as_latin1("\u0085"))),
    ignored("newline-prefixed-name", valid_after("\n")),
    ignored("nul-prefixed-name", valid_after("\x00")),
    ignored(
        "upper-case-name",
        header(
            lambda door: f"{door.settings.cookie_name.upper()}={valid(door.settings)}"
        ),
    ),
    ignored("name-as-value-of-another-cookie", valid_after("x=")),
    # -- the encrypted format, on the doors that encrypt
    accepted("encrypted-valid", genuine_of({}), VALID_DATA, door_format="encrypted"),
    accepted(
        "encrypted-fallback-key-is-reissued",
        genuine_of({"secret_key": OLD_SECRET}),
        VALID_DATA,
        door_format="encrypted",
        reissued=True,
    ),
    rejected(
        "encrypted-truncated", every_prefix, "bad signature", door_format="encrypted"
    ),
    rejected(
        "encrypted-bit-flipped",
        every_character_swapped,
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-nonce-edited",
        bit_flipped("nonce"),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-tag-edited",
        bit_flipped("tag"),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-ciphertext-edited",
        bit_flipped("body"),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-reordered", reordered, "bad signature", door_format="encrypted"
    ),
    rejected(
        "encrypted-respelled-base64",
        respelled,
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-spliced", value(spliced), "bad signature", door_format="encrypted"
    ),
    rejected(
        "encrypted-wrong-key",
        genuine_of({"secret_key": "somebody-elses-secret-key-of-32-bytes"}),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-wrong-salt",
        genuine_of({"salt": "another-application"}),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-wrong-purpose",
        other_purposes,
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-marker-and-padding",
        literal("!AAAAAAA"),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-shorter-than-nonce-and-tag",
        literal("!" + "A" * 36),
        "bad signature",
        door_format="encrypted",
    ),
    Row("encrypted-marker-short", literal("!AAAA"), "short", door_format="any"),
    rejected(
        "encrypted-oversized",
        value(lambda door: "!" + "A" * (incoming_limit(door) + 900)),
        "too large",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-oversized-genuine",
        value(
            lambda door: valid(
                settings_like(door, compress=False),
                {"x": "y" * incoming_limit(door)},
            )
        ),
        "too large",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-non-ascii",
        valid_with(lambda v: v[:20] + "\xe9" + v[21:]),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-marker-on-a-signed-value",
        value(lambda door: "!" + signed(door.settings, b'{"a":1}')[1:]),
        "bad signature",
        door_format="encrypted",
    ),
    # -- signed where the door encrypts: the migration path, only if it verifies
    accepted(
        "signed-on-encrypting-door-is-reissued",
        genuine_of({"encrypt": False}),
        VALID_DATA,
        door_format="encrypted",
        reissued=True,
    ),
    accepted(
        "signed-fallback-key-on-encrypting-door-is-reissued",
        genuine_of({"encrypt": False, "secret_key": OLD_SECRET}),
        VALID_DATA,
        door_format="encrypted",
        reissued=True,
    ),
    rejected(
        "signed-other-key-on-encrypting-door",
        genuine_of(
            {"encrypt": False, "secret_key": "somebody-elses-key-of-32-bytes!!"}
        ),
        "bad signature",
        door_format="encrypted",
    ),
    rejected(
        "signed-tampered-on-encrypting-door",
        signed_then_tampered,
        "bad signature",
        door_format="encrypted",
    ),
    accepted(
        "flask-format-on-encrypting-door-is-migrated",
        in_flask_format(b'{"a":1}'),
        {"a": 1},
        format="flask",
        migrated=True,
        door_format="encrypted",
    ),
    accepted(
        "pyramid-format-on-encrypting-door-is-migrated",
        in_pyramid_format(b'[%d,%d,{"a":1}]' % (NOW, NOW)),
        {"a": 1},
        format="pyramid",
        migrated=True,
        door_format="encrypted",
    ),
    # -- leaked key: genuine envelopes holding bad plaintext
    rejected(
        "encrypted-leaked-key-unknown-flag",
        sealed(plaintext(b"{}", flag=2)),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-empty",
        sealed(b""),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-id-past-the-end",
        sealed(struct.pack(">QQB", NOW, NOW, 255) + b"\x00{}"),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-not-json",
        sealed(plaintext(b'{"a":')),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-not-a-dict",
        sealed(plaintext(b"[1,2]")),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-bad-deflate",
        sealed(plaintext(b"not deflate", flag=1)),
        "malformed",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-deflate-bomb",
        sealed(
            plaintext(zlib.compress(b'{"a":"' + b"x" * 10**6 + b'"}')[2:-4], flag=1)
        ),
        "too large",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-too-deep",
        sealed(plaintext(nested(100))),
        "too deeply nested",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-future",
        sealed(plaintext(b"{}", issued=NOW + 3600)),
        "timestamp in the future",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-created-after-issued",
        sealed(plaintext(b"{}", created=NOW + 1)),
        "timestamp in the future",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-expired",
        sealed(plaintext(b'{"a":1}', created=0, issued=0)),
        "expired",
        door_format="encrypted",
    ),
    rejected(
        "encrypted-leaked-key-non-ascii-id",
        sealed(plaintext(b"{}", session_id=b"\xff\xfe")),
        "malformed",
        door_format="encrypted",
    ),
    # -- a session split over several cookies (issue 18)
    accepted(
        "chunks-valid-split-in-3",
        chunk_cookies(in_order),
        VALID_DATA,
        door_format="any",
        door_chunks="chunked",
    ),
    accepted(
        "chunks-valid-in-reverse-header-order",
        chunk_cookies(lambda parts: in_order(parts)[::-1]),
        VALID_DATA,
        door_format="any",
        door_chunks="chunked",
    ),
    accepted(
        "chunks-stale-past-the-count-are-ignored",
        chunk_cookies(with_extra((2, "stale-chunk"), (3, "another")), count=2),
        VALID_DATA,
        door_format="any",
        door_chunks="chunked",
    ),
    accepted(
        "a-thousand-chunks-past-the-count",
        chunk_cookies(a_thousand(lambda i: i + 1, keep=2), count=2),
        VALID_DATA,
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-missing",
        chunk_cookies(without(1)),
        "chunk missing",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-missing-last",
        chunk_cookies(without(2)),
        "chunk missing",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-marker-alone",
        chunk_cookies(lambda parts: in_order(parts)[:1]),
        "chunk missing",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-extra-copy",
        chunk_cookies(lambda parts: [*in_order(parts), (1, parts[1])]),
        "chunk duplicated",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-extra-other-value",
        chunk_cookies(with_extra((2, "forged-piece"))),
        "chunk duplicated",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunks-reordered",
        chunk_cookies(
            lambda parts: [(None, parts[0]), (1, parts[2]), (2, parts[1])], count=3
        ),
        "bad signature",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-from-another-session",
        other_sessions_chunk,
        "bad signature",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "a-thousand-chunks",
        chunk_cookies(a_thousand(lambda i: i)),
        "bad signature",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "a-thousand-copies-of-one-chunk",
        chunk_cookies(a_thousand(lambda i: 1)),
        "chunk duplicated",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-count-over-max-chunks",
        chunk_cookies(in_order, count=5),
        "too many chunks",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-count-past-the-cap",
        chunk_cookies(in_order, count=9),
        "too many chunks",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunk-marker-malformed",
        lambda door: [
            header
            for marker in ("*1*", "*0*", "*x*", "**3", "*3-", "*+3", "*")
            for header in chunk_cookies(remarked(marker))(door)
        ],
        "malformed",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunks-joined-too-large",
        header(
            lambda door: (
                f"session=*3*{'A' * 6000}; session.1={'B' * 6000};"
                f" session.2={'C' * 6000}"
            )
        ),
        "too large",
        door_format="any",
        door_chunks="chunked",
    ),
    rejected(
        "chunks-on-a-door-without-max-chunks",
        header(
            lambda door: (
                f"{door.settings.cookie_name}=*2*{valid(door.settings)};"
                f" {door.settings.cookie_name}.1=garbage-chunk"
            )
        ),
        "bad signature",
        door_chunks="single",
    ),
    rejected(
        "encrypted-leaked-key-bad-expiry",
        sealed(plaintext(b'{"_session_expiry":"soon"}')),
        "malformed",
        door_format="encrypted",
    ),
    # -- the compact format (the default): signed or encrypted by the door
    accepted(
        "compact-genuine",
        value(lambda door: compact(door.settings)),
        VALID_DATA,
        door_format="any",
    ),
    accepted(
        "compact-genuine-deflated",
        value(lambda door: compact(door.settings, {"text": "compact " * 40})),
        {"text": "compact " * 40},
        door_format="any",
    ),
    rejected(
        "compact-tamper-every-character",
        compact_tampered,
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-truncate-every-3rd-offset",
        compact_truncated,
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-marker-swapped",
        compact_marker_swapped,
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-respelled-base64",
        compact_respelled,
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-non-ascii",
        value(
            lambda door: (
                compact(door.settings)[:20] + "\xe9" + compact(door.settings)[21:]
            )
        ),
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-wrong-key",
        value(
            lambda door: compact(
                settings_like(
                    door,
                    secret_key="somebody-elses-secret-key-of-32-bytes",
                    encrypt=door.encrypted,
                )
            )
        ),
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-shorter-than-header-and-mac",
        literal("$" + "A" * 52),
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-random-blob",
        value(lambda door: "^" + secrets.token_urlsafe(300)),
        "bad signature",
        door_format="any",
    ),
    rejected(
        "compact-oversized",
        value(lambda door: "$" + "A" * (incoming_limit(door) + 900)),
        "too large",
        door_format="any",
    ),
    rejected(
        "compact-leaked-key-dictionary-bomb",
        compact_forged("^", b'{"a":"' + b"x" * 70000 + b'"}', packed=True),
        "too large",
    ),
    rejected(
        "compact-leaked-key-broken-deflate",
        compact_forged("^", b"\xff" * 40),
        "malformed",
    ),
    rejected(
        "compact-leaked-key-not-json",
        compact_forged("$", b"{not json"),
        "malformed",
    ),
    rejected(
        "compact-leaked-key-deeply-nested",
        compact_forged("$", b'{"a":' + b"[" * 200 + b"]" * 200 + b"}"),
        "too deeply nested",
    ),
    accepted(
        "compact-signed-on-encrypting-door-is-reissued",
        value(lambda door: compact(settings_like(door, encrypt=False))),
        VALID_DATA,
        door_format="encrypted",
        reissued=True,
    ),
    *(
        accepted(
            f"first-format-{kind}-on-a-compact-door-is-reissued",
            value(
                lambda door: Codec.of(
                    settings_like(door, cookie_format=1, encrypt=door.encrypted)
                ).dumps(VALID_DATA, session_id=COMPACT_ID, created=NOW, issued=NOW)
            ),
            VALID_DATA,
            door_format=kind,
            reissued=True,
        )
        for kind in ("signed", "encrypted")
    ),
]

CASES = [
    pytest.param(door, row, id=f"{door.name}-{row.id}")
    for door in DOORS
    for row in ROWS
    if row.runs_on(door)
]


# -- running a case -------------------------------------------------------------


def session_cookies(answer: Answer, name: str) -> list[str]:
    """Values of every ``Set-Cookie`` for ``name`` in ``answer``."""
    values = []
    for set_cookie in answer.set_cookies:
        cookie_name, _, rest = set_cookie.partition("=")
        if cookie_name == name:
            values.append(rest.split(";")[0])
    return values


def security_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SECURITY]


def check_log(
    records: list[logging.LogRecord], row: Row, sent: str, door: Door
) -> None:
    """One WARNING with the row's reason on ``door``, or nothing; no leak."""
    if row.outcome_on(door) != "rejected":
        assert records == []
        return
    # The first value of our name is the one whose rejection is logged.
    rejected = door.reads(sent, door.settings.cookie_name)[0]
    [record] = records
    assert record.levelname == "WARNING"
    assert record.getMessage() == f"session cookie rejected: {row.reason_on(door)}"
    texts = [str(record.msg), *map(str, record.args or ())]
    for text in texts:
        assert SECRET not in text
        assert valid(door.settings) not in text
        if len(rejected) >= 8:
            assert rejected[:8] not in text and rejected[-8:] not in text


def cpu_time(call: Callable[[], T]) -> tuple[float, T]:
    """The thread CPU seconds ``call`` takes, and its result.

    A garbage collection of the whole test process is not the cost of one
    cookie: the collector is kept off while timing.
    """
    gc.disable()
    try:
        started = time.thread_time()
        result = call()
        return time.thread_time() - started, result
    finally:
        gc.enable()


def decoded(door: Door, value: str) -> dict[str, Any]:
    """The data of a cookie value ``door`` issued (raises if invalid), which
    must be in the door's format and under its current key."""
    loaded = Codec.of(door.settings).loads(value)
    assert (loaded.encrypted, loaded.key_index) == (door.encrypted, 0), value
    return loaded.data


@pytest.mark.parametrize(("door", "row"), CASES)
def test_hostile_cookie_is_handled_safely(
    door: Door, row: Row, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    sent_headers = row.headers(door)
    assert sent_headers
    expected = row.data_on(door)
    outcome = row.outcome_on(door)
    name = door.settings.cookie_name
    door.send(valid_cookie(door), False)  # warm up imports and caches
    for sent in sent_headers:
        # The framework's own header parsing is its cost, not the store's
        # (Python < 3.11.10/3.12.6 unquotes backslashes in quadratic time,
        # CVE-2024-7592, under Django's parser).
        parsing, _ = cpu_time(lambda: door.reads(sent, name))  # noqa: B023
        caplog.clear()
        cpu, answer = cpu_time(lambda: door.send(sent, False))  # noqa: B023 (called at once)
        assert answer.status == 200
        assert json.loads(answer.body) == expected
        if parsing > SLOW_PARSE:
            # Timed again after the request, the slower of the two counts:
            # two timings of a parse of seconds differed by up to 11 % on
            # this machine (two CI failures of a 100 KB header under Django).
            again, _ = cpu_time(lambda: door.reads(sent, name))  # noqa: B023
            parsing = max(parsing, again)
        # Two timings of a slow parse differ by some per cent of it: that
        # much noise is allowed on top of the store's budget.
        allowed = CPU_BUDGET + 0.15 * parsing
        assert cpu - parsing < allowed, f"{cpu * 1000:.1f} ms of CPU"
        check_log(security_records(caplog), row, sent, door)
        issued_on_read = session_cookies(answer, name)
        if outcome in ("rejected", "short"):
            assert issued_on_read == ([""] if door.deletes_on_read else [])
        elif outcome == "accepted" and (
            row.migrated or row.reissued or (door.reissues_on_read and row.aged)
        ):
            assert [decoded(door, v) for v in issued_on_read] == [expected]
        else:
            assert issued_on_read == []

        # The same cookie again, on a request that writes: memory-bounded.
        caplog.clear()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            answer = door.send(sent, True)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer.status == 200
        assert json.loads(answer.body) == expected
        assert peak - before < MEMORY_BUDGET, f"{(peak - before) >> 20} MiB"
        check_log(security_records(caplog), row, sent, door)
        (issued,) = session_cookies(answer, name)
        assert decoded(door, issued) == {**expected, "n": expected.get("n", 0) + 1}

    # A valid cookie still works afterwards, on the same app.
    caplog.clear()
    answer = door.send(valid_cookie(door), True)
    assert answer.status == 200
    assert json.loads(answer.body) == VALID_DATA
    (issued,) = session_cookies(answer, name)
    assert decoded(door, issued) == {**VALID_DATA, "n": 42}
    assert security_records(caplog) == []


def test_valid_cookie_is_read_and_rewritten_without_a_warning(
    door: Door, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    answer = door.send(valid_cookie(door), False)
    assert (answer.status, json.loads(answer.body)) == (200, VALID_DATA)
    answer = door.send(valid_cookie(door), True)
    (issued,) = session_cookies(answer, door.settings.cookie_name)
    assert decoded(door, issued) == {**VALID_DATA, "n": 42}
    assert security_records(caplog) == []


def test_door_migrates_from_exactly_the_library_it_names(door: Door) -> None:
    readers = door.settings.migrate_from
    if door.migrates is None:
        assert readers == ()
    else:
        assert [type(read(door.settings)).__module__ for read in readers] == [
            f"signedsession.readers.{door.migrates}"
        ]


def test_parser_outcomes_are_rows_the_parsers_read_differently() -> None:
    rows = {row.id: row for row in ROWS}
    for door in DOORS:
        for row_id in door.parser_outcomes:
            name = door.settings.cookie_name
            for sent in rows[row_id].headers(door):
                werkzeug = parse_cookie(sent).getlist(name)
                assert door.reads(sent, name)[:1] != werkzeug[:1], (door.name, row_id)


def test_every_row_runs_on_some_door() -> None:
    assert {row.id for door in DOORS for row in ROWS if row.runs_on(door)} == {
        row.id for row in ROWS
    }


def test_table_covers_at_least_sixty_cases() -> None:
    assert len(ROWS) >= 60
    assert len({row.id for row in ROWS}) == len(ROWS)


def test_each_row_and_door_expects_one_exact_reason() -> None:
    readers = {door.migrates for door in DOORS if door.settings.migrate_from}
    assert readers == {"flask", "pyramid", "django", "starlette"}
    for row in ROWS:
        assert (row.reason in REASONS) == (row.outcome == "rejected"), row.id
        assert (row.data != {}) == (row.outcome == "accepted"), row.id
        if row.outcome != "rejected":
            assert not row.reader_reasons, row.id
        for library, reason in row.reader_reasons.items():
            # Only doors with migrate_from readers, only a real difference.
            assert library in readers and row.format in (None, library), row.id
            assert reason in REASONS and reason != row.reason, row.id
        if row.reason == "too large":
            # The codec checks size before handing a value to a foreign
            # reader: the same reason on every door the row runs through.
            assert not row.reader_reasons, row.id
        assert row.door_format in ("signed", "encrypted", "any"), row.id
        assert row.door_chunks in ("chunked", "single", "any"), row.id
        if row.reissued:
            assert row.outcome == "accepted" and row.door_format != "any", row.id


@pytest.mark.parametrize(
    "settings",
    [door.settings for door in DOORS if not door.encrypted],
    ids=[door.name for door in DOORS if not door.encrypted],
)
def test_forged_value_is_what_the_codec_signs(
    settings: SessionSettings, clock: Any
) -> None:
    genuine = valid(settings)
    assert forge(settings, genuine.split(".")[0]) == genuine


# -- decoding limits, at and beyond each boundary ---------------------------------


def _string_payload(size: int) -> bytes:
    """A serialized session of exactly ``size`` bytes."""
    raw = b'{"a":"' + b"x" * (size - 8) + b'"}'
    assert len(raw) == size
    return raw


def _load(
    settings: SessionSettings, value: str, caplog: pytest.LogCaptureFixture
) -> tuple[dict[str, Any], list[str]]:
    caplog.clear()
    store = SessionStore(value, settings=settings)
    data = dict(store.items())
    return data, [r.getMessage() for r in security_records(caplog)]


def test_default_limits_are_safe() -> None:
    settings = SessionSettings(secret_key=SECRET)
    assert (
        settings.max_decompressed_size,
        settings.max_json_depth,
        settings.max_cookie_size,
    ) == (65536, 64, 4093)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "deflated"])
@pytest.mark.parametrize("cap", [1024, 65536], ids=["cap-1024", "cap-default"])
def test_decompressed_size_limit_is_inclusive(
    cap: int, compress: bool, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = SessionSettings(
        secret_key=SECRET, max_decompressed_size=cap, max_cookie_size=200_000
    )
    at_limit = signed(settings, _string_payload(cap), compress=compress)
    beyond = signed(settings, _string_payload(cap + 1), compress=compress)
    assert _load(settings, at_limit, caplog) == ({"a": "x" * (cap - 8)}, [])
    assert _load(settings, beyond, caplog) == (
        {},
        ["session cookie rejected: too large"],
    )


@pytest.mark.parametrize("limit", [1, 3, 64], ids=["depth-1", "depth-3", "default"])
def test_json_depth_limit_is_inclusive(
    limit: int, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = SessionSettings(secret_key=SECRET, max_json_depth=limit)
    at_limit = json.loads(nested(limit)) if limit > 1 else {"a": 1}
    raw_at = nested(limit) if limit > 1 else b'{"a":1}'
    assert _load(settings, signed(settings, raw_at), caplog) == (at_limit, [])
    assert _load(settings, signed(settings, nested(limit + 1)), caplog) == (
        {},
        ["session cookie rejected: too deeply nested"],
    )


def test_json_depth_limit_ignores_brackets_inside_strings(
    clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = SessionSettings(secret_key=SECRET, max_json_depth=2)
    raw = b'{"a":["[[[{{{\\"[[["]}'
    assert _load(settings, signed(settings, raw), caplog) == ({"a": ['[[[{{{"[[[']}, [])


def test_json_depth_check_stays_linear_on_escaped_quotes(clock: Any) -> None:
    settings = SessionSettings(secret_key=SECRET)
    value = signed(settings, b'{"a":"' + b'\\"' * 30_000 + b"[" * 70, compress=True)
    cpu, items = cpu_time(lambda: dict(SessionStore(value, settings=settings).items()))
    assert items == {}
    assert cpu < CPU_BUDGET


@pytest.mark.parametrize("limit", [1024, 4093], ids=["limit-1024", "default"])
def test_incoming_cookie_size_limit_is_inclusive(
    limit: int, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = SessionSettings(secret_key=SECRET, max_cookie_size=limit)
    # Unpadded base64 never has a length of 4k + 1: reach the exact sizes by
    # lengthening the session id instead.
    size = max(
        n for n in range(8, limit) if len(signed(settings, _string_payload(n))) <= limit
    )
    payload = b64(_string_payload(size))
    pad = limit - len(forge(settings, payload))
    at_limit = forge(settings, payload, session_id=SESSION_ID + "x" * pad)
    beyond = forge(settings, payload, session_id=SESSION_ID + "x" * (pad + 1))
    assert (len(at_limit), len(beyond)) == (limit, limit + 1)
    assert _load(settings, at_limit, caplog) == ({"a": "x" * (size - 8)}, [])
    assert _load(settings, beyond, caplog) == (
        {},
        ["session cookie rejected: too large"],
    )


@pytest.fixture
def decode_events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record, in order, signature checks, decompression and parsing."""
    import signedsession._codec as codec_module

    events: list[str] = []
    real_signature = Codec._signature
    real_unb64 = codec_module._unb64
    real_decompressobj = codec_module.zlib.decompressobj
    serializer = JSONSerializer()
    real_loads = serializer.loads

    def signature(mac: Any, body: bytes) -> bytes:
        events.append("signature")
        return real_signature(mac, body)

    def unb64(data: bytes) -> bytes:
        events.append("base64")
        return real_unb64(data)

    class Inflater:
        def __init__(self, *args: Any) -> None:
            self._inflater = real_decompressobj(*args)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            events.append("decompress")
            return self._inflater.decompress(data, max_length)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inflater, name)

    def decompressobj(*args: Any) -> Any:
        return Inflater(*args)

    def loads(data: bytes) -> Any:
        events.append("parse")
        return real_loads(data)

    monkeypatch.setattr(Codec, "_signature", staticmethod(signature))
    monkeypatch.setattr(codec_module, "_unb64", unb64)
    monkeypatch.setattr(codec_module.zlib, "decompressobj", decompressobj)
    monkeypatch.setattr(serializer, "loads", loads)
    events.append(serializer)  # type: ignore[arg-type]
    return events


def test_signature_is_checked_before_anything_is_decompressed_or_parsed(
    decode_events: list[Any], clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    serializer = decode_events.pop()
    settings = SessionSettings(secret_key=SECRET, serializer=serializer)
    bomb = signed(settings, b'{"a":"' + b"x" * 10**6 + b'"}', compress=True)
    genuine = valid(settings, {"a": "y" * 200})
    assert genuine.startswith("~")  # deflated, so decompression is in play

    for tampered in (bomb[:-1] + swap(bomb[-1]), genuine[:5] + "A" + genuine[6:]):
        decode_events.clear()
        assert _load(settings, tampered, caplog) == (
            {},
            ["session cookie rejected: bad signature"],
        )
        assert decode_events == ["signature"]

    decode_events.clear()
    assert _load(settings, genuine, caplog) == ({"a": "y" * 200}, [])
    assert decode_events == ["signature", "base64", "decompress", "parse"]


@pytest.fixture
def open_events(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], JSONSerializer]:
    """Record, in order, envelope tag checks, decompression and parsing."""
    import signedsession._codec as codec_module

    events: list[str] = []
    real_open = signedsession._aead.Envelope.open
    real_decompressobj = codec_module.zlib.decompressobj
    serializer = JSONSerializer()
    real_loads = serializer.loads

    def envelope_open(self: Any, value: str) -> Any:
        opened = real_open(self, value)
        events.append("authentic" if opened is not None else "refused")
        return opened

    class Inflater:
        def __init__(self, *args: Any) -> None:
            self._inflater = real_decompressobj(*args)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            events.append("decompress")
            return self._inflater.decompress(data, max_length)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inflater, name)

    def loads(data: bytes) -> Any:
        events.append("parse")
        return real_loads(data)

    monkeypatch.setattr(signedsession._aead.Envelope, "open", envelope_open)
    monkeypatch.setattr(codec_module.zlib, "decompressobj", Inflater)
    monkeypatch.setattr(serializer, "loads", loads)
    return events, serializer


def test_tag_is_checked_before_anything_is_decompressed_or_parsed(
    open_events: tuple[list[str], JSONSerializer],
    clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    events, serializer = open_events
    settings = SessionSettings(secret_key=SECRET, serializer=serializer, encrypt=True)
    key = signedsession._aead.derive_key(SECRET.encode(), settings.salt)
    bomb = envelope(
        plaintext(zlib.compress(b'{"a":"' + b"x" * 10**6 + b'"}')[2:-4], flag=1), key
    )
    genuine = valid(settings, {"a": "y" * 200})
    assert Codec.of(settings).loads(genuine).payload[:1] == b"\x01"  # deflated

    for tampered in (
        bomb[:-1] + swap(bomb[-1]),
        genuine[:5] + swap(genuine[5]) + genuine[6:],
    ):
        events.clear()
        assert _load(settings, tampered, caplog) == (
            {},
            ["session cookie rejected: bad signature"],
        )
        assert events == ["refused"]

    events.clear()
    assert _load(settings, genuine, caplog) == ({"a": "y" * 200}, [])
    assert events == ["authentic", "decompress", "parse"]


def _cpu_per_call(call: Callable[[], object], number: int = 300) -> float:
    best = float("inf")
    for _ in range(7):
        gc.disable()
        try:
            started = time.process_time()
            for _ in range(number):
                call()
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best / number


@pytest.mark.parametrize(
    "data",
    [{"user": "alice"}, {"cart": [{"sku": f"S-{i}", "qty": 1} for i in range(40)]}],
    ids=["small", "deflated"],
)
def test_a_forged_envelope_costs_less_than_a_valid_read(
    clock: Any, data: dict[str, Any]
) -> None:
    settings = SessionSettings(
        secret_key=SECRET, fallback_keys=(OLD_SECRET,), encrypt=True
    )
    genuine = valid(settings, data)
    middle = len(genuine) // 2
    forged = genuine[:middle] + swap(genuine[middle]) + genuine[middle + 1 :]
    logging.getLogger(SECURITY).disabled = True
    try:
        read = _cpu_per_call(lambda: SessionStore(genuine, settings=settings).get("x"))
        refused = _cpu_per_call(
            lambda: SessionStore(forged, settings=settings).get("x")
        )
    finally:
        logging.getLogger(SECURITY).disabled = False
    # Two failed tag checks (current and fallback key) and a log call, against
    # one tag check, inflation and parsing: measured at 0.2-0.5 of a read.
    assert refused < read, (refused, read)


def test_per_session_expiry_is_bounded_where_datetime_ends(clock: Any) -> None:
    store = SessionStore(None, settings=SessionSettings(secret_key=SECRET))
    store.set_expiry(MAX_EXPIRY_SECONDS)
    store.save()
    assert store.cookie_max_age() == MAX_EXPIRY_SECONDS
    with pytest.raises(
        ValueError,
        match=rf"^set_expiry takes seconds <= {MAX_EXPIRY_SECONDS}, got 10000000001$",
    ):
        store.set_expiry(MAX_EXPIRY_SECONDS + 1)
