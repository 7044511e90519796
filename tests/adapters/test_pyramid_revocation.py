"""Revocation through the Pyramid adapter: invalidate() is a logout."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.response import Response
from setcookie import set_cookies

from signedsession.adapters.pyramid import SignedSessionFactory

SECRET = "test-secret-key-that-is-32-bytes-long!"


def login(request: Any) -> Response:
    request.session["user"] = request.params["user"]
    return Response(request.params["user"])


def whoami(request: Any) -> Response:
    return Response(request.session.get("user", "anonymous"))


def logout(request: Any) -> Response:
    request.session.invalidate()
    return Response("bye")


def everywhere(request: Any) -> Response:
    request.session.revoke_user_sessions()
    return Response("bye everywhere")


def others(request: Any) -> Response:
    request.session.revoke_user_sessions(keep_current=True)
    return Response("others gone")


def make_app(factory: Any = None, settings: dict[str, Any] | None = None) -> Any:
    with Configurator(settings=settings) as config:
        if factory is None:
            config.include("signedsession.adapters.pyramid")
        else:
            config.set_session_factory(factory)
        for name, view in {
            "login": login,
            "whoami": whoami,
            "logout": logout,
            "everywhere": everywhere,
            "others": others,
        }.items():
            config.add_route(name, f"/{name}")
            config.add_view(view, route_name=name)
        return config.make_wsgi_app()


def cookie_of(response: Any) -> str:
    ((_, value, _),) = set_cookies(response)
    return value


def replay(app: Any, value: str) -> str:
    response = webtest.TestApp(app).get(
        "/whoami", headers={"Cookie": f"session={value}"}
    )
    return str(response.text)


@pytest.fixture
def app(make_revocations: Callable[..., Any]) -> Any:
    return make_app(
        SignedSessionFactory(SECRET, revocations=make_revocations(), user_key="user")
    )


def test_invalidate_revokes_a_copied_cookie(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    browser = webtest.TestApp(app, lint=True)
    copy = cookie_of(browser.get("/login?user=alice"))
    assert replay(app, copy) == "alice"
    browser.get("/logout")
    with caplog.at_level("WARNING", "signedsession.security"):
        assert replay(app, copy) == "anonymous"
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: revoked"
    ]


def test_log_out_everywhere(app: Any) -> None:
    laptop, phone = webtest.TestApp(app), webtest.TestApp(app)
    stolen = cookie_of(laptop.get("/login?user=alice"))
    phone.get("/login?user=alice")
    other = cookie_of(webtest.TestApp(app).get("/login?user=bob"))
    phone.get("/everywhere")
    assert replay(app, stolen) == "anonymous"
    assert replay(app, other) == "bob"


def test_log_out_other_devices(app: Any, clock: Any) -> None:
    laptop, phone = webtest.TestApp(app), webtest.TestApp(app)
    stolen = cookie_of(laptop.get("/login?user=alice"))
    phone.get("/login?user=alice")
    clock.advance(1)  # revocation cuts off at the end of the current second
    kept = cookie_of(phone.get("/others"))
    assert replay(app, stolen) == "anonymous"
    assert replay(app, kept) == "alice"


def test_ini_settings(tmp_path: Any) -> None:
    app = make_app(
        settings={
            "signedsession.secret_key": SECRET,
            "signedsession.revocations": f"sqlite:///{tmp_path}/revoked.sqlite3",
            "signedsession.user_key": "user",
        }
    )
    browser = webtest.TestApp(app)
    stolen = cookie_of(browser.get("/login?user=alice"))
    browser.get("/everywhere")
    assert replay(app, stolen) == "anonymous"


def test_ini_revocations_none_means_off() -> None:
    app = make_app(
        settings={
            "signedsession.secret_key": SECRET,
            "signedsession.revocations": "None",
        }
    )
    browser = webtest.TestApp(app)
    copy = cookie_of(browser.get("/login?user=alice"))
    browser.get("/logout")
    assert replay(app, copy) == "alice"


def test_ini_bad_url_names_the_option() -> None:
    with pytest.raises(ConfigurationError, match="revocations must be"):
        make_app(
            settings={
                "signedsession.secret_key": SECRET,
                "signedsession.revocations": "postgres://x",
            }
        )
