"""The demo revokes: logout and "log out everywhere" on each of its apps, and
its replay page shows a copied cookie being refused."""

from __future__ import annotations

from typing import Any

import pytest
from webtest import TestApp

from signedsession.demo import make_app
from signedsession.demo.app import default_revocations

SECRET = "test-secret-key-that-is-32-bytes-long!"
APPS = ["wsgi", "flask", "pyramid"]


@pytest.fixture
def demo() -> Any:
    return make_app(SECRET)


def log_in(browser: TestApp, app: str, name: str = "ann") -> str:
    browser.post(f"/{app}/login", {"username": name})
    return str(browser.cookies["session"])


def replay(demo: Any, value: str) -> str:
    page = TestApp(demo).post("/wsgi/replay", {"cookie": f"session={value}"})
    return " ".join(page.html.select_one("#replay-result p").get_text().split())


@pytest.mark.parametrize("app", APPS)
def test_a_cookie_copied_before_logout_is_refused(demo: Any, app: str) -> None:
    browser = TestApp(demo)
    copy = log_in(browser, app)
    assert replay(demo, copy) == "Accepted: it reads as logged in as ann."
    browser.post(f"/{app}/logout")
    assert replay(demo, copy) == "Refused: revoked."


@pytest.mark.parametrize("app", APPS)
def test_log_out_everywhere_ends_the_users_other_browsers(demo: Any, app: str) -> None:
    laptop, phone, other = TestApp(demo), TestApp(demo), TestApp(demo)
    stolen = log_in(laptop, "wsgi")
    log_in(phone, app)
    bob = log_in(other, "flask", "bob")
    response = phone.post(f"/{app}/everywhere").follow()
    assert "Logged out on every device." in response.text
    assert replay(demo, stolen) == "Refused: revoked."
    assert "Not logged in." in laptop.get(f"/{app}/").text
    assert replay(demo, bob) == "Accepted: it reads as logged in as bob."


def test_the_cookie_panel_offers_the_replay(demo: Any) -> None:
    browser = TestApp(demo)
    copy = log_in(browser, "wsgi")
    page = browser.get("/wsgi/")
    assert page.html.select_one("#replay-cookie").get_text() == copy


def test_the_default_store_is_an_sqlite_file() -> None:
    backend = default_revocations()
    assert type(backend).__name__ == "SQLiteRevocations"
    backend.revoke_session("x")
    assert backend.is_revoked("x")
    backend.close()
