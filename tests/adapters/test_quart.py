"""signedsession.adapters.quart: the Flask adapter's rules, awaited, in Quart."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from quart import Quart, session, websocket
from quart.sessions import SecureCookieSessionInterface
from setcookie import load, parse_set_cookie

from signedsession.adapters.quart import SignedSessionInterface

SECRET = "test-secret-key-that-is-32-bytes-long!"


def make_app(**config: Any) -> Quart:
    app = Quart("quart_test")
    app.config.update(SECRET_KEY=SECRET, **config)
    app.session_interface = SignedSessionInterface()

    @app.route("/bump")
    async def bump() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/read")
    async def read() -> str:
        return str(session.get("n"))

    @app.route("/permanent")
    async def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.route("/nothing")
    async def nothing() -> str:
        return "nothing"

    @app.route("/clear")
    async def clear() -> str:
        session.clear()
        return "cleared"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        if websocket.args.get("write"):
            session["from_ws"] = True
        await websocket.send(str(session.get("n")))

    return app


def cookies_of(response: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [parse_set_cookie(v) for v in response.headers.getlist("Set-Cookie")]


def test_session_round_trip_and_headers() -> None:
    app = make_app()

    async def go() -> None:
        client = app.test_client()
        response = await client.get("/bump")
        [(name, value, attributes)] = cookies_of(response)
        assert name == "session"
        settings = app.session_interface.get_settings(app)
        assert load(settings, value) == {"n": 1}
        # Quart's defaults: no SameSite, a browser-session cookie.
        assert attributes == {"HttpOnly": True, "Path": "/"}
        assert response.headers["Vary"] == "Cookie"
        assert response.headers["Cache-Control"] == "private"
        assert await (await client.get("/bump")).get_data(as_text=True) == "2"
        response = await client.get("/read")
        assert await response.get_data(as_text=True) == "2"
        assert cookies_of(response) == []
        response = await client.get("/nothing")
        assert "Vary" not in response.headers and cookies_of(response) == []

    asyncio.run(go())


def test_config_is_read_as_quart_reads_it() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="qs",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_PATH="/app",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=1),
    )

    async def go() -> None:
        response = await app.test_client().get("/permanent")
        [(name, _, attributes)] = cookies_of(response)
        assert name == "qs"
        assert attributes == {
            "Expires": attributes["Expires"],
            "Max-Age": "3600",
            "Secure": True,
            "HttpOnly": True,
            "Path": "/app",
            "SameSite": "Strict",
        }

    asyncio.run(go())


def test_https_request_gets_a_secure_cookie() -> None:
    app = make_app()

    async def go() -> None:
        response = await app.test_client().get("/bump", scheme="https")
        [(_, _, attributes)] = cookies_of(response)
        assert attributes["Secure"] is True

    asyncio.run(go())


def test_cleared_session_deletes_the_cookie() -> None:
    app = make_app()

    async def go() -> None:
        client = app.test_client()
        await client.get("/bump")
        [(_, value, attributes)] = cookies_of(await client.get("/clear"))
        assert (value, attributes["Max-Age"]) == ("", "0")

    asyncio.run(go())


def quart_cookie(data: dict[str, Any]) -> str:
    """A cookie issued by Quart's own SecureCookieSessionInterface."""
    app = Quart("quart_own")
    app.secret_key = SECRET
    assert isinstance(app.session_interface, SecureCookieSessionInterface)

    @app.route("/")
    async def index() -> str:
        session.update(data)
        return "ok"

    async def go() -> str:
        response = await app.test_client().get("/")
        [(_, value, _)] = cookies_of(response)
        return value

    return asyncio.run(go())


def test_quart_cookie_is_read_and_reissued() -> None:
    value = quart_cookie({"n": 41, "when": (1, 2)})
    app = make_app()

    async def go() -> None:
        client = app.test_client()
        response = await client.get("/read", headers={"Cookie": f"session={value}"})
        assert await response.get_data(as_text=True) == "41"
        [(_, reissued, _)] = cookies_of(response)
        settings = app.session_interface.get_settings(app)
        assert load(settings, reissued) == {"n": 41, "when": (1, 2)}

    asyncio.run(go())


def test_no_secret_key_gives_the_null_session() -> None:
    app = make_app()
    app.config["SECRET_KEY"] = None

    async def go() -> None:
        response = await app.test_client().get("/read")
        assert await response.get_data(as_text=True) == "None"
        assert cookies_of(response) == []

    asyncio.run(go())


def test_websocket_reads_the_session() -> None:
    app = make_app()

    async def go() -> None:
        client = app.test_client()
        await client.get("/bump")
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "1"

    asyncio.run(go())


def test_websocket_change_is_logged_not_saved(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    async def go() -> None:
        client = app.test_client()
        async with client.websocket("/ws?write=1") as ws:
            assert await ws.receive() == "None"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        asyncio.run(go())
    assert [r.getMessage() for r in caplog.records] == [
        "session modified during websocket handling: a cookie cannot be set on"
        " a websocket, the change is lost"
    ]


def test_a_large_session_is_chunked_and_read_back_with_max_chunks() -> None:
    import base64
    import random

    app = make_app(SIGNEDSESSION_MAX_CHUNKS=3)
    big = base64.b64encode(random.Random(0).randbytes(9000)).decode()[:9000]

    @app.route("/big")
    async def store_big() -> str:
        session["big"] = big
        return "stored"

    @app.route("/size")
    async def size() -> str:
        return str(len(session.get("big", "")))

    async def go() -> None:
        client = app.test_client()
        response = await client.get("/big")
        assert [name for name, _, _ in cookies_of(response)] == [
            "session",
            "session.1",
            "session.2",
        ]
        response = await client.get("/size")
        assert await response.get_data(as_text=True) == "9000"
        response = await client.get("/clear")
        assert [(name, value) for name, value, _ in cookies_of(response)] == [
            ("session", ""),
            ("session.1", ""),
            ("session.2", ""),
        ]
        response = await client.get("/size")
        assert await response.get_data(as_text=True) == "0"

    asyncio.run(go())
