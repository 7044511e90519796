"""The demo: WSGI, Flask and Pyramid apps sharing one signed session."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urljoin

import pytest
from djangoproject import configure
from shared import OLD_SECRET, SECRET
from starlette.testclient import TestClient
from webtest import TestApp, TestResponse

import signedsession.demo
import signedsession.demo.app
from signedsession import SessionSettings
from signedsession._codec import Codec
from signedsession.demo import demo_settings
from signedsession.demo import make_app as demo_app
from signedsession.demo.django_app import django_settings

configure()

APPS = ["wsgi", "flask", "pyramid", "django"]
NAMES = {"wsgi": "WSGI", "flask": "Flask", "pyramid": "Pyramid", "django": "Django"}
# 1_800_000_000 (the clock fixture) plus 14 days, the default max_age.
EXPIRES_HTTP = "Fri, 29 Jan 2027 08:00:00 GMT"
DELETED_BY_DJANGO = (
    'session=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'
)
DELETED = (
    "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly;"
    " Path=/; SameSite=Lax"
)


def make_app(secret: str, *, fallback_keys: tuple[str, ...] = ()) -> Any:
    """The demo, its Django app under the Django settings the demo makes."""
    from django.test import override_settings

    overrides = django_settings(demo_settings(secret, fallback_keys=fallback_keys))
    with override_settings(**overrides):  # Django reads MIDDLEWARE here
        app = demo_app(secret, fallback_keys=fallback_keys)

    def with_settings(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with override_settings(**overrides):
            response = app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()

    return with_settings


@pytest.fixture
def clock(clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """conftest's clock, also for the Expires Django's middleware writes."""
    import django.contrib.sessions.middleware

    monkeypatch.setattr(
        django.contrib.sessions.middleware, "time", SimpleNamespace(time=clock)
    )
    return clock


@pytest.fixture(scope="module")
def demo() -> Any:
    return make_app(SECRET)


@pytest.fixture
def browser(demo: Any) -> TestApp:
    """A client with its own cookie jar; WebTest's WSGI lint is on."""
    return TestApp(demo)


def text_of(response: TestResponse, element_id: str) -> str:
    match = re.search(rf"id={element_id}>([^<]*)<", response.text)
    assert match is not None, f"no element with id {element_id}"
    return html.unescape(match.group(1))


def flashes(response: TestResponse) -> list[tuple[str, str]]:
    return [
        (html.unescape(c), html.unescape(m))
        for c, m in re.findall(
            r"<div class=flash><b>([^<]*)</b>([^<]*)</div>", response.text
        )
    ]


def log_in(browser: TestApp, app: str, name: str = "ann") -> TestResponse:
    page = browser.get(f"/{app}/")
    form = page.forms["login-form"]
    form["username"] = name
    response = form.submit()
    assert response.status_int == 303
    assert location(response) == f"http://localhost/{app}/"
    return response


def location(response: TestResponse) -> str:
    """The redirect target, absolute (werkzeug sends a relative one)."""
    return urljoin("http://localhost/", response.headers["Location"])


_ATTRIBUTES = {
    name.lower(): name
    for name in ("Expires", "Max-Age", "HttpOnly", "Path", "SameSite", "Secure")
}


def attributes(set_cookie: str) -> tuple[str, dict[str, str | bool]]:
    """A Set-Cookie value as (name=value, {attribute: value or True}).

    Attribute names are case-insensitive (Django writes ``expires``), and
    Django's WSGI handler puts a space before the value and quotes an empty
    one.
    """
    first, *rest = set_cookie.strip().split("; ")
    name, _, value = first.partition("=")
    attrs: dict[str, str | bool] = {}
    for part in rest:
        key, sep, value_ = part.partition("=")
        attrs[_ATTRIBUTES.get(key.lower(), key)] = value_ if sep else True
    if value == '""':
        value = ""
    return f"{name}={value}", attrs


def one_set_cookie(response: TestResponse) -> str:
    values = response.headers.getall("Set-Cookie")
    assert len(values) == 1
    return str(values[0])


# -- the shared session ---------------------------------------------------------


@pytest.mark.parametrize("login_app", APPS)
def test_login_on_one_app_shows_the_same_user_and_counter_on_all(
    browser: TestApp, login_app: str
) -> None:
    log_in(browser, login_app)
    for app in APPS:
        browser.post(f"/{app}/count")
    for app in APPS:
        page = browser.get(f"/{app}/")
        assert text_of(page, "framework") == NAMES[app]
        assert text_of(page, "user") == "ann"
        assert text_of(page, "counter") == str(len(APPS))


@pytest.mark.parametrize("writer", APPS)
@pytest.mark.parametrize("reader", APPS)
def test_flash_from_one_app_is_shown_once_by_any_other(
    browser: TestApp, writer: str, reader: str
) -> None:
    browser.post(f"/{writer}/count")
    assert flashes(browser.get(f"/{reader}/")) == [(NAMES[writer], "Counter is now 1.")]
    assert flashes(browser.get(f"/{reader}/")) == []


def test_flashes_queue_across_apps_in_order(browser: TestApp) -> None:
    log_in(browser, "pyramid")
    browser.post("/flask/count")
    browser.post("/wsgi/count")
    assert flashes(browser.get("/flask/")) == [
        ("Pyramid", "Logged in as ann."),
        ("Flask", "Counter is now 1."),
        ("WSGI", "Counter is now 2."),
    ]


@pytest.mark.parametrize("logout_app", APPS)
def test_logout_on_any_app_deletes_the_cookie_for_all(
    browser: TestApp, logout_app: str
) -> None:
    log_in(browser, "flask")
    browser.post("/pyramid/count")
    response = browser.post(f"/{logout_app}/logout")
    assert response.status_int == 303
    assert location(response) == f"http://localhost/{logout_app}/?bye=1"
    if logout_app == "django":  # Django's middleware deletes it its way
        assert attributes(one_set_cookie(response)) == attributes(DELETED_BY_DJANGO)
    else:
        assert one_set_cookie(response) == DELETED
    assert browser.cookies == {}
    assert flashes(response.follow()) == [(NAMES[logout_app], "Logged out.")]
    for app in APPS:
        page = browser.get(f"/{app}/")
        assert text_of(page, "user") == "Not logged in."
        assert text_of(page, "counter") == "0"
        assert page.headers.getall("Set-Cookie") == []


@pytest.mark.parametrize("app", APPS)
def test_each_app_sets_the_same_cookie_attributes(
    browser: TestApp, app: str, clock: Any
) -> None:
    name_value, attrs = attributes(one_set_cookie(log_in(browser, app)))
    assert name_value.startswith("session=")
    assert attrs == {
        "Expires": EXPIRES_HTTP,
        "Max-Age": "1209600",
        "HttpOnly": True,
        "Path": "/",
        "SameSite": "Lax",
    }


@pytest.mark.parametrize("app", APPS)
def test_each_app_signs_with_the_shared_settings(browser: TestApp, app: str) -> None:
    log_in(browser, app)
    settings = signedsession.demo.demo_settings(SECRET)
    data = Codec(settings).loads(browser.cookies["session"]).data
    assert data["user"] == "ann"
    assert data["counter"] == 0
    assert data["_flashes"] == [(NAMES[app], "Logged in as ann.")]


def test_viewing_pages_without_a_session_sets_no_cookie(browser: TestApp) -> None:
    for path in ["/", "/wsgi/", "/flask/", "/pyramid/", "/django/"]:
        page = browser.get(path)
        assert page.headers.getall("Set-Cookie") == []
    assert browser.cookies == {}


# -- what each page shows -----------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_page_shows_key_expiry_size_and_decoded_session(
    browser: TestApp, app: str, clock: Any
) -> None:
    set_cookie = one_set_cookie(browser.post("/wsgi/count"))
    clock.advance(90)
    page = browser.get(f"/{app}/")
    assert text_of(page, "key") == "current key"
    assert text_of(page, "expires") == "2027-01-29 08:00:00 UTC (in 13 d 23 h)"
    # The budget counts the header as sent over https, with "; Secure".
    assert text_of(page, "size") == f"{len(set_cookie) + len('; Secure')} of 4093 bytes"
    assert json.loads(text_of(page, "data")) == {
        "_flashes": [["WSGI", "Counter is now 1."]],
        "counter": 1,
    }


def test_page_without_a_cookie_says_so(browser: TestApp) -> None:
    page = browser.get("/pyramid/")
    assert "None yet: log in or count to create one." in page.text
    assert text_of(page, "user") == "Not logged in."


@pytest.mark.parametrize("app", APPS)
def test_cookie_signed_with_a_fallback_key_is_named_and_resigned_by_each_app(
    app: str,
) -> None:
    old = TestApp(make_app(OLD_SECRET))
    log_in(old, "wsgi")
    old.get("/wsgi/")  # takes the flash: the page views below change nothing
    rotated = TestApp(make_app(SECRET, fallback_keys=(OLD_SECRET,)))
    cookie = f"session={old.cookies['session']}"
    page = rotated.get(f"/{app}/", headers={"Cookie": cookie})
    assert text_of(page, "key") == "fallback key 1"
    assert text_of(page, "user") == "ann"
    name_value = attributes(one_set_cookie(page))[0]
    current_only = signedsession.demo.demo_settings(SECRET)
    resigned = Codec(current_only).loads(name_value.removeprefix("session="))
    assert (resigned.key_index, resigned.data["user"]) == (0, "ann")
    assert text_of(rotated.get("/wsgi/"), "key") == "current key"


def test_tampered_cookie_is_shown_as_rejected_and_is_an_empty_session(
    browser: TestApp, caplog: pytest.LogCaptureFixture
) -> None:
    log_in(browser, "wsgi")
    value = browser.cookies["session"]
    tampered = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    page = TestApp(browser.app).get("/wsgi/", headers={"Cookie": f"session={tampered}"})
    assert text_of(page, "rejected") == "bad signature"
    assert one_set_cookie(page) == DELETED
    assert text_of(page, "user") == "Not logged in."
    assert [r.getMessage() for r in caplog.records] == [
        "session cookie rejected: bad signature"
    ]


def test_home_page_links_the_four_apps(browser: TestApp) -> None:
    page = browser.get("/")
    assert page.status_int == 200
    assert page.content_type == "text/html"
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', page.text)
    assert links == [
        ("/wsgi/", "WSGI"),
        ("/flask/", "Flask"),
        ("/pyramid/", "Pyramid"),
        ("/django/", "Django"),
        ("/starlette/", "Starlette"),
    ]


@pytest.mark.parametrize("app", APPS)
def test_user_name_is_escaped_and_trimmed(browser: TestApp, app: str) -> None:
    log_in(browser, app, "  <b>eve</b>   &  co ")
    page = browser.get(f"/{app}/")
    assert text_of(page, "user") == "<b>eve</b> & co"
    assert "<b>eve</b> &" not in page.text


@pytest.mark.parametrize("app", APPS)
def test_blank_user_name_is_refused_with_a_message(browser: TestApp, app: str) -> None:
    browser.post(f"/{app}/login", {"username": "   "})
    page = browser.get(f"/{app}/")
    assert text_of(page, "user") == "Not logged in."
    assert flashes(page) == [(NAMES[app], "Enter a user name of 1 to 40 letters.")]


@pytest.mark.parametrize(
    "path", ["/nope", "/wsgi/nope", "/flask/nope", "/pyramid/nope", "/django/nope"]
)
def test_unknown_paths_are_404(browser: TestApp, path: str) -> None:
    assert browser.get(path, status=404).status_int == 404


# -- serving ---------------------------------------------------------------------


class FakeServer:
    effective_port = 8123
    runs = 0

    def run(self) -> None:
        self.runs += 1


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Replace uvicorn with a recorder: serve() returns at once."""
    seen: dict[str, Any] = {"server": FakeServer()}

    def create_asgi_server(app: Any, *, host: str, port: int) -> FakeServer:
        seen.update(app=app, host=host, port=port)
        return seen["server"]  # type: ignore[no-any-return]

    monkeypatch.setattr(
        signedsession.demo.app, "create_asgi_server", create_asgi_server
    )
    yield seen


def asgi_log_in(app: Any, where: str) -> TestClient:
    """A client of the served ASGI app, logged in as ann on ``where``."""
    client = TestClient(app, base_url="http://localhost")
    response = client.post(f"/{where}/login", data={"username": "ann"})
    assert response.status_code == 200  # after the 303
    return client


def test_serve_without_a_secret_prints_a_notice_and_uses_a_random_one(
    served: dict[str, Any],
) -> None:
    out = io.StringIO()
    signedsession.demo.serve(host="127.0.0.1", port=8123, environ={}, out=out)
    assert out.getvalue() == (
        "SIGNEDSESSION_SECRET_KEY is not set: using a random secret key for this"
        " run, so sessions end when the demo stops. To keep them: export"
        " SIGNEDSESSION_SECRET_KEY=$(signedsession genkey)\n"
        "signedsession demo: serving on http://127.0.0.1:8123/ (Ctrl+C to stop)\n"
        "  WSGI      http://127.0.0.1:8123/wsgi/\n"
        "  Flask     http://127.0.0.1:8123/flask/\n"
        "  Pyramid   http://127.0.0.1:8123/pyramid/\n"
        "  Django    http://127.0.0.1:8123/django/\n"
        "  Starlette http://127.0.0.1:8123/starlette/\n"
    )
    assert served["server"].runs == 1
    cookie = asgi_log_in(served["app"], "wsgi").cookies["session"]
    with pytest.raises(ValueError, match="bad signature"):
        Codec(SessionSettings(secret_key=SECRET)).loads(cookie)


def test_serve_signs_with_the_secret_from_the_environment(
    served: dict[str, Any],
) -> None:
    out = io.StringIO()
    environ = {
        "SIGNEDSESSION_SECRET_KEY": SECRET,
        "SIGNEDSESSION_FALLBACK_KEYS": f"{OLD_SECRET} {OLD_SECRET[::-1]}",
    }
    signedsession.demo.serve(host="0.0.0.0", port=9000, environ=environ, out=out)
    assert out.getvalue().splitlines() == [
        "signedsession demo: serving on http://0.0.0.0:8123/ (Ctrl+C to stop)",
        "  WSGI      http://0.0.0.0:8123/wsgi/",
        "  Flask     http://0.0.0.0:8123/flask/",
        "  Pyramid   http://0.0.0.0:8123/pyramid/",
        "  Django    http://0.0.0.0:8123/django/",
        "  Starlette http://0.0.0.0:8123/starlette/",
        "  accepting 2 fallback key(s) from SIGNEDSESSION_FALLBACK_KEYS",
    ]
    assert (served["host"], served["port"]) == ("0.0.0.0", 9000)
    client = asgi_log_in(served["app"], "pyramid")
    settings = signedsession.demo.demo_settings(SECRET)
    assert Codec(settings).loads(client.cookies["session"]).data["user"] == "ann"


def test_serve_reports_a_short_secret_in_one_line(served: dict[str, Any]) -> None:
    out = io.StringIO()
    environ = {"SIGNEDSESSION_SECRET_KEY": "too-short"}
    signedsession.demo.serve(host="127.0.0.1", port=8123, environ=environ, out=out)
    assert out.getvalue().splitlines()[:2] == [
        "signedsession demo: warning: secret_key is 9 bytes; use at least 32"
        " random bytes (signedsession genkey)",
        "signedsession demo: serving on http://127.0.0.1:8123/ (Ctrl+C to stop)",
    ]
    client = asgi_log_in(served["app"], "flask")  # no warning left for it
    page = client.get("/starlette/").text
    assert re.search(r"<b id=user>ann</b>", page)


def test_importing_signedsession_and_the_demo_loads_no_framework() -> None:
    code = (
        "import sys, signedsession, signedsession.cli, signedsession.demo;"
        " print(sorted(m for m in ('flask', 'pyramid', 'waitress', 'webob', 'django')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


def test_demo_configures_django_itself() -> None:
    """In a process where nothing configured Django, as under ``signedsession demo``."""
    code = f"""
import re
from webtest import TestApp
from signedsession.demo import make_app
from django.conf import settings
browser = TestApp(make_app({SECRET!r}))
assert settings.SESSION_ENGINE == "signedsession.adapters.django"
page = browser.get("/django/")
form = page.forms["login-form"]
form["username"] = "ann"
assert form.submit().status_int == 303
browser.post("/django/count")
page = browser.get("/pyramid/")
print(re.search(r"id=user>([^<]*)<", page.text).group(1),
      re.search(r"id=counter>([^<]*)<", page.text).group(1))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "ann 1\n", "")


# -- the Starlette app, served with the WSGI apps by uvicorn ------------------------


def user_on(client: Any, app: str) -> str | None:
    match = re.search(r"<b id=user>([^<]*)</b>", client.get(f"/{app}/").text)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def demo_django_settings() -> Any:
    """The Django settings the demo makes, for a demo built by the test itself
    (this process configured Django before the demo could)."""
    from django.test import override_settings

    with override_settings(**django_settings(demo_settings(SECRET))):
        yield


@pytest.mark.usefixtures("demo_django_settings")
def test_starlette_app_shares_the_session_with_the_wsgi_apps() -> None:
    client = TestClient(signedsession.demo.make_asgi_app(SECRET))
    client.post("/starlette/login", data={"username": "ann"})
    assert [user_on(client, app) for app in [*APPS, "starlette"]] == ["ann"] * 5
    client.post("/flask/count")
    client.post("/starlette/count", follow_redirects=False)  # flash not yet shown
    page = client.get("/pyramid/").text
    assert re.search(r"<b id=counter>2</b>", page)
    assert "Counter is now 2." in page  # Starlette's flash, shown by Pyramid
    response = client.post("/starlette/logout", follow_redirects=False)
    assert response.headers["set-cookie"] == DELETED
    assert response.headers["location"] == "/starlette/?bye=1"


def test_starlette_page_reads_a_cookie_set_by_flask() -> None:
    client = TestClient(signedsession.demo.make_asgi_app(SECRET))
    client.post("/flask/login", data={"username": "bob"})
    page = client.get("/starlette/").text
    assert "This page is served by <span id=framework>Starlette</span>" in page
    assert user_on(client, "starlette") == "bob"


@pytest.mark.usefixtures("demo_django_settings")
def test_demo_is_served_by_uvicorn() -> None:
    import threading

    import httpx

    server = signedsession.demo.create_asgi_server(
        signedsession.demo.make_asgi_app(SECRET), host="127.0.0.1", port=0
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.server.started:
                break
            threading.Event().wait(0.01)
        base = f"http://127.0.0.1:{server.effective_port}"
        with httpx.Client(base_url=base, follow_redirects=True) as client:
            client.post("/starlette/login", data={"username": "cy"})
            for app in APPS:
                page = client.get(f"/{app}/").text
                assert re.search(r"<b id=user>cy</b>", page), app
            client.post("/wsgi/logout")
            assert "session" not in client.cookies
            assert user_on(client, "starlette") is None
    finally:
        server.server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()
