"""The ASGI middleware and the Quart adapter under real servers, httpx as client.

uvicorn and hypercorn serve on 127.0.0.1, on ephemeral ports, in a thread
each, and are stopped by the test. Concurrent clients each bump their own
counter: every update must land (no lost updates, no cookie crossing
clients). A WSGI app and an ASGI app behind one server, with the same
settings, share one session.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any, Callable

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from signedsession import SessionMiddleware as WSGISessionMiddleware
from signedsession import SessionSettings
from signedsession.asgi import SessionMiddleware

pytestmark = pytest.mark.slow

SECRET = "test-secret-key-that-is-32-bytes-long!"
CLIENTS = 16
BUMPS = 12
STOP_TIMEOUT = 10


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class _Uvicorn:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = _free_socket()
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> int:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                break
            threading.Event().wait(0.01)
        assert self.server.started, "uvicorn did not start"
        return int(self.sock.getsockname()[1])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(STOP_TIMEOUT)
        assert not self.thread.is_alive(), "uvicorn did not stop"
        self.sock.close()


class _Hypercorn:
    def __init__(self, app: Any) -> None:
        from hypercorn.config import Config

        self.app = app
        self.sock = _free_socket()
        port = self.sock.getsockname()[1]
        self.sock.close()  # hypercorn binds by address
        self.config = Config()
        self.config.bind = [f"127.0.0.1:{port}"]
        self.config.loglevel = "WARNING"
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.stopping: asyncio.Event | None = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stopping = asyncio.Event()
            self.started.set()
            await serve(self.app, self.config, shutdown_trigger=self.stopping.wait)

        self.loop.run_until_complete(main())
        self.loop.close()

    def start(self) -> int:
        self.thread.start()
        assert self.started.wait(STOP_TIMEOUT)
        for _ in range(500):  # until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return self.port
            except OSError:
                threading.Event().wait(0.01)
        raise AssertionError("hypercorn did not start")

    def stop(self) -> None:
        assert self.stopping is not None
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(STOP_TIMEOUT)
        assert not self.thread.is_alive(), "hypercorn did not stop"


SERVERS: dict[str, Callable[[Any], Any]] = {
    "uvicorn": _Uvicorn,
    "hypercorn": _Hypercorn,
}


@pytest.fixture
def serve_asgi() -> Iterator[Callable[..., str]]:
    """``serve_asgi(app, server="uvicorn")``: the base URL of a running server."""
    running: list[Any] = []

    def start(app: Any, server: str = "uvicorn") -> str:
        instance = SERVERS[server](app)
        port = instance.start()
        running.append(instance)
        return f"http://127.0.0.1:{port}"

    yield start
    for instance in running:
        instance.stop()


async def bump_concurrently(base: str, path: str = "/bump") -> list[list[int]]:
    """CLIENTS clients at once, each bumping its own counter BUMPS times."""

    async def one_client() -> list[int]:
        async with httpx.AsyncClient(base_url=base) as client:
            seen = []
            for _ in range(BUMPS):
                response = await client.post(path)
                assert response.status_code == 200
                seen.append(response.json()["n"])
            return seen

    return list(await asyncio.gather(*(one_client() for _ in range(CLIENTS))))


def starlette_app(**options: Any) -> Starlette:
    async def bump(request: Request) -> JSONResponse:
        await asyncio.sleep(0)  # let other clients' requests interleave
        request.session["n"] = request.session.get("n", 0) + 1
        return JSONResponse({"n": request.session["n"]})

    async def read(request: Request) -> JSONResponse:
        return JSONResponse(dict(request.session))

    return Starlette(
        routes=[Route("/bump", bump, methods=["POST"]), Route("/read", read)],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET, **options)],
    )


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_concurrent_clients_lose_no_update(
    serve_asgi: Callable[..., str], server: str
) -> None:
    base = serve_asgi(starlette_app(), server)
    results = asyncio.run(bump_concurrently(base))
    assert results == [list(range(1, BUMPS + 1))] * CLIENTS


def test_fastapi_session_through_a_dependency(serve_asgi: Callable[..., str]) -> None:
    from fastapi import Depends, FastAPI

    from signedsession.asgi import Session

    def get_session(request: Request) -> Session:
        return request.session  # type: ignore[return-value]

    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    user_session = Depends(get_session)

    @app.post("/login")
    async def login(user: str, session: Session = user_session) -> dict[str, Any]:
        session["user"] = user
        return {"ok": True}

    @app.post("/bump")
    async def bump(session: Session = user_session) -> dict[str, Any]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/me")
    async def me(session: Session = user_session) -> dict[str, Any]:
        return {"user": session.get("user"), "session": session}

    base = serve_asgi(app)

    async def go() -> None:
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/me")).json() == {"user": None, "session": {}}
            assert (await client.post("/login", params={"user": "ada"})).json() == {
                "ok": True
            }
            me = (await client.get("/me")).json()
            assert me == {"user": "ada", "session": {"user": "ada"}}

    asyncio.run(go())
    assert asyncio.run(bump_concurrently(base)) == [list(range(1, BUMPS + 1))] * CLIENTS


def quart_app() -> Any:
    from quart import Quart, session

    from signedsession.adapters.quart import SignedSessionInterface

    app = Quart("e2e")
    app.secret_key = SECRET
    app.session_interface = SignedSessionInterface()

    @app.post("/bump")
    async def bump() -> dict[str, Any]:
        await asyncio.sleep(0)
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    return app


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_quart_app_under_a_real_server(
    serve_asgi: Callable[..., str], server: str
) -> None:
    base = serve_asgi(quart_app(), server)
    assert asyncio.run(bump_concurrently(base)) == [list(range(1, BUMPS + 1))] * CLIENTS


def shared_settings() -> SessionSettings:
    return SessionSettings(secret_key=SECRET)


def wsgi_app(settings: SessionSettings) -> Any:
    """A plain WSGI app under the WSGI middleware: bumps and shows the counter."""
    import json

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        session = environ[settings.environ_key]
        if environ["REQUEST_METHOD"] == "POST":
            session["n"] = session.get("n", 0) + 1
        body = json.dumps({"n": session.get("n", 0), "by": "wsgi"}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return WSGISessionMiddleware(app, settings)


def test_wsgi_and_asgi_apps_behind_one_server_share_the_session(
    serve_asgi: Callable[..., str],
) -> None:
    from a2wsgi import WSGIMiddleware

    settings = shared_settings()

    async def bump(request: Request) -> JSONResponse:
        request.session["n"] = request.session.get("n", 0) + 1
        return JSONResponse({"n": request.session["n"], "by": "asgi"})

    asgi = Starlette(
        routes=[Route("/bump", bump, methods=["POST"])],
        middleware=[Middleware(SessionMiddleware, settings)],
    )
    app = Starlette(
        routes=[
            Mount("/asgi", app=asgi),
            Mount("/wsgi", app=WSGIMiddleware(wsgi_app(settings))),  # type: ignore[arg-type]
        ]
    )
    base = serve_asgi(app)

    async def go() -> list[Any]:
        async with httpx.AsyncClient(base_url=base) as client:
            answers = []
            for path in ("/asgi/bump", "/wsgi/", "/wsgi/", "/asgi/bump", "/wsgi/"):
                answers.append((await client.post(path)).json())
            return answers

    assert asyncio.run(go()) == [
        {"n": 1, "by": "asgi"},
        {"n": 2, "by": "wsgi"},
        {"n": 3, "by": "wsgi"},
        {"n": 4, "by": "asgi"},
        {"n": 5, "by": "wsgi"},
    ]


def test_cookie_from_a_waitress_wsgi_server_reads_on_uvicorn(
    serve_asgi: Callable[..., str], serve_wsgi: Callable[..., str]
) -> None:
    settings = shared_settings()
    wsgi_base = serve_wsgi(wsgi_app(settings))
    asgi_base = serve_asgi(starlette_app())
    with httpx.Client() as client:
        assert client.post(wsgi_base + "/").json() == {"n": 1, "by": "wsgi"}
        # Same host, another port: the cookie goes along (cookies ignore ports).
        assert client.get(asgi_base + "/read").json() == {"n": 1}
        assert client.post(asgi_base + "/bump").json() == {"n": 2}
        assert client.get(wsgi_base + "/").json() == {"n": 2, "by": "wsgi"}
