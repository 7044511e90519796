"""Load with faults through real waitress servers on 127.0.0.1.

32 concurrent clients, each a urllib opener with its own cookie jar, send
200 requests each: reads, counter increments, logouts and, now and then, a
tampered cookie (after which the client starts over from an empty session).
Every response is checked against the client's own expectation, so a lost
or crossed write fails the test. Then a rolling key rotation: clients move,
each at its own moment, from a server signing with the old key to one
signing with a new key that still accepts the old; nobody is logged out, and
every cookie the new server issues verifies with the new key alone.

Throughput and latency are printed, not asserted.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any, Callable

import pytest
from shared import OLD_SECRET

from signedsession import SessionMiddleware, SessionSettings
from signedsession._codec import Codec
from signedsession.exceptions import InvalidCookie

pytestmark = pytest.mark.slow

OLD_KEY = OLD_SECRET  # the key rotated out
NEW_KEY = "the-new-secret-key-at-least-32-bytes!!"
CLIENTS = 32
REQUESTS = 200
ROTATION_REQUESTS = 100
TIMEOUT = 10  # seconds, per request and per join


def counter_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``/inc`` counts, ``/read`` shows the count, ``/logout`` flushes."""
    session = environ["signedsession.session"]
    path = environ["PATH_INFO"]
    if path == "/logout":
        session.flush()
        count = 0
    elif path == "/inc":
        count = session["n"] = session.get("n", 0) + 1
    else:
        count = session.get("n", 0)
    body = str(count).encode()
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    )
    return [body]


@pytest.fixture
def serve(serve_wsgi: Callable[..., str]) -> Callable[[SessionSettings], str]:
    """Start counter servers on ephemeral ports; stopped after the test."""

    def start(settings: SessionSettings) -> str:
        return serve_wsgi(SessionMiddleware(counter_app, settings))

    return start


@dataclass
class Client:
    """A browser stand-in that knows what its counter must be."""

    number: int
    base_url: str
    expected: int = 0
    latencies: list[float] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    server_errors: int = 0
    #: How often each action was taken.
    actions: dict[str, int] = field(default_factory=dict)
    #: Every Set-Cookie value received, with the server that sent it.
    issued: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def call(self, path: str) -> int | None:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base_url + path, timeout=TIMEOUT) as response:
                body = response.read().decode()
                headers = response.headers.get_all("Set-Cookie", [])
        except urllib.error.HTTPError as exc:
            self.latencies.append(time.perf_counter() - started)
            if exc.code >= 500:
                self.server_errors += 1
            self.mismatches.append(f"{path}: HTTP {exc.code}")
            return None
        self.latencies.append(time.perf_counter() - started)
        count = int(body)
        for header in headers:
            name, _, rest = header.partition("=")
            if name == "session" and rest.split(";")[0]:
                self.issued.append((self.base_url, rest.split(";")[0], count))
        return count

    def expect(self, path: str, count: int | None) -> None:
        if count != self.expected:
            self.mismatches.append(f"{path}: got {count}, expected {self.expected}")
            if count is not None:
                self.expected = count  # one mismatch, not a cascade

    def step(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1
        if action == "inc":
            self.expected += 1
            self.expect("/inc", self.call("/inc"))
        elif action == "read":
            self.expect("/read", self.call("/read"))
        elif action == "logout":
            self.expected = 0
            self.expect("/logout", self.call("/logout"))
        else:  # tamper: corrupt the cookie once; the server starts over
            for cookie in self.jar:
                if cookie.name == "session" and cookie.value:
                    last = cookie.value[-1]
                    cookie.value = cookie.value[:-1] + ("A" if last != "A" else "B")
            self.expected = 0
            self.expect("/read", self.call("/read"))


ACTIONS = ["inc"] * 10 + ["read"] * 6 + ["logout"] + ["tamper"]


def run_clients(clients: list[Client], work: Callable[[Client], None]) -> float:
    """Run ``work`` for every client in its own thread; the elapsed seconds."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clients))

    def run(client: Client) -> None:
        try:
            barrier.wait(TIMEOUT)
            work(client)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 10)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return elapsed


def report(title: str, clients: list[Client], elapsed: float) -> str:
    latencies = sorted(x for c in clients for x in c.latencies)
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{title}: {len(latencies)} requests in {elapsed:.2f} s ="
        f" {len(latencies) / elapsed:.0f} req/s; p50 {cuts[49] * 1000:.1f} ms,"
        f" p99 {cuts[98] * 1000:.1f} ms;"
        f" lost updates {sum(len(c.mismatches) for c in clients)},"
        f" 5xx {sum(c.server_errors for c in clients)}"
    )


def test_concurrent_clients_with_faults_lose_nothing(
    serve: Callable[[SessionSettings], str], capsys: pytest.CaptureFixture[str]
) -> None:
    base_url = serve(SessionSettings(secret_key=NEW_KEY))
    clients = [Client(i, base_url) for i in range(CLIENTS)]

    def work(client: Client) -> None:
        rng = random.Random(client.number)
        for _ in range(REQUESTS - 1):
            client.step(rng.choice(ACTIONS))
        client.step("read")  # the final count, checked like every other

    elapsed = run_clients(clients, work)
    with capsys.disabled():
        print("\n" + report("load with faults", clients, elapsed))
    assert [c.mismatches for c in clients] == [[] for _ in clients]
    assert sum(c.server_errors for c in clients) == 0
    assert sum(len(c.latencies) for c in clients) == CLIENTS * REQUESTS
    # The faults did happen, many times over.
    assert min(sum(c.actions.get(a, 0) for c in clients) for a in ACTIONS) > 100
    # Each client's last answer was its own exact count.
    assert all(c.expected == c.call("/read") for c in clients)


def test_rolling_key_rotation_logs_nobody_out(
    serve: Callable[[SessionSettings], str], capsys: pytest.CaptureFixture[str]
) -> None:
    old_server = serve(SessionSettings(secret_key=OLD_KEY))
    new_server = serve(SessionSettings(secret_key=NEW_KEY, fallback_keys=(OLD_KEY,)))
    clients = [Client(i, old_server) for i in range(CLIENTS)]

    def work(client: Client) -> None:
        rng = random.Random(1000 + client.number)
        move_at = rng.randrange(ROTATION_REQUESTS // 4, 3 * ROTATION_REQUESTS // 4)
        for index in range(ROTATION_REQUESTS):
            if index == move_at:
                client.base_url = new_server
            client.step(rng.choice(["inc", "inc", "read"]))

    elapsed = run_clients(clients, work)
    with capsys.disabled():
        print("\n" + report("rolling key rotation", clients, elapsed))
    assert [c.mismatches for c in clients] == [[] for _ in clients]
    assert sum(c.server_errors for c in clients) == 0
    # Nobody was logged out: every count continued across the move.
    assert all(c.expected > 0 for c in clients)
    assert all(
        {url for url, _, _ in c.issued} == {old_server, new_server} for c in clients
    )

    new_key_only = Codec.of(SessionSettings(secret_key=NEW_KEY))
    old_key_only = Codec.of(SessionSettings(secret_key=OLD_KEY))
    from_new = [(v, n) for c in clients for url, v, n in c.issued if url == new_server]
    assert len(from_new) >= CLIENTS  # each client was re-signed at least once
    assert [new_key_only.loads(value).data for value, _ in from_new] == [
        {"n": count} for _, count in from_new
    ]
    for value, _ in from_new:
        with pytest.raises(InvalidCookie):
            old_key_only.loads(value)


def test_rotation_step_two_survives_requests_alternating_between_servers(
    serve: Callable[[SessionSettings], str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The fleet procedure's middle step: servers already deployed with the
    # new key as a fallback, and servers that sign with it, side by side.
    # A load balancer sends each request to either; nobody is logged out.
    step_one = serve(SessionSettings(secret_key=OLD_KEY, fallback_keys=(NEW_KEY,)))
    step_two = serve(SessionSettings(secret_key=NEW_KEY, fallback_keys=(OLD_KEY,)))
    clients = [Client(i, step_one) for i in range(CLIENTS // 2)]

    def work(client: Client) -> None:
        rng = random.Random(2000 + client.number)
        for _ in range(ROTATION_REQUESTS // 2):
            client.base_url = rng.choice([step_one, step_two])
            client.step(rng.choice(["inc", "inc", "read"]))

    elapsed = run_clients(clients, work)
    with capsys.disabled():
        print("\n" + report("rotation, alternating servers", clients, elapsed))
    assert [c.mismatches for c in clients] == [[] for _ in clients]
    assert sum(c.server_errors for c in clients) == 0
    assert all(c.expected > 0 for c in clients)
