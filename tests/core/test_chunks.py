"""A session past one cookie (``max_chunks``): split, joined, and cleaned up.

The split is a property of the ``Set-Cookie`` headers only: the value is
signed (or sealed) whole, as with one cookie, and cut into ``cookie_name``
(marked ``*k*``), ``cookie_name.1``, ... so that each header fits in
``max_cookie_size``. Reading joins them and verifies the whole.
"""

from __future__ import annotations

import json
import logging
import random
import re
from typing import Any, Callable

import pytest
from setcookie import parse_set_cookie, set_cookies
from shared import SECRET, SECURITY
from webtest import TestApp
from werkzeug.http import dump_cookie

from signedsession import SessionMiddleware, SessionSettings, SessionStore, _clock
from signedsession._codec import Codec, new_session_id
from signedsession._headers import CookieHeaders
from signedsession._response import cookie_headers
from signedsession.exceptions import SessionTooLarge
from signedsession.settings import MAX_CHUNKS
from signedsession.store import ResponseCookie

MakeSettings = Callable[..., SessionSettings]


def text(length: int, seed: int = 0) -> str:
    """``length`` characters that do not compress: sizes are predictable."""
    return random.Random(seed).randbytes((length + 1) // 2).hex()[:length]


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Shows the session as JSON; ``?size=n`` stores n characters under
    ``big``, ``?flush`` flushes, ``?https`` is only for the scheme."""
    session = environ["signedsession.session"]
    query = environ.get("QUERY_STRING", "")
    if query.startswith("size="):
        session["big"] = text(int(query[5:]))
    elif query == "flush":
        session.flush()
    body = json.dumps(dict(session.items())).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def chunk_settings(make_settings: MakeSettings, **fields: Any) -> SessionSettings:
    fields.setdefault("compress", False)
    fields.setdefault("max_chunks", MAX_CHUNKS)
    return make_settings(**fields)


def size_for(settings: SessionSettings, chunks: int) -> int:
    """A ``big`` length whose cookie needs exactly ``chunks`` cookies: the
    signed value halfway into the last one."""
    cookies = CookieHeaders.of(settings)
    limit = settings.max_cookie_size
    first = limit - cookies.size("", settings.max_age) - 3
    rest = limit - cookies.piece(1).size("", settings.max_age)
    target = first + rest * (chunks - 1) - rest // 2 if chunks > 1 else first // 2
    overhead = len(signed(settings, {"big": ""}))
    return (target - overhead) * 3 // 4


def signed(settings: SessionSettings, data: dict[str, Any]) -> str:
    """A value as the store signs ``data`` now: same length as its own."""
    now = int(_clock.time())
    return Codec.of(settings).dumps(
        data, session_id=new_session_id(), created=now, issued=now
    )


def names(response: Any) -> list[str]:
    return [name for name, _, _ in set_cookies(response)]


def set_values(response: Any) -> dict[str, str]:
    return {name: value for name, value, _ in set_cookies(response)}


def saved(settings: SessionSettings, data: dict[str, Any]) -> tuple[str, ...]:
    """The cookie values a response sets for ``data``: one, or its chunks."""
    store = SessionStore(None, settings=settings)
    store.update(data)
    cookie = store.response_cookie()
    assert cookie is not None and cookie.value is not None
    return cookie.chunks or (cookie.value,)


def header_of(settings: SessionSettings, values: tuple[str, ...] | list[str]) -> str:
    """A ``Cookie`` header carrying ``values`` as cookie_name, .1, .2, ..."""
    name = settings.cookie_name
    return "; ".join(
        f"{name}={value}" if index == 0 else f"{name}.{index}={value}"
        for index, value in enumerate(values)
    )


# -- round trips through the middleware -----------------------------------------


@pytest.mark.parametrize("chunks", range(1, MAX_CHUNKS + 1), ids=lambda k: f"k={k}")
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_session_round_trips_over_k_cookies_each_within_the_limit(
    make_settings: MakeSettings, clock: Any, chunks: int, https: bool
) -> None:
    settings = chunk_settings(make_settings)
    client = TestApp(SessionMiddleware(app, settings))
    scheme = {"wsgi.url_scheme": "https"} if https else {}
    size = size_for(settings, chunks)
    response = client.get(f"/?size={size}", extra_environ=scheme)
    headers = response.headers.getall("Set-Cookie")
    expected = ["session"] + [f"session.{i}" for i in range(1, chunks)]
    assert names(response) == expected
    assert all(len(header) <= settings.max_cookie_size for header in headers)
    values = [value for _, value, _ in set_cookies(response)]
    if chunks > 1:
        assert values[0][:3] == f"*{chunks}*"
        joined = values[0][3:] + "".join(values[1:])
    else:
        joined = values[0]
    assert Codec.of(settings).loads(joined).data == {"big": text(size)}
    # WebTest's cookie jar sends every chunk back, as a browser does.
    again = client.get("/", extra_environ=scheme)
    assert again.json == {"big": text(size)}
    assert again.headers.getall("Set-Cookie") == []


def test_every_chunk_carries_the_cookies_attributes(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = chunk_settings(
        make_settings, path="/app", domain="example.com", samesite="Strict"
    )
    client = TestApp(SessionMiddleware(app, settings))
    response = client.get(
        f"/app?size={size_for(settings, 3)}",
        extra_environ={"HTTP_HOST": "example.com"},
    )
    attributes = [attrs for _, _, attrs in set_cookies(response)]
    assert len(attributes) == 3
    assert attributes[0] == {
        "Domain": "example.com",
        "Expires": attributes[0]["Expires"],
        "Max-Age": "1209600",
        "HttpOnly": True,
        "Path": "/app",
        "SameSite": "Strict",
    }
    assert attributes[1] == attributes[2] == attributes[0]


def test_encrypted_session_round_trips_in_chunks(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = chunk_settings(make_settings, encrypt=True, max_chunks=3)
    client = TestApp(SessionMiddleware(app, settings))
    response = client.get(f"/?size={size_for(settings, 3)}")
    values = [value for _, value, _ in set_cookies(response)]
    assert values[0][:3] == "*3*" and values[0][3] in "|:"  # the envelope, split
    assert len(values) == 3
    assert client.get("/").json == {"big": text(size_for(settings, 3))}


# -- exact boundaries -----------------------------------------------------------


def rooms(settings: SessionSettings, max_age: int | None) -> list[int]:
    """How many characters of the value each cookie holds."""
    cookies = CookieHeaders.of(settings)
    limit = settings.max_cookie_size
    first = limit - cookies.size("", max_age) - 3
    return [first] + [
        limit - cookies.piece(i).size("", max_age)
        for i in range(1, settings.max_chunks)
    ]


@pytest.mark.parametrize("max_age", [1209600, None], ids=["max-age", "browser"])
def test_split_fills_each_cookie_to_the_byte(
    make_settings: MakeSettings, clock: Any, max_age: int | None
) -> None:
    settings = chunk_settings(make_settings, max_chunks=4, max_cookie_size=300)
    cookies = CookieHeaders.of(settings)
    room = rooms(settings, max_age)
    for count in range(2, 5):
        full = "A" * sum(room[:count])
        chunks = cookies.split(full, max_age)
        assert chunks is not None and len(chunks) == count
        cookie = cookie_headers(
            settings, ResponseCookie(full, max_age, chunks), https=True
        )
        # Each Set-Cookie, Secure included, is exactly max_cookie_size.
        assert [len(header) for header in cookie] == [300] * count
        one_more = cookies.split(full + "B", max_age)
        if count < 4:
            assert one_more is not None and one_more[-1] == "B"
            assert len(one_more) == count + 1
        else:
            assert one_more is None


def test_session_is_split_exactly_when_one_cookie_overflows(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = chunk_settings(make_settings, max_chunks=3, max_cookie_size=400)
    cookies = CookieHeaders.of(settings)
    # The longest session that fits in one cookie, and one character more.
    size = 0
    while cookies.size(signed(settings, {"big": text(size + 1)}), 1209600) <= 400:
        size += 1
    assert len(saved(settings, {"big": text(size)})) == 1
    assert len(saved(settings, {"big": text(size + 1)})) == 2
    # The longest that fits in three, and one more: SessionTooLarge.
    while len(signed(settings, {"big": text(size + 1)})) <= sum(
        rooms(settings, 1209600)
    ):
        size += 1
    assert len(saved(settings, {"big": text(size)})) == 3
    with pytest.raises(SessionTooLarge) as info:
        saved(settings, {"big": text(size + 1), "small": 1})
    assert info.value.chunks == 3
    assert info.value.limit == 400
    assert info.value.largest_keys[0][0] == "big"
    assert str(info.value).startswith(
        f"session too large: the Set-Cookie header would be {info.value.size}"
        " bytes, over the limit of 400, and does not fit in max_chunks=3"
        " cookies of that limit; largest keys: 'big' ("
    )


def test_too_large_past_the_cap_names_the_largest_keys_through_the_middleware(
    make_settings: MakeSettings, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = chunk_settings(make_settings, max_chunks=2)
    client = TestApp(SessionMiddleware(app, settings))
    with pytest.raises(SessionTooLarge) as info:
        client.get(f"/?size={size_for(settings, 3)}")
    assert [key for key, _ in info.value.largest_keys] == ["big"]
    assert "max_chunks=2" in str(info.value)
    assert text(size_for(settings, 3))[:16] not in str(info.value)


# -- stale chunks ----------------------------------------------------------------


def deleted(response: Any) -> list[str]:
    return [
        name
        for name, value, attributes in set_cookies(response)
        if value == "" and attributes.get("Max-Age") == "0"
    ]


def test_a_smaller_session_deletes_the_chunks_it_no_longer_uses(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = chunk_settings(make_settings, path="/")
    client = TestApp(SessionMiddleware(app, settings))
    client.get(f"/?size={size_for(settings, 5)}")
    everyone = ["session", "session.1", "session.2", "session.3", "session.4"]
    assert sorted(client.cookies) == everyone
    response = client.get(f"/?size={size_for(settings, 2)}")
    assert names(response) == everyone
    assert deleted(response) == ["session.2", "session.3", "session.4"]
    assert sorted(client.cookies) == ["session", "session.1"]
    assert client.get("/").json == {"big": text(size_for(settings, 2))}
    # Chunked -> one cookie: every chunk goes.
    response = client.get("/?size=10")
    assert deleted(response) == ["session.1"]
    assert set_values(response)["session"][:1] != "*"
    assert sorted(client.cookies) == ["session"]


def test_deleting_the_session_deletes_every_chunk_with_the_same_attributes(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = chunk_settings(make_settings, path="/", domain="example.com")
    client = TestApp(SessionMiddleware(app, settings))
    host = {"HTTP_HOST": "example.com"}
    client.get(f"/?size={size_for(settings, 3)}", extra_environ=host)
    response = client.get("/?flush", extra_environ=host)
    assert deleted(response) == ["session", "session.1", "session.2"]
    for _, _, attributes in set_cookies(response):
        assert attributes == {
            "Domain": "example.com",
            "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
            "Max-Age": "0",
            "HttpOnly": True,
            "Path": "/",
            "SameSite": "Lax",
        }
    assert client.cookies == {}


def test_stale_chunks_past_the_count_are_ignored_then_deleted(
    make_settings: MakeSettings, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = chunk_settings(make_settings)
    values = saved(settings, {"big": text(size_for(settings, 2))})
    header = header_of(settings, [*values, "stale-chunk", "another"])
    store = SessionStore.from_cookie_header(header, settings=settings)
    assert store["big"] == text(size_for(settings, 2))
    store["n"] = 1
    cookie = store.response_cookie()
    assert cookie is not None and len(cookie.chunks) == 2
    assert cookie.stale == (2, 3)
    assert caplog.records == []


def test_chunks_past_the_hard_cap_are_not_ours(make_settings: MakeSettings) -> None:
    settings = chunk_settings(make_settings)
    header = "; ".join(f"session.{i}=x" for i in range(1, 20))
    store = SessionStore.from_cookie_header(header, settings=settings)
    assert store.load() == {}
    store.flush()
    cookie = store.response_cookie()
    assert cookie is not None and cookie.stale == tuple(range(1, MAX_CHUNKS))


# -- refused joins -----------------------------------------------------------------


def chunked(settings: SessionSettings, seed: int = 0) -> tuple[str, ...]:
    values = saved(settings, {"big": text(size_for(settings, 3), seed)})
    assert len(values) == 3
    return values


REFUSED: list[tuple[str, Callable[[tuple[str, ...], tuple[str, ...]], str], str]] = [
    ("missing", lambda v, o: f"session={v[0]}; session.2={v[2]}", "chunk missing"),
    (
        "duplicated",
        lambda v, o: (
            f"session={v[0]}; session.1={v[1]}; session.1={v[1]}; session.2={v[2]}"
        ),
        "chunk duplicated",
    ),
    (
        "reordered",
        lambda v, o: f"session={v[0]}; session.1={v[2]}; session.2={v[1]}",
        "bad signature",
    ),
    (
        "another-sessions-chunk",
        lambda v, o: f"session={v[0]}; session.1={o[1]}; session.2={v[2]}",
        "bad signature",
    ),
    (
        "count-over-max-chunks",
        lambda v, o: "session=*5*" + v[0][3:] + f"; session.1={v[1]}",
        "too many chunks",
    ),
    (
        "count-one",
        lambda v, o: "session=*1*" + v[0][3:],
        "malformed",
    ),
    (
        "count-not-a-digit",
        lambda v, o: "session=*x*" + v[0][3:],
        "malformed",
    ),
    (
        "marker-unclosed",
        lambda v, o: "session=*3" + v[0][3:],
        "malformed",
    ),
]


@pytest.mark.parametrize(
    ("header", "reason"),
    [pytest.param(build, reason, id=name) for name, build, reason in REFUSED],
)
def test_chunks_that_do_not_join_give_an_empty_session_and_one_log_line(
    make_settings: MakeSettings,
    clock: Any,
    caplog: pytest.LogCaptureFixture,
    header: Callable[[tuple[str, ...], tuple[str, ...]], str],
    reason: str,
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = chunk_settings(make_settings, max_chunks=4)
    sent = header(chunked(settings), chunked(settings, seed=1))
    store = SessionStore.from_cookie_header(sent, settings=settings)
    assert dict(store) == {}
    assert store.rejected == reason
    [record] = caplog.records
    assert record.getMessage() == f"session cookie rejected: {reason}"
    cookie = store.response_cookie()
    assert cookie is not None and cookie.value is None  # deleted, chunks too
    assert set(cookie.stale) == {int(i) for i in re.findall(r"session\.(\d)=", sent)}


def test_marker_value_is_never_read_as_a_value(make_settings: MakeSettings) -> None:
    # A marked value without its chunks is refused before the codec can read
    # it: the join fails, so the codec sees the marked value, which no
    # format can verify.
    settings = chunk_settings(make_settings)
    value = signed(settings, {"a": 1})
    store = SessionStore.from_cookie_header(f"session=*2*{value}", settings=settings)
    assert dict(store) == {}
    assert store.rejected == "chunk missing"


# -- the default: one cookie, as before --------------------------------------------


def test_no_value_any_format_writes_starts_with_the_chunk_marker(
    make_settings: MakeSettings,
) -> None:
    for fields in ({}, {"compress": True}, {"encrypt": True}):
        settings = make_settings(**fields)
        for data in ({}, {"a": "x" * 500}, {"b": text(500)}):
            assert signed(settings, data)[:1] != "*"


def test_default_is_one_cookie_byte_for_byte_as_dump_cookie_writes_it(
    make_settings: MakeSettings, clock: Any
) -> None:
    settings = make_settings(compress=False)
    assert settings.max_chunks == 1
    client = TestApp(SessionMiddleware(app, settings))
    response = client.get("/?size=1000")
    [header] = response.headers.getall("Set-Cookie")
    _, value, _ = parse_set_cookie(header)
    assert header == dump_cookie(
        "session",
        value,
        max_age=1209600,
        expires=clock.now + 1209600,
        path="/",
        httponly=True,
        samesite="Lax",
        max_size=0,
    )
    with pytest.raises(SessionTooLarge) as info:
        client.get("/?size=5000")
    assert "max_chunks" not in str(info.value)
    assert info.value.chunks == 1


def test_default_reads_no_chunks_and_deletes_none(
    make_settings: MakeSettings, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SECURITY)
    settings = chunk_settings(make_settings)
    values = chunked(settings)
    default = make_settings(compress=False)
    client = TestApp(SessionMiddleware(app, default))
    response = client.get(
        "/?size=10", headers={"Cookie": header_of(default, list(values))}
    )
    assert names(response) == ["session"]  # nothing said about session.1, .2
    [record] = caplog.records
    assert record.getMessage() == "session cookie rejected: bad signature"


# -- ASGI ---------------------------------------------------------------------------


def test_asgi_round_trips_chunks_and_deletes_stale_ones(clock: Any) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from signedsession.asgi import SessionMiddleware as ASGISessionMiddleware

    settings = SessionSettings(secret_key=SECRET, compress=False, max_chunks=4)

    async def show(request: Request) -> JSONResponse:
        size = request.query_params.get("size")
        if size is not None:
            request.session["big"] = text(int(size))
        return JSONResponse(dict(request.session.items()))

    asgi = Starlette(routes=[Route("/", show)])
    asgi.add_middleware(ASGISessionMiddleware, settings=settings)
    client = TestClient(asgi)
    big = size_for(settings, 4)
    response = client.get(f"/?size={big}")
    assert [c.split("=")[0] for c in response.headers.get_list("set-cookie")] == [
        "session",
        "session.1",
        "session.2",
        "session.3",
    ]
    assert client.get("/").json() == {"big": text(big)}
    response = client.get("/?size=10")
    assert [c.split(";")[0] for c in response.headers.get_list("set-cookie")][1:] == [
        "session.1=",
        "session.2=",
        "session.3=",
    ]
    assert sorted(client.cookies.keys()) == ["session"]
    assert client.get("/").json() == {"big": text(10)}
