"""End to end in a real browser: headless Chromium against the demo server.

Chromium and ChromeDriver are Debian's (``scripts/install-browser.sh``, run
by ``make test``). Without them the test is skipped, unless
``SIGNEDSESSION_REQUIRE_BROWSER`` is set (CI sets it): then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from djangoproject import configure
from shared import SECRET

from signedsession.demo import create_server, demo_settings, make_app
from signedsession.demo.django_app import django_settings

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TIMEOUT = 20  # seconds, for every page load, wait and join


def missing_browser() -> list[str]:
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]


@pytest.fixture
def base_url(serve_wsgi: Callable[..., str]) -> Iterator[str]:
    """The demo, served by the demo's own waitress server on an ephemeral port.

    Django's settings are shared with this process's other Django tests:
    the demo's own (what ``signedsession demo`` configures) are in force
    while it is served.
    """
    from django.test import override_settings

    configure()
    with override_settings(**django_settings(demo_settings(SECRET))):
        yield serve_wsgi(make_app(SECRET), create=create_server)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium with a fresh profile, driven through ChromeDriver."""
    missing = missing_browser()
    if missing:
        message = (
            f"not installed: {', '.join(missing)} (run: bash"
            " scripts/install-browser.sh as root)"
        )
        if os.environ.get("SIGNEDSESSION_REQUIRE_BROWSER"):
            pytest.fail(f"SIGNEDSESSION_REQUIRE_BROWSER is set but {message}")
        pytest.skip(message)

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1100,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    browser = webdriver.Chrome(service=service, options=options)
    try:
        browser.set_page_load_timeout(TIMEOUT)
        browser.set_script_timeout(TIMEOUT)
        yield browser
    finally:
        browser.quit()


def wait_for_text(driver: Any, element_id: str, text: str) -> None:
    from selenium.common.exceptions import (
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d: Any) -> bool:
        elements = d.find_elements(By.ID, element_id)
        try:
            return bool(elements) and elements[0].text == text
        except WebDriverException as exc:
            # Chromium's form of a stale element, when the page is replaced
            # between the find and the read (a logout's redirect).
            if "does not belong to the document" in str(exc.msg):
                return False
            raise

    # The page may be replaced between finding the element and reading it.
    wait = WebDriverWait(
        driver, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)
    )
    wait.until(shown, f"#{element_id} never read {text!r}")


def click(driver: Any, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, element_id).click()


def session_cookies(driver: Any) -> list[dict[str, Any]]:
    return [c for c in driver.get_cookies() if c["name"] == "session"]


def test_log_in_on_flask_shows_the_session_on_pyramid_wsgi_django_then_log_out(
    driver: Any, base_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/flask/")
    wait_for_text(driver, "framework", "Flask")
    assert session_cookies(driver) == []

    driver.find_element(By.ID, "username").send_keys("ann")
    click(driver, "login")
    wait_for_text(driver, "user", "ann")
    click(driver, "count")
    wait_for_text(driver, "counter", "1")
    click(driver, "count")
    wait_for_text(driver, "counter", "2")

    for app, name in (("pyramid", "Pyramid"), ("wsgi", "WSGI"), ("django", "Django")):
        driver.get(f"{base_url}/{app}/")
        wait_for_text(driver, "framework", name)
        wait_for_text(driver, "user", "ann")
        wait_for_text(driver, "counter", "2")
        wait_for_text(driver, "key", "current key")
    # Django's SessionMiddleware writes the shared cookie; the others read it.
    click(driver, "count")
    wait_for_text(driver, "counter", "3")
    driver.get(f"{base_url}/wsgi/")
    wait_for_text(driver, "counter", "3")

    (cookie,) = session_cookies(driver)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is False
    assert cookie["domain"] == "127.0.0.1"
    assert isinstance(cookie["expiry"], int)  # Max-Age: a persistent cookie

    screenshot = tmp_path / "demo-wsgi-page.png"
    assert driver.save_screenshot(str(screenshot)) is True
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000

    # Log out on Django: flush() there, and Django's middleware deletes the
    # cookie every app reads.
    driver.get(f"{base_url}/django/")
    wait_for_text(driver, "user", "ann")
    click(driver, "logout")
    wait_for_text(driver, "user", "Not logged in.")
    assert session_cookies(driver) == []
    driver.get(f"{base_url}/flask/")
    wait_for_text(driver, "user", "Not logged in.")
    wait_for_text(driver, "counter", "0")


def chunk_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``/store?size=n`` stores n characters that compress little; ``/show``
    shows how many came back and the cookie names the browser sent."""
    import base64
    import html
    import random
    from urllib.parse import parse_qs

    session = environ["signedsession.session"]
    if environ["PATH_INFO"] == "/store":
        size = int(parse_qs(environ["QUERY_STRING"])["size"][0])
        data = random.Random(size).randbytes(size)
        session["big"] = base64.b64encode(data).decode()[:size]
    sent = [
        part.split("=", 1)[0].strip()
        for part in environ.get("HTTP_COOKIE", "").split(";")
        if part.strip()
    ]
    body = (
        "<!doctype html><title>chunks</title>"
        f'<p id="size">{len(session.get("big", ""))}</p>'
        f'<p id="sent">{html.escape(" ".join(sent))}</p>'
    ).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def test_chromium_keeps_and_sends_every_chunk_then_drops_the_stale_ones(
    driver: Any, serve_wsgi: Callable[..., str]
) -> None:
    from signedsession import SessionMiddleware, SessionSettings

    settings = SessionSettings(secret_key=SECRET, max_chunks=4)
    base = serve_wsgi(SessionMiddleware(chunk_app, settings))

    def names() -> list[str]:
        return sorted(c["name"] for c in driver.get_cookies())

    # 10,000 characters: three cookies of 4 KB.
    driver.get(f"{base}/store?size=10000")
    wait_for_text(driver, "size", "10000")
    assert names() == ["session", "session.1", "session.2"]
    assert all(c["httpOnly"] and c["path"] == "/" for c in driver.get_cookies())
    driver.get(f"{base}/show")
    wait_for_text(driver, "size", "10000")  # joined and verified by the server
    wait_for_text(driver, "sent", "session session.1 session.2")

    # A smaller session in two cookies: chunk 2 is deleted in that response.
    driver.get(f"{base}/store?size=5000")
    wait_for_text(driver, "size", "5000")
    assert names() == ["session", "session.1"]
    driver.get(f"{base}/show")
    wait_for_text(driver, "size", "5000")
    wait_for_text(driver, "sent", "session session.1")

    # One cookie again: every chunk goes.
    driver.get(f"{base}/store?size=100")
    driver.get(f"{base}/show")
    wait_for_text(driver, "size", "100")
    wait_for_text(driver, "sent", "session")
    assert names() == ["session"]
