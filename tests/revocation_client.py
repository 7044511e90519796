"""An HTTP client for the revocation e2e tests (one request per connection)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

#: Seconds within which every process refuses a revoked session.
BOUND = 1.0


def get(base: str, path: str, cookie: str | None = None) -> tuple[int, str, str | None]:
    """Status, body and the new cookie value (if any) of one request."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode()
        set_cookie = response.getheader("Set-Cookie")
    finally:
        connection.close()
    value = None
    if set_cookie:
        value = set_cookie.split(";", 1)[0].split("=", 1)[1]
    return response.status, body, value
