"""Calling an application in-process: one prepared request, repeated.

WSGI applications are called directly with a prebuilt environ (copied per
request) and a minimal ``start_response``; the body is consumed and closed.
ASGI applications (Starlette) get a prebuilt scope (copied per request) and
are driven by stepping their coroutine: in-process, nothing they await ever
suspends (``receive`` and ``send`` below return at once), so one
``coro.send(None)`` runs the whole request, without an event loop's
scheduling cost. A coroutine that does suspend is an error, not a silent
loss of work.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any, Callable, Protocol

__all__ = ["AsgiRequest", "Request", "Response", "WsgiRequest", "wsgi_environ"]


@dataclass
class Response:
    """What one request answered (captured outside the timed loops)."""

    status: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def set_cookies(self) -> list[str]:
        """The ``Set-Cookie`` header values."""
        return [v for k, v in self.headers if k.lower() == "set-cookie"]


class Request(Protocol):
    """A prepared request that can be replayed."""

    def run(self, count: int) -> int:
        """Make the request ``count`` times; the elapsed nanoseconds."""

    def once(self) -> Response:
        """Make the request once and capture the response."""


def wsgi_environ(path: str, cookie: str | None) -> dict[str, Any]:
    """A minimal, complete WSGI environ for ``GET path`` over http."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _write(data: bytes) -> None:
    pass


def _start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], None]:
    return _write


class WsgiRequest:
    """A WSGI application and one environ."""

    def __init__(self, app: Callable[..., Any], environ: dict[str, Any]) -> None:
        self.app = app
        self.environ = environ

    def run(self, count: int) -> int:
        """Make the request ``count`` times; the elapsed nanoseconds."""
        app = self.app
        environ = self.environ
        start_response = _start_response
        start = perf_counter_ns()
        for _ in range(count):
            body = app(environ.copy(), start_response)
            for _chunk in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return perf_counter_ns() - start

    def once(self) -> Response:
        """Make the request once and capture the response."""
        response = Response("")

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            response.status = status
            response.headers = list(headers)
            return _write

        body = self.app(self.environ.copy(), start_response)
        try:
            response.body = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return response


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    pass


def asgi_scope(path: str, cookie: str | None) -> dict[str, Any]:
    """A minimal ASGI http scope for ``GET path``."""
    headers = [(b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


def _step(coro: Any) -> None:
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("the ASGI application suspended: it needs an event loop")


class AsgiRequest:
    """An ASGI application and one scope, driven without an event loop."""

    def __init__(self, app: Callable[..., Any], scope: dict[str, Any]) -> None:
        self.app = app
        self.scope = scope

    def run(self, count: int) -> int:
        """Make the request ``count`` times; the elapsed nanoseconds."""
        app = self.app
        scope = self.scope
        receive = _receive
        send = _send
        step = _step
        start = perf_counter_ns()
        for _ in range(count):
            step(app(scope.copy(), receive, send))
        return perf_counter_ns() - start

    def once(self) -> Response:
        """Make the request once and capture the response."""
        response = Response("")
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response.status = str(message["status"])
                response.headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        _step(self.app(self.scope.copy(), _receive, send))
        response.body = b"".join(chunks)
        return response
