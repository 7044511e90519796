"""The performance targets: one table, read by the analysis, printed by the page.

Each row names a contender, a workload (``"*"``: every workload measured),
a metric and a bound. The analysis (:mod:`benchmarks.analysis`) judges each
row on the medians of one run; the page prints the rows with their verdicts.
To change a target, change its row here: nothing else states it.

Metrics:

- :data:`OVERHEAD_US`: the contender's overhead over its bare app, at most
  ``bound``;
- :data:`RATIO`: its overhead divided by the overhead of contender
  ``versus`` on the same workload (or ``"key:workload"``: of that cell),
  at most ``bound``;
- :data:`EVERY_PEER_US`: its overhead divided by each peer's on the same
  workload, below ``bound`` for every peer (1.0: ahead of all of them);
- :data:`EVERY_PEER_BYTES`: the length of the session cookie value it set,
  divided by each peer's, below ``bound`` for every peer;
- :data:`GLUE_US`: an adapter's glue, at most ``bound`` µs: its overhead
  minus :data:`MIDDLEWARE`'s and minus that of contender ``versus``, its
  framework's session plumbing around a session that does nothing (per
  round, then the median).
"""

from __future__ import annotations

from dataclasses import dataclass

from .stats import TIMES

__all__ = [
    "EVERY_PEER_BYTES",
    "EVERY_PEER_US",
    "GLUE_US",
    "METRICS",
    "MIDDLEWARE",
    "OVERHEAD_US",
    "RATIO",
    "TARGETS",
    "Target",
]

OVERHEAD_US = "µs"
RATIO = f"{TIMES} versus"
EVERY_PEER_US = f"{TIMES} every peer, µs"
EVERY_PEER_BYTES = f"{TIMES} every peer, bytes"
GLUE_US = "µs glue over signedsession + versus"
METRICS = (OVERHEAD_US, RATIO, EVERY_PEER_US, EVERY_PEER_BYTES, GLUE_US)

#: The contender whose overhead an adapter's glue leaves out: the WSGI
#: middleware, which does the same session work with no framework around it.
MIDDLEWARE = "signedsession"

#: Workload name meaning every workload of the run.
EVERY_WORKLOAD = "*"


@dataclass(frozen=True)
class Target:
    """One performance target.

    :param name: what the target says, as the page prints it.
    :param contender: the key of the contender judged.
    :param workload: the workload name, or ``"*"`` for every workload.
    :param metric: one of :data:`METRICS`.
    :param bound: the limit the measured value must stay within.
    :param source: the issue that set the target.
    :param versus: the other side of a :data:`RATIO` metric; the
        framework's plumbing contender of a :data:`GLUE_US` one.
    """

    name: str
    contender: str
    workload: str
    metric: str
    bound: float
    source: str
    versus: str = ""

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        if (self.metric in (RATIO, GLUE_US)) != bool(self.versus):
            raise ValueError(
                f"versus is for the {RATIO!r} and {GLUE_US!r} metrics only,"
                f" and they need one: {self.name}"
            )

    @property
    def strict(self) -> bool:
        """Whether the value must be below the bound, not at most it."""
        return self.metric in (EVERY_PEER_US, EVERY_PEER_BYTES)


def _floor(workload: str, source: str) -> Target:
    return Target(
        f"SessionMiddleware ≤ 1.3{TIMES} the floor",
        "signedsession",
        workload,
        RATIO,
        1.3,
        source,
        versus="floor",
    )


def _encrypted(workload: str) -> Target:
    return Target(
        f"encrypt=True ≤ 1.2{TIMES} signed",
        "signedsession-encrypted",
        workload,
        RATIO,
        1.2,
        "issue 15",
        versus="signedsession",
    )


def _adapter(framework: str, workload: str) -> Target:
    return Target(
        f"{framework.capitalize()} adapter ≤ 0.35{TIMES} {framework.capitalize()}'s"
        " default",
        f"{framework}-signedsession",
        workload,
        RATIO,
        0.35,
        "issue 6",
        versus=f"{framework}-default",
    )


def _glue(framework: str, workload: str) -> Target:
    return Target(
        f"{framework.capitalize()} adapter glue ≤ 2 µs",
        f"{framework}-signedsession",
        workload,
        GLUE_US,
        2.0,
        "issue 18",
        versus=f"{framework}-plumbing",
    )


def _django(workload: str) -> Target:
    return Target(
        f"Django engine ≤ 0.35{TIMES} Django's signed_cookies",
        "django-signedsession",
        workload,
        RATIO,
        0.35,
        "issue 16",
        versus="django-signed",
    )


def _asgi(workload: str) -> Target:
    return Target(
        f"ASGI SessionMiddleware ≤ 0.35{TIMES} Starlette's",
        "signedsession-asgi",
        workload,
        RATIO,
        0.35,
        "issue 17",
        versus="starlette-session",
    )


#: Every target, in the order the page lists them.
TARGETS: tuple[Target, ...] = (
    _floor("read", "issue 6"),
    _floor("write", "issue 6"),
    _floor("read_login", "issue 18"),
    _floor("write_login", "issue 18"),
    Target(
        "untouched session ≤ 1 µs over bare",
        "signedsession",
        "untouched",
        OVERHEAD_US,
        1.0,
        "issue 6",
    ),
    Target(
        "tampered cookie ≤ a valid read",
        "signedsession",
        "tampered",
        RATIO,
        1.0,
        "issue 6",
        versus="signedsession:read",
    ),
    Target(
        "SessionMiddleware ahead of every peer in time",
        "signedsession",
        EVERY_WORKLOAD,
        EVERY_PEER_US,
        1.0,
        "issues 6, 18",
    ),
    Target(
        "SessionMiddleware's cookie shorter than every peer's",
        "signedsession",
        EVERY_WORKLOAD,
        EVERY_PEER_BYTES,
        1.0,
        "issue 18",
    ),
    _encrypted("read"),
    _encrypted("write"),
    _encrypted("read_login"),
    _encrypted("write_login"),
    Target(
        "tampered encrypted cookie ≤ a valid encrypted read",
        "signedsession-encrypted",
        "tampered",
        RATIO,
        1.0,
        "issue 15",
        versus="signedsession-encrypted:read",
    ),
    _adapter("flask", "read"),
    _adapter("flask", "write"),
    _adapter("flask", "untouched"),
    _adapter("pyramid", "read"),
    _adapter("pyramid", "write"),
    _glue("flask", "read"),
    _glue("flask", "write"),
    _glue("flask", "untouched"),
    _glue("pyramid", "read"),
    _glue("pyramid", "write"),
    _django("read"),
    _django("write"),
    _asgi("read"),
    _asgi("write"),
    Target(
        "ASGI untouched session ≤ 1 µs over bare",
        "signedsession-asgi",
        "untouched",
        OVERHEAD_US,
        1.0,
        "issue 17",
    ),
)
