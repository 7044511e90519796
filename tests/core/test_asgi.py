"""signedsession.asgi.SessionMiddleware: the ASGI front door."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any, Callable

import itsdangerous
import pytest
from setcookie import load, parse_set_cookie, signed_value
from starlette.applications import Starlette
from starlette.datastructures import Secret
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from signedsession import SessionSettings, SessionStore
from signedsession.asgi import Session, SessionMiddleware, starlette_options
from signedsession.readers.starlette import StarletteCookieReader

SECRET = "test-secret-key-that-is-32-bytes-long!"
OLD_SECRET = "an-older-secret-key-also-32-bytes-long"


# -- a raw ASGI app and a driver: exact messages, no framework in between ------

Message = dict[str, Any]


def run(
    app: Any, *, cookie: str | None = None, scheme: str = "http", kind: str = "http"
) -> tuple[dict[str, Any], list[Message]]:
    """Call ``app`` once; the scope it saw and the messages it sent."""
    headers = [(b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "scheme": scheme,
        "path": "/",
        "query_string": b"",
        "headers": headers,
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return scope, sent


def endpoint(
    action: Callable[[Session], Any], *, status: int = 200, headers: Any = ()
) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = json.dumps(action(scope["session"])).encode()
        await send(
            {"type": "http.response.start", "status": status, "headers": list(headers)}
        )
        await send({"type": "http.response.body", "body": body})

    return app


def response_headers(sent: list[Message]) -> list[tuple[str, str]]:
    start = sent[0]
    assert start["type"] == "http.response.start"
    return [(k.decode(), v.decode()) for k, v in start["headers"]]


def set_cookies(sent: list[Message]) -> list[tuple[str, str, dict[str, Any]]]:
    return [parse_set_cookie(v) for k, v in response_headers(sent) if k == "Set-Cookie"]


def settings(**fields: Any) -> SessionSettings:
    return SessionSettings(**{"secret_key": SECRET, **fields})


# -- laziness and the response rules ------------------------------------------


def test_untouched_session_is_not_read_and_adds_no_header(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")
    app = SessionMiddleware(endpoint(lambda s: "ok"), settings())
    scope, sent = run(app, cookie="session=" + "x" * 40)  # invalid if read
    store = scope["session"]
    assert isinstance(store, Session) and isinstance(store, SessionStore)
    assert not store.accessed and not store.modified
    assert caplog.records == []  # never verified
    assert response_headers(sent) == []


def test_starlette_request_session_alone_reads_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")

    async def view(request: Request) -> Response:
        request.session  # noqa: B018 (the property is the point)
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/", view)],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET)],
    )
    client = TestClient(app, cookies={"session": "x" * 40})
    response = client.get("/")
    assert "vary" not in response.headers and "set-cookie" not in response.headers
    assert caplog.records == []


def test_read_adds_vary_and_no_cookie() -> None:
    cookie = f"session={signed_value(settings(), {'a': 1})}"
    app = SessionMiddleware(endpoint(lambda s: s["a"]), settings())
    _, sent = run(app, cookie=cookie)
    assert sent[1]["body"] == b"1"
    assert response_headers(sent) == [("Vary", "Cookie")]


def test_write_sets_the_cookie_with_vary_and_private_cache() -> None:
    app = SessionMiddleware(endpoint(lambda s: s.update(a=1)), settings())
    _, sent = run(app)
    [(name, value, attributes)] = set_cookies(sent)
    assert name == "session"
    assert load(settings(), value) == {"a": 1}
    assert attributes == {
        "Expires": attributes["Expires"],
        "Max-Age": "1209600",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }
    headers = dict(response_headers(sent))
    assert headers["Vary"] == "Cookie"
    assert headers["Cache-Control"] == "private"


def test_existing_vary_and_cache_control_are_kept() -> None:
    app = SessionMiddleware(
        endpoint(
            lambda s: s.update(a=1),
            headers=[(b"vary", b"Accept"), (b"cache-control", b"no-store")],
        ),
        settings(),
    )
    _, sent = run(app)
    headers = response_headers(sent)
    assert headers[:2] == [("vary", "Accept, Cookie"), ("cache-control", "no-store")]
    assert [k for k, _ in headers] == ["vary", "cache-control", "Set-Cookie"]


def test_public_response_that_sets_the_cookie_warns() -> None:
    app = SessionMiddleware(
        endpoint(lambda s: s.update(a=1), headers=[(b"cache-control", b"public")]),
        settings(),
    )
    with pytest.warns(RuntimeWarning, match="shared cache"):
        run(app)


def test_cleared_session_deletes_the_cookie() -> None:
    cookie = f"session={signed_value(settings(), {'a': 1})}"
    app = SessionMiddleware(endpoint(lambda s: s.clear()), settings())
    _, sent = run(app, cookie=cookie)
    [(name, value, attributes)] = set_cookies(sent)
    assert (name, value, attributes["Max-Age"]) == ("session", "", "0")


def test_server_error_does_not_save() -> None:
    app = SessionMiddleware(endpoint(lambda s: s.update(a=1), status=500), settings())
    _, sent = run(app)
    assert set_cookies(sent) == []


def test_server_error_saves_with_save_on_server_error() -> None:
    app = SessionMiddleware(
        endpoint(lambda s: s.update(a=1), status=503),
        settings(save_on_server_error=True),
    )
    _, sent = run(app)
    assert [load(settings(), v) for _, v, _ in set_cookies(sent)] == [{"a": 1}]


@pytest.mark.parametrize(
    ("scheme", "secure"), [("http", False), ("https", True)], ids=["http", "https"]
)
def test_secure_follows_the_scope_scheme(scheme: str, secure: bool) -> None:
    app = SessionMiddleware(endpoint(lambda s: s.update(a=1)), settings())
    _, sent = run(app, scheme=scheme)
    [(_, _, attributes)] = set_cookies(sent)
    assert ("Secure" in attributes) is secure


def test_several_cookie_headers_are_joined() -> None:
    value = signed_value(settings(), {"a": 2})
    app = SessionMiddleware(endpoint(lambda s: s.get("a")), settings())
    headers = [(b"cookie", b"other=1"), (b"cookie", f"session={value}".encode())]

    async def go() -> list[Message]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "scheme": "http", "headers": headers}
        await app(scope, lambda: None, send)  # type: ignore[arg-type,return-value]
        return sent

    sent = asyncio.run(go())
    assert sent[1]["body"] == b"2"


def test_modifying_after_response_start_warns() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        scope["session"]["late"] = 1
        await send({"type": "http.response.body", "body": b""})

    with pytest.warns(RuntimeWarning, match="after the response headers"):
        run(SessionMiddleware(app, settings()))


def test_bad_cookie_is_an_empty_session_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")
    app = SessionMiddleware(endpoint(lambda s: dict(s)), settings())
    _, sent = run(app, cookie="session=" + "x" * 40)
    assert sent[1]["body"] == b"{}"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


# -- scopes other than http ------------------------------------------------------


def test_lifespan_passes_through_untouched() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((dict(scope), receive, send))

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    asyncio.run(SessionMiddleware(app, settings())(scope, receive, send))
    assert seen == [(scope, receive, send)]
    assert "session" not in scope


def websocket_app(action: Callable[[Any], Any], **options: Any) -> Starlette:
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(action(websocket.session))
        await websocket.close()

    return Starlette(
        routes=[
            WebSocketRoute("/ws", ws),
            Route(
                "/set", lambda r: (r.session.update(a=1), PlainTextResponse("ok"))[1]
            ),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET, **options)],
    )


def test_websocket_reads_the_session() -> None:
    client = TestClient(websocket_app(lambda s: dict(s)))
    client.get("/set")
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json() == {"a": 1}


def test_websocket_session_is_read_only() -> None:
    def write(session: Any) -> Any:
        session["b"] = 2
        return dict(session)

    client = TestClient(websocket_app(write))
    with (
        pytest.warns(RuntimeWarning, match="cannot reach the client"),
        client.websocket_connect("/ws") as ws,
    ):
        assert ws.receive_json() == {"b": 2}


# -- Starlette's keywords and meanings ----------------------------------------------


def starlette_app(**options: Any) -> Starlette:
    async def view(request: Request) -> JSONResponse:
        return JSONResponse({"session": request.session})

    async def update(request: Request) -> JSONResponse:
        request.session.update(await request.json())
        return JSONResponse({"session": request.session})

    return Starlette(
        routes=[Route("/view", view), Route("/update", update, methods=["POST"])],
        middleware=[Middleware(SessionMiddleware, **options)],
    )


def test_add_middleware_is_a_drop_in() -> None:
    app = Starlette(routes=[Route("/", lambda r: JSONResponse(dict(r.session)))])
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    assert TestClient(app).get("/").json() == {}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"cookie_name": "session", "max_age": 1209600, "samesite": "Lax"}),
        ({"session_cookie": "sid"}, {"cookie_name": "sid"}),
        ({"max_age": None}, {"max_age": None, "expire_at_browser_close": True}),
        ({"max_age": 60}, {"max_age": 60, "expire_at_browser_close": False}),
        ({"path": "/app"}, {"path": "/app"}),
        ({"same_site": "strict"}, {"samesite": "Strict"}),
        ({"same_site": "none"}, {"samesite": "None", "secure": None}),
        ({"https_only": True}, {"secure": True}),
        ({"https_only": False}, {"secure": None}),
        ({"domain": "example.com"}, {"domain": "example.com"}),
        ({"partitioned": True}, {"partitioned": True}),
        ({"compress": False}, {"compress": False}),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]}" for k in v) or "defaults",
)
def test_starlette_keywords_map_to_settings(
    options: dict[str, Any], expected: dict[str, Any]
) -> None:
    built = SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET, **options)
    got = {name: getattr(built.settings, name) for name in expected}
    assert got == expected
    assert built.settings.migrate_from == (StarletteCookieReader,)


def test_starlette_secret_wrapper_is_unwrapped() -> None:
    built = SessionMiddleware(endpoint(lambda s: None), secret_key=Secret(SECRET))
    assert built.settings.secret_key == SECRET


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"session_cookie": "a", "cookie_name": "b"}, "session_cookie or cookie_name"),
        ({"same_site": "lax", "samesite": "Lax"}, "same_site or samesite"),
        ({"https_only": True, "secure": True}, "https_only or secure"),
        ({"https_only": "yes"}, "https_only must be True or False"),
    ],
    ids=["cookie-name", "samesite", "secure", "https-only-type"],
)
def test_conflicting_or_bad_keywords_are_type_errors(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET, **options)


def test_bad_values_name_the_option() -> None:
    with pytest.raises(ValueError, match="samesite must be"):
        SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET, same_site="x")
    with pytest.raises(ValueError, match="max_age must be at least 0"):
        SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET, max_age=-1)


def test_settings_and_keywords_are_exclusive() -> None:
    with pytest.raises(TypeError, match="not both"):
        SessionMiddleware(endpoint(lambda s: None), settings(), secret_key=SECRET)
    with pytest.raises(TypeError, match="must be a SessionSettings"):
        SessionMiddleware(endpoint(lambda s: None), SECRET)  # type: ignore[arg-type]


def test_settings_object_reads_no_foreign_format() -> None:
    built = SessionMiddleware(endpoint(lambda s: None), settings())
    assert built.settings.migrate_from == ()


def test_starlette_options_leave_explicit_migrate_from() -> None:
    assert starlette_options({"secret_key": SECRET, "migrate_from": ()}) == {
        "secret_key": SECRET,
        "migrate_from": (),
    }


def test_browser_session_cookie_when_max_age_is_none() -> None:
    client = TestClient(starlette_app(secret_key=SECRET, max_age=None))
    response = client.post("/update", json={"a": 1})
    [(_, _, attributes)] = [
        parse_set_cookie(v) for v in response.headers.get_list("set-cookie")
    ]
    assert "Max-Age" not in attributes and "Expires" not in attributes
    assert client.get("/view").json() == {"session": {"a": 1}}


def test_https_only_cookie_is_secure_on_http_too() -> None:
    client = TestClient(starlette_app(secret_key=SECRET, https_only=True))
    response = client.post("/update", json={"a": 1})
    [(_, _, attributes)] = [
        parse_set_cookie(v) for v in response.headers.get_list("set-cookie")
    ]
    assert attributes["Secure"] is True


# -- migration from Starlette's own middleware ------------------------------------


def starlette_cookie(secret: str, data: dict[str, Any]) -> str:
    """A cookie issued by Starlette's real SessionMiddleware."""

    async def update(request: Request) -> Response:
        request.session.update(data)
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/", update)],
        middleware=[Middleware(StarletteMiddleware, secret_key=secret)],
    )
    response = TestClient(app).get("/")
    return str(response.cookies["session"])


def test_starlette_cookie_is_read_and_reissued_in_our_format() -> None:
    value = starlette_cookie(SECRET, {"user": "ada", "n": 1})
    client = TestClient(starlette_app(secret_key=SECRET))
    client.cookies.set("session", value)
    response = client.get("/view")
    assert response.json() == {"session": {"user": "ada", "n": 1}}
    [(_, reissued, _)] = [
        parse_set_cookie(v) for v in response.headers.get_list("set-cookie")
    ]
    assert reissued != value
    built = SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET)
    assert load(built.settings, reissued) == {"user": "ada", "n": 1}
    again = TestClient(starlette_app(secret_key=SECRET), cookies={"session": reissued})
    response = again.get("/view")
    assert response.json() == {"session": {"user": "ada", "n": 1}}
    assert response.headers.get("set-cookie") is None


def test_starlette_cookie_signed_by_a_fallback_key_is_read() -> None:
    value = starlette_cookie(OLD_SECRET, {"n": 2})
    client = TestClient(starlette_app(secret_key=SECRET, fallback_keys=(OLD_SECRET,)))
    client.cookies.set("session", value)
    assert client.get("/view").json() == {"session": {"n": 2}}


def test_starlette_cookie_with_another_secret_is_rejected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="signedsession.security")
    value = starlette_cookie(OLD_SECRET, {"n": 2})
    client = TestClient(starlette_app(secret_key=SECRET))
    client.cookies.set("session", value)
    response = client.get("/view")
    assert response.json() == {"session": {}}
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


def test_starlette_cookie_is_not_read_with_a_settings_object() -> None:
    value = starlette_cookie(SECRET, {"n": 3})
    app = Starlette(routes=[Route("/", lambda r: JSONResponse(dict(r.session)))])
    app.add_middleware(SessionMiddleware, settings())
    client = TestClient(app)
    client.cookies.set("session", value)
    assert client.get("/").json() == {}


# -- the session is a dict, as Starlette's is ---------------------------------------


@pytest.fixture
def session() -> Session:
    value = signed_value(settings(), {"a": 1, "b": 2})
    return Session(value, settings=settings())  # type: ignore[return-value]


def test_unread_session_serializes_as_json(session: Session) -> None:
    assert json.dumps(session) == '{"a": 1, "b": 2}'
    assert json.dumps({"s": session}, indent=1) == (
        '{\n "s": {\n  "a": 1,\n  "b": 2\n }\n}'
    )
    session["c"] = 3
    del session["a"]
    assert json.dumps(session) == '{"b": 2, "c": 3}'
    assert session.accessed


def test_session_dict_methods(session: Session) -> None:
    assert isinstance(session, dict)
    assert session == {"a": 1, "b": 2} and session != {}
    assert session.popitem() == ("b", 2)
    session |= {"z": 26}
    assert session.copy() == {"a": 1, "z": 26}
    assert session.setdefault("y", 25) == 25
    assert session.pop("a") == 1 and session.pop("missing", None) is None
    assert json.dumps(session, sort_keys=True) == '{"y": 25, "z": 26}'
    assert session.modified
    session.clear()
    assert json.dumps(session) == "{}" and session == {}
    with pytest.raises(KeyError):
        session.popitem()


def test_empty_sessions_serialize_as_empty_json() -> None:
    assert json.dumps(Session(None, settings=settings())) == "{}"
    assert Session(None, settings=settings()) == {}


def test_read_session_mirrors_into_the_dict_storage(session: Session) -> None:
    assert session["a"] == 1
    assert dict(dict.items(session)) == {"a": 1, "b": 2}
    session["c"] = 3
    assert dict(dict.items(session)) == {"a": 1, "b": 2, "c": 3}
    assert list(reversed(session)) == ["c", "b", "a"]
    assert session | {"d": 4} == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_flushed_session_is_empty_dict(session: Session) -> None:
    session.flush()
    assert json.dumps(session) == "{}" and session.session_key is None


def test_starlette_request_session_is_our_store() -> None:
    seen: list[Any] = []

    async def view(request: Request) -> Response:
        seen.append(request.session)
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/", view)],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET)],
    )
    TestClient(app).get("/")
    assert type(seen[0]) is Session


def test_reader_decodes_what_starlette_signs() -> None:
    data = {"x": [1, 2], "y": "z"}
    payload = base64.b64encode(json.dumps(data).encode())
    value = itsdangerous.TimestampSigner(SECRET).sign(payload).decode()
    built = SessionMiddleware(endpoint(lambda s: None), secret_key=SECRET)
    assert StarletteCookieReader(built.settings).loads(value).data == data


@pytest.mark.parametrize(
    "cookie",
    [None, "other=1", "session=abc", "session=" + "x" * 40],
    ids=["no-header", "other-cookie", "short-value", "invalid-value"],
)
def test_storage_mirrors_the_data_after_any_read(cookie: str | None) -> None:
    store = Session.from_cookie_header(cookie, settings=settings())
    assert store.get("a") is None
    assert dict(dict.items(store)) == {}


def test_fastapi_validated_response_with_the_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fastapi import Depends, FastAPI

    def get_session(request: Request) -> Session:
        return request.session  # type: ignore[return-value]

    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    user_session = Depends(get_session)

    @app.get("/me")
    async def me(session: Session = user_session) -> dict[str, Any]:
        return {"user": session.get("user"), "session": session}

    for cookie in ("abc", "x" * 40, signed_value(settings(), {"user": "ada"})):
        client = TestClient(app, cookies={"session": cookie})
        response = client.get("/me")
        assert response.status_code == 200
        user = "ada" if len(cookie) > 40 else None
        session = {"user": "ada"} if user else {}
        assert response.json() == {"user": user, "session": session}
