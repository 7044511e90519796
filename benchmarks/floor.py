"""The floor: a signed-cookie session in a few lines of plain stdlib.

json + HMAC-SHA256 + unpadded base64url + a hex timestamp, nothing else:
parse the ``Cookie`` header, verify, check the age, decode; for a write
encode, sign and format ``Set-Cookie`` (with the same attributes as
signedsession's: Expires, Max-Age, HttpOnly, Path, SameSite). No Vary, no
size limit, no key rotation, no compression. It is what any session must
at least do, written plainly, as a yardstick for the libraries.
"""

from __future__ import annotations

import hmac
import json
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import Any, Callable

__all__ = ["FloorAsgiMiddleware", "FloorMiddleware", "sign", "verify"]

MAX_AGE = 1209600
_EXPIRES = "%a, %d %b %Y %H:%M:%S GMT"


class FloorSession:
    """A dict-like session, loaded from the cookie on first use."""

    __slots__ = ("_data", "_header", "_key", "_name", "modified")

    def __init__(self, header: str | None, name: str, key: bytes) -> None:
        self._header = header
        self._name = name
        self._key = key
        self._data: dict[str, Any] | None = None
        self.modified = False

    def _load(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            data = self._data = self._decode() or {}
        return data

    def _decode(self) -> dict[str, Any] | None:
        if not self._header:
            return None
        for part in self._header.split(";"):
            name, _, raw = part.partition("=")
            if name.strip() == self._name:
                return verify(raw.strip(), self._key)
        return None

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._load().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._load()[key] = value
        self.modified = True

    def update(self, other: dict[str, Any]) -> None:
        """Store every item of ``other``."""
        self._load().update(other)
        self.modified = True

    def set_cookie(self) -> str:
        """The ``Set-Cookie`` value that stores the data."""
        now = int(time.time())
        expires = time.strftime(_EXPIRES, time.gmtime(now + MAX_AGE))
        return (
            f"{self._name}={sign(self._load(), self._key, now)};"
            f" Expires={expires}; Max-Age={MAX_AGE}; HttpOnly; Path=/;"
            " SameSite=Lax"
        )


def verify(value: str, key: bytes) -> dict[str, Any] | None:
    """The data a cookie value signed with ``key`` holds, or None."""
    body, _, signature = value.encode("ascii", "replace").rpartition(b".")
    expected = urlsafe_b64encode(hmac.digest(key, body, "sha256"))
    if not hmac.compare_digest(expected.rstrip(b"="), signature):
        return None
    payload, _, stamp = body.partition(b".")
    if time.time() - int(stamp, 16) > MAX_AGE:
        return None
    data = json.loads(urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    return data if isinstance(data, dict) else None


def sign(data: dict[str, Any], key: bytes, now: int) -> str:
    """A cookie value holding ``data``, signed with ``key`` at ``now``."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    body = b"%s.%x" % (urlsafe_b64encode(raw).rstrip(b"="), now)
    signature = urlsafe_b64encode(hmac.digest(key, body, "sha256"))
    return f"{body.decode()}.{signature.rstrip(b'=').decode()}"


class FloorMiddleware:
    """WSGI middleware that puts a :class:`FloorSession` in the environ."""

    def __init__(
        self,
        app: Callable[..., Any],
        secret: str,
        *,
        name: str = "session",
        environ_key: str = "floor.session",
    ) -> None:
        self.app = app
        self.name = name
        self.key = secret.encode()
        self.environ_key = environ_key

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        session = FloorSession(environ.get("HTTP_COOKIE"), self.name, self.key)
        environ[self.environ_key] = session

        def floor_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            if session.modified:
                headers.append(("Set-Cookie", session.set_cookie()))
            return start_response(status, headers, exc_info)

        return self.app(environ, floor_start_response)


class FloorAsgiMiddleware:
    """ASGI middleware that puts a :class:`FloorSession` in ``scope["session"]``.

    The floor for an ASGI session: what :class:`FloorMiddleware` does,
    through ASGI's header lists (bytes) and ``http.response.start``, as
    little as the protocol allows. Starlette's ``request.session`` reads it.
    """

    def __init__(
        self, app: Callable[..., Any], secret: str, *, name: str = "session"
    ) -> None:
        self.app = app
        self.name = name
        self.key = secret.encode()
        self.needle = name.encode() + b"="

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Any
    ) -> None:
        header = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                header = value.decode("latin-1")
                break
        session = FloorSession(header, self.name, self.key)
        scope["session"] = session

        def floor_send(message: dict[str, Any]) -> Any:
            if message["type"] == "http.response.start" and session.modified:
                cookie = session.set_cookie().encode("latin-1")
                message["headers"] = [*message["headers"], (b"set-cookie", cookie)]
            return send(message)

        await self.app(scope, receive, floor_send)
