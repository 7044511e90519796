"""End to end: SessionMiddleware behind a real waitress server on 127.0.0.1."""

from __future__ import annotations

import threading
import urllib.request
from http.cookiejar import CookieJar
from typing import Any, Callable

import pytest

from signedsession import SessionMiddleware, SessionSettings

pytestmark = pytest.mark.slow

TIMEOUT = 10  # seconds, per request and per join; the module runs in about 2 s


def demo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Counts requests per session; /logout flushes the session."""
    session = environ["signedsession.session"]
    if environ["PATH_INFO"] == "/logout":
        session.flush()
        body = "bye"
    else:
        client = environ.get("HTTP_X_CLIENT", "anonymous")
        owner = session.setdefault("owner", client)
        session["n"] = session.get("n", 0) + 1
        body = f"{owner} {session['n']}"
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode()]


@pytest.fixture
def base_url(settings: SessionSettings, serve_wsgi: Callable[..., str]) -> str:
    """The demo app behind SessionMiddleware on waitress, on an ephemeral port."""
    return serve_wsgi(SessionMiddleware(demo_app, settings))


class Client:
    """A browser stand-in: urllib with its own cookie jar."""

    def __init__(self, base_url: str, name: str = "anonymous") -> None:
        self.base_url = base_url
        self.name = name
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def get(self, path: str) -> tuple[str, list[str]]:
        request = urllib.request.Request(
            self.base_url + path, headers={"X-Client": self.name}
        )
        with self.opener.open(request, timeout=TIMEOUT) as response:
            assert response.status == 200
            return response.read().decode(), response.headers.get_all("Set-Cookie", [])


def test_counter_over_many_requests(base_url: str) -> None:
    client = Client(base_url, "alice")
    bodies = [client.get("/")[0] for _ in range(100)]
    assert bodies == [f"alice {n}" for n in range(1, 101)]
    assert [cookie.name for cookie in client.jar] == ["session"]


def test_logout_deletes_the_cookie(base_url: str) -> None:
    client = Client(base_url, "bob")
    for _ in range(3):
        client.get("/")
    body, set_cookie = client.get("/logout")
    assert body == "bye"
    [header] = set_cookie
    name_value, *attributes = header.split("; ")
    assert name_value == "session="
    assert sorted(attributes) == sorted(
        [
            "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "Max-Age=0",
            "HttpOnly",
            "Path=/",
            "SameSite=Lax",
        ]
    )
    assert list(client.jar) == []
    assert client.get("/")[0] == "bob 1"


def test_concurrent_clients_keep_their_own_counts(base_url: str) -> None:
    clients, requests = 16, 50
    barrier = threading.Barrier(clients)
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(client: Client) -> None:
        try:
            barrier.wait(TIMEOUT)
            results[client.name] = [client.get("/")[0] for _ in range(requests)]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(Client(base_url, f"client-{i}"),))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    assert errors == []
    assert results == {
        f"client-{i}": [f"client-{i} {n}" for n in range(1, requests + 1)]
        for i in range(clients)
    }
