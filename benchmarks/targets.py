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
  divided by each peer's, below ``bound`` for every peer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .stats import TIMES

__all__ = [
    "EVERY_PEER_BYTES",
    "EVERY_PEER_US",
    "METRICS",
    "OVERHEAD_US",
    "RATIO",
    "TARGETS",
    "Target",
]

OVERHEAD_US = "µs"
RATIO = f"{TIMES} versus"
EVERY_PEER_US = f"{TIMES} every peer, µs"
EVERY_PEER_BYTES = f"{TIMES} every peer, bytes"
METRICS = (OVERHEAD_US, RATIO, EVERY_PEER_US, EVERY_PEER_BYTES)

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
    :param versus: the other side of a :data:`RATIO` metric.
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
        if (self.metric == RATIO) != bool(self.versus):
            raise ValueError(f"versus is for the {RATIO!r} metric only: {self.name}")

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
    _adapter("flask", "read"),
    _adapter("flask", "write"),
    _adapter("flask", "untouched"),
    _adapter("pyramid", "read"),
    _adapter("pyramid", "write"),
)
