"""From measured samples to estimates and verdicts: no timing, no rendering.

:func:`analyse` turns a :class:`~benchmarks.results.Results` into an
:class:`Analysis`: per-round overheads over each framework's bare app, their
medians with bootstrap confidence intervals (deterministic: the seed is the
run's), each adapter's glue (its overhead minus the WSGI middleware's and
its framework's plumbing's, per round), and a verdict for every row of
:data:`~benchmarks.targets.TARGETS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from . import targets as target_table
from .results import Results
from .stats import TIMES, Bootstrap, Estimate, median
from .targets import (
    EVERY_PEER_BYTES,
    EVERY_PEER_US,
    EVERY_WORKLOAD,
    GLUE_US,
    MIDDLEWARE,
    OVERHEAD_US,
    RATIO,
    Target,
)

__all__ = ["NAN", "Analysis", "Verdict", "analyse"]

NAN = Estimate(math.nan, math.nan, math.nan)

#: The shortfall of a target against one peer on one workload: "" when
#: ahead, a description when behind, None when the two cannot be compared.
_Behind = Callable[["Target", str, str], "str | None"]

MET = "met"
NOT_MET = "NOT met"
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Verdict:
    """A target and how this run did against it."""

    target: Target
    verdict: str  # MET, NOT_MET or NOT_MEASURED
    numbers: str
    #: Where a target over several cells falls short, one line per cell.
    details: tuple[str, ...] = ()


@dataclass
class Analysis:
    """Estimates and verdicts of one run."""

    results: Results
    #: Overheads per (contender, workload); bare apps' absolute times per
    #: ("bare", framework, workload); adapters' glue per ("glue", contender,
    #: plumbing contender, workload).
    boot: Bootstrap
    verdicts: list[Verdict] = field(default_factory=list)
    #: Overheads of the payload sweep over bare WSGI, per (contender, "w<n>").
    sweep: Bootstrap | None = None
    #: (workload, piece, median µs) of the stages.
    stages: list[tuple[str, str, float]] = field(default_factory=list)

    # -- what was measured ------------------------------------------------

    def has(self, key: str) -> bool:
        """Whether contender ``key`` was measured."""
        return key in self.results.samples

    def title(self, key: str) -> str:
        """The display name of contender ``key``."""
        return next(c["title"] for c in self.results.contenders if c["key"] == key)

    def role(self, key: str) -> str:
        """The role of contender ``key`` (bare, floor, ours, variant, peer,
        plumbing)."""
        return next(c["role"] for c in self.results.contenders if c["key"] == key)

    def failed(self, key: str, workload: str) -> bool:
        """Whether the cell failed its check and was not timed."""
        return any(
            f["contender"] == key and f["workload"] == workload
            for f in self.results.failed
        )

    @property
    def our_failures(self) -> list[dict[str, object]]:
        """Failed cells that are an error of ours, not a finding.

        A peer that cannot do a workload is a finding, and so is our
        ``compress=False`` variant refusing 3 KB (``SessionTooLarge``, as it
        should), the floor, which never compresses, writing a cookie too
        large for browsers, and a bare app left without a cookie to send
        because its framework's sessions all wrote one too large. A
        framework's plumbing failing is an error of the benchmark's.
        """
        return [
            f
            for f in self.results.failed
            if self.role(f["contender"]) == "ours"
            or (
                self.role(f["contender"]) in ("floor", "bare", "plumbing")
                and not f["too_large"]
            )
        ]

    # -- estimates ------------------------------------------------------------

    def overhead(self, key: str, workload: str) -> Estimate:
        """Overhead (µs) of contender ``key`` on ``workload``; NaN if absent."""
        if (key, workload) not in self.boot.point:
            return NAN
        return self.boot.estimate((key, workload))

    def bare(self, framework: str, workload: str) -> Estimate:
        """Absolute µs per request of a framework's bare app."""
        if ("bare", framework, workload) not in self.boot.point:
            return NAN
        return self.boot.estimate(("bare", framework, workload))

    def ratio(
        self, key: str, other: str, workload: str, other_workload: str = ""
    ) -> Estimate:
        """Overhead of ``key`` over that of ``other`` (on the same workload)."""
        a, b = (key, workload), (other, other_workload or workload)
        if a not in self.boot.point or b not in self.boot.point:
            return NAN
        return self.boot.ratio(a, b)

    def glue(self, key: str, plumbing: str, workload: str) -> Estimate:
        """Glue (µs) of adapter ``key`` on ``workload``; NaN if not measured.

        Its overhead minus :data:`~benchmarks.targets.MIDDLEWARE`'s and minus
        that of ``plumbing`` (its framework's plumbing around a session that
        does nothing), per round, then the median.
        """
        series = ("glue", key, plumbing, workload)
        if series not in self.boot.point:
            return NAN
        return self.boot.estimate(series)

    def glue_pairs(self) -> list[tuple[str, str]]:
        """(adapter, its framework's plumbing) of every adapter with a glue."""
        names = self.workload_names()
        return [
            (key, plumbing)
            for key, plumbing in _adapter_pairs(self.results)
            if self.role(key) == "ours"
            and any(("glue", key, plumbing, w) in self.boot.point for w in names)
        ]

    def cookie_bytes(self, key: str, workload: str) -> int | None:
        """Length of the session cookie value ``key`` set on ``workload``."""
        return self.results.cookie_bytes.get(key, {}).get(workload)

    def memory_over_bare(self, key: str, workload: str) -> float | None:
        """Peak KiB of one request over the bare app's; None if not measured."""
        memory = self.results.memory
        bare = self.bare_key(key)
        mine = memory.get(key, {}).get(workload)
        base = memory.get(bare, {}).get(workload) if bare else None
        return None if mine is None or base is None else mine - base

    def bare_key(self, key: str) -> str | None:
        """The key of the bare app that is ``key``'s baseline."""
        framework = next(
            c["framework"] for c in self.results.contenders if c["key"] == key
        )
        return next(
            (
                c["key"]
                for c in self.results.contenders
                if c["framework"] == framework and c["role"] == "bare"
            ),
            None,
        )

    def peers(self) -> list[str]:
        """The keys of the peers' contenders measured."""
        return [
            c["key"]
            for c in self.results.contenders
            if c["role"] == "peer" and self.has(c["key"])
        ]

    def workload_names(self) -> list[str]:
        """Every workload of the run, in order."""
        return [w["name"] for w in self.results.workloads]

    def workload_title(self, name: str) -> str:
        """The display name of workload ``name``."""
        return next(w["title"] for w in self.results.workloads if w["name"] == name)

    # -- verdicts ---------------------------------------------------------------

    def judge(self, target: Target) -> Verdict:
        """How this run did against ``target``."""
        if not self.has(target.contender):
            return Verdict(target, NOT_MEASURED, "not in this run")
        if target.metric == EVERY_PEER_US:
            return self._every_peer(target, self._time_behind)
        if target.metric == EVERY_PEER_BYTES:
            return self._every_peer(target, self._bytes_behind)
        if self.failed(target.contender, target.workload):
            return Verdict(target, NOT_MET, "fails")
        if target.metric == OVERHEAD_US:
            e = self.overhead(target.contender, target.workload)
            if math.isnan(e.value):
                return Verdict(target, NOT_MEASURED, "not in this run")
            return Verdict(target, _verdict(e.value, target), e.fmt(2, " µs"))
        if target.metric == GLUE_US:
            return self._glue_verdict(target)
        assert target.metric == RATIO
        other, _, other_workload = target.versus.partition(":")
        other_workload = other_workload or target.workload
        r = self.ratio(target.contender, other, target.workload, other_workload)
        if math.isnan(r.value):
            return Verdict(target, NOT_MEASURED, "not in this run")
        mine = self.overhead(target.contender, target.workload).value
        theirs = self.overhead(other, other_workload).value
        numbers = f"{r.fmt(3, TIMES)} ({mine:.1f} vs {theirs:.1f} µs)"
        return Verdict(target, _verdict(r.value, target), numbers)

    def _glue_verdict(self, target: Target) -> Verdict:
        workload = target.workload
        e = self.glue(target.contender, target.versus, workload)
        if math.isnan(e.value):
            return Verdict(target, NOT_MEASURED, "not in this run")
        parts = (target.contender, MIDDLEWARE, target.versus)
        adapter, middleware, plumbing = (
            self.overhead(key, workload).value for key in parts
        )
        numbers = (
            f"{e.fmt(2, ' µs')} (overheads: adapter {adapter:.1f},"
            f" SessionMiddleware {middleware:.1f}, plumbing {plumbing:.1f} µs)"
        )
        return Verdict(target, _verdict(e.value, target), numbers)

    def _workloads_of(self, target: Target) -> list[str]:
        if target.workload == EVERY_WORKLOAD:
            return self.workload_names()
        return [target.workload]

    def _every_peer(self, target: Target, behind: _Behind) -> Verdict:
        shortfalls: list[str] = []
        notes: list[str] = []
        compared = 0
        for peer in self.peers():
            for workload in self._workloads_of(target):
                title = self.workload_title(workload)
                if self.failed(peer, workload):
                    notes.append(f"{self.title(peer)} cannot do {title}")
                    continue
                if self.failed(target.contender, workload):
                    shortfalls.append(f"{title}: ours fails")
                    continue
                found = behind(target, peer, workload)
                if found is None:
                    continue
                compared += 1
                if found:
                    shortfalls.append(f"{title} vs {self.title(peer)}: {found}")
        if not compared and not shortfalls:
            return Verdict(target, NOT_MEASURED, "no peer measured")
        total = compared + len([s for s in shortfalls if s.endswith("ours fails")])
        text = (
            f"behind in {len(shortfalls)} of {total} comparisons"
            if shortfalls
            else f"ahead in all {compared} comparisons"
        )
        if notes:
            text += f"; {len(notes)} cells a peer cannot do"
        details = (*shortfalls, *notes)
        return Verdict(target, NOT_MET if shortfalls else MET, text, details)

    def _time_behind(self, target: Target, peer: str, workload: str) -> str | None:
        ours = self.overhead(target.contender, workload)
        theirs = self.overhead(peer, workload)
        if math.isnan(ours.value) or math.isnan(theirs.value):
            return None
        if ours.value < target.bound * theirs.value:
            return ""
        clear = "" if ours.low > target.bound * theirs.high else " (CIs overlap)"
        return f"{ours.value:.2f} vs {theirs.value:.2f} µs{clear}"

    def _bytes_behind(self, target: Target, peer: str, workload: str) -> str | None:
        ours = self.cookie_bytes(target.contender, workload)
        theirs = self.cookie_bytes(peer, workload)
        if ours is None or theirs is None:
            return None
        return "" if ours < target.bound * theirs else f"{ours} vs {theirs} bytes"


def _verdict(value: float, target: Target) -> str:
    ok = value < target.bound if target.strict else value <= target.bound
    return MET if ok else NOT_MET


def _differences(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [x - y for x, y in zip(a, b)]


def overhead_series(results: Results) -> dict[Hashable, list[float]]:
    """Per-round overhead of every cell over its bare app, and the bare apps."""
    bare = {c["framework"]: c["key"] for c in results.contenders if c["role"] == "bare"}
    out: dict[Hashable, list[float]] = {}
    for contender in results.contenders:
        key, framework = contender["key"], contender["framework"]
        base = results.samples.get(bare.get(framework, ""), {})
        for workload, samples in results.samples.get(key, {}).items():
            if contender["role"] == "bare":
                out["bare", framework, workload] = samples
            elif workload in base:
                out[key, workload] = _differences(samples, base[workload])
    return out


def _adapter_pairs(results: Results) -> list[tuple[str, str]]:
    """(ours or variant, plumbing) pairs of contenders of one framework."""
    plumbing = [c for c in results.contenders if c["role"] == "plumbing"]
    return [
        (c["key"], p["key"])
        for c in results.contenders
        if c["role"] in ("ours", "variant")
        for p in plumbing
        if p["framework"] == c["framework"]
    ]


def glue_series(
    results: Results, overheads: dict[Hashable, list[float]]
) -> dict[Hashable, list[float]]:
    """Per-round glue of every adapter that has its framework's plumbing.

    Round ``i``'s glue is the adapter's overhead in round ``i`` minus
    :data:`~benchmarks.targets.MIDDLEWARE`'s and the plumbing's in the same
    round (their bare apps' times cancel or are paired as for any overhead).
    """
    out: dict[Hashable, list[float]] = {}
    for key, plumbing in _adapter_pairs(results):
        for workload in results.samples.get(key, {}):
            cells = [(key, workload), (MIDDLEWARE, workload), (plumbing, workload)]
            if all(cell in overheads for cell in cells):
                adapter, middleware, framework = (overheads[c] for c in cells)
                out["glue", key, plumbing, workload] = [
                    a - m - p for a, m, p in zip(adapter, middleware, framework)
                ]
    return out


def sweep_series(results: Results) -> dict[Hashable, list[float]]:
    """Per-round overhead over bare WSGI of every cell of the payload sweep."""
    samples = results.sweep.get("samples", {})
    base = samples.get("wsgi", {})
    return {
        (key, work): _differences(values, base[work])
        for key, cells in samples.items()
        if key != "wsgi"
        for work, values in cells.items()
        if work in base
    }


def analyse(results: Results, targets: Sequence[Target] | None = None) -> Analysis:
    """Estimates of ``results`` and a verdict for each of ``targets``.

    :param targets: the targets to judge; by default the table
        :data:`benchmarks.targets.TARGETS`, read when called.
    """
    if targets is None:
        targets = target_table.TARGETS
    resamples, seed = results.run["resamples"], results.run["seed"]
    series = overhead_series(results)
    series.update(glue_series(results, series))
    analysis = Analysis(
        results,
        Bootstrap(series, resamples=resamples, seed=seed),
    )
    if results.sweep:
        analysis.sweep = Bootstrap(
            sweep_series(results), resamples=resamples, seed=seed
        )
    analysis.stages = [
        (workload, piece, median(values))
        for workload, pieces in results.stages.items()
        for piece, values in pieces.items()
    ]
    analysis.verdicts = [analysis.judge(target) for target in targets]
    return analysis
