"""Cache safety: a response that sets or deletes the session cookie is private.

A shared cache that stores a response carrying ``Set-Cookie`` hands one
user's session to everyone who asks for the same URL. When the response
sets or deletes the session cookie and the application said nothing about
caching, ``Cache-Control: private`` is added; when the application marked
the response ``public`` or gave it an ``s-maxage``, a ``RuntimeWarning``
says so (the application's header is kept: it may know better). Responses
that leave the cookie alone are not touched.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from setcookie import signed_value
from webtest import TestApp

from signedsession import SessionMiddleware, SessionSettings, SessionStore

Action = Callable[[SessionStore], object]


def make_app(
    settings: SessionSettings, action: Action, cache_control: list[str]
) -> TestApp:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        action(environ[settings.environ_key])
        headers = [("Content-Type", "text/plain"), ("Content-Length", "2")]
        headers += [("Cache-Control", value) for value in cache_control]
        start_response("200 OK", headers)
        return [b"ok"]

    return TestApp(SessionMiddleware(inner, settings), lint=True)


def write(session: SessionStore) -> None:
    session["n"] = session.get("n", 0) + 1


def read(session: SessionStore) -> None:
    session.get("n")


def untouched(session: SessionStore) -> None:
    pass


#: What the request does, whether it carries a cookie, and whether the
#: response then sets or deletes it.
CHANGES = {
    "set-new": (write, False, True),
    "set-existing": (write, True, True),
    "delete-by-clear": (SessionStore.clear, True, True),
    "delete-by-flush": (SessionStore.flush, True, True),
    "read-only": (read, True, False),
    "read-only-no-cookie": (read, False, False),
    "untouched": (untouched, True, False),
}


def run(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> tuple[Any, list[str]]:
    action, with_cookie, _ = CHANGES[change]
    app = make_app(settings, action, cache_control)
    headers = (
        {"Cookie": f"session={signed_value(settings, {'n': 1})}"} if with_cookie else {}
    )
    response = app.get("/", headers=headers)
    return response, [
        header.partition("=")[2].split(";")[0]
        for header in response.headers.getall("Set-Cookie")
    ]


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_private_is_added_exactly_when_the_cookie_is_set_or_deleted(
    settings: SessionSettings, change: str
) -> None:
    response, values = run(settings, change, [])
    touches_cookie = CHANGES[change][2]
    assert len(values) == (1 if touches_cookie else 0)
    expected = ["private"] if touches_cookie else []
    assert response.headers.getall("Cache-Control") == expected


@pytest.mark.parametrize(
    "cache_control",
    [
        ["no-store"],
        ["private, max-age=60"],
        ["no-cache"],
        ["max-age=0, must-revalidate"],
        ["private", "max-age=60"],
    ],
    ids=["no-store", "private-max-age", "no-cache", "max-age-0", "two-headers"],
)
@pytest.mark.parametrize("change", ["set-new", "delete-by-clear"])
def test_the_apps_own_cache_control_is_kept_without_a_warning(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    response, values = run(settings, change, cache_control)
    assert len(values) == 1
    assert response.headers.getall("Cache-Control") == cache_control


SHARED = [
    ["public"],
    ["public, max-age=3600"],
    ["PUBLIC"],
    ["max-age=60, s-maxage=600"],
    ["s-maxage=600"],
    ["max-age=60, s-maxage =600"],
    ["max-age=60", "public"],
]
SHARED_IDS = [
    "public",
    "public-max-age",
    "upper-case",
    "s-maxage",
    "s-maxage-alone",
    "s-maxage-space-before-equals",
    "public-in-second-header",
]


@pytest.mark.parametrize("cache_control", SHARED, ids=SHARED_IDS)
@pytest.mark.parametrize(
    "change", ["set-new", "set-existing", "delete-by-clear", "delete-by-flush"]
)
def test_shared_cacheable_response_that_touches_the_cookie_warns(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    with pytest.warns(RuntimeWarning) as record:
        response, values = run(settings, change, cache_control)
    assert [str(w.message) for w in record] == [
        "a response that sets the session cookie is marked"
        f" {', '.join(cache_control)!r}: a shared cache could serve one"
        " user's cookie to others"
    ]
    assert len(values) == 1
    assert response.headers.getall("Cache-Control") == cache_control


@pytest.mark.parametrize("cache_control", SHARED, ids=SHARED_IDS)
@pytest.mark.parametrize("change", ["read-only", "untouched"])
def test_public_response_that_leaves_the_cookie_alone_is_silent(
    settings: SessionSettings, change: str, cache_control: list[str]
) -> None:
    response, values = run(settings, change, cache_control)  # no warning: error
    assert values == []
    assert response.headers.getall("Cache-Control") == cache_control


def test_server_error_that_deletes_the_cookie_is_private(
    settings: SessionSettings,
) -> None:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[settings.environ_key].flush()
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"boom"]

    app = TestApp(SessionMiddleware(inner, settings), lint=True)
    cookie = signed_value(settings, {"n": 1})
    response = app.get("/", headers={"Cookie": f"session={cookie}"}, status=500)
    assert [h.split(";")[0] for h in response.headers.getall("Set-Cookie")] == [
        "session="
    ]
    assert response.headers.getall("Cache-Control") == ["private"]


# -- through the Pyramid adapter --------------------------------------------------


def pyramid_app(cache_control: list[str], action: Action) -> TestApp:
    from pyramid.config import Configurator
    from pyramid.response import Response

    from signedsession.adapters.pyramid import SignedSessionFactory

    def view(request: Any) -> Any:
        action(request.session)
        response = Response("ok", content_type="text/plain")
        for value in cache_control:
            response.headers.add("Cache-Control", value)
        return response

    with Configurator() as config:
        config.set_session_factory(
            SignedSessionFactory(
                "test-secret-key-that-is-32-bytes-long!", reissue_time=None
            )
        )
        config.add_route("home", "/")
        config.add_view(view, route_name="home")
        return TestApp(config.make_wsgi_app(), lint=True)


@pytest.mark.parametrize(
    ("action", "cache_control", "expected"),
    [
        (write, [], ["private"]),
        (read, [], []),
        (write, ["no-store"], ["no-store"]),
    ],
    ids=["set", "read-only", "app-no-store"],
)
def test_pyramid_adapter_adds_private_only_when_it_sets_the_cookie(
    action: Action, cache_control: list[str], expected: list[str]
) -> None:
    response = pyramid_app(cache_control, action).get("/")
    assert len(response.headers.getall("Set-Cookie")) == (1 if action is write else 0)
    assert response.headers.getall("Cache-Control") == expected


def test_pyramid_adapter_warns_on_a_public_response_that_sets_the_cookie() -> None:
    with pytest.warns(RuntimeWarning, match="shared cache"):
        response = pyramid_app(["public, max-age=60"], write).get("/")
    assert response.headers.getall("Cache-Control") == ["public, max-age=60"]
