"""Measuring: build every contender, check each cell, time them, interleaved.

:func:`measure` returns a :class:`~benchmarks.results.Results` holding raw
samples only; :mod:`benchmarks.analysis` derives everything else from them.
"""

from __future__ import annotations

import datetime
import logging
import os
import platform
import sys
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .cells import build_cells, cookie_value
from .contenders import Contender, build_all
from .extras import peak_kib, profile_excerpt, stages
from .results import Results
from .runner import Cell, print_progress, time_cells
from .workloads import OTHER_COOKIES, SESSIONS, WORKLOADS, register_size

__all__ = ["FULL", "SMOKE", "Options", "measure"]


@dataclass(frozen=True)
class Options:
    """How much to measure."""

    rounds: int = 80
    batch: int = 100
    #: Bootstrap resamples (stored with the results for the analysis).
    resamples: int = 2000
    #: Requests per contender and workload for the peak-memory median.
    repeats: int = 9
    #: Requests per profile.
    profile_count: int = 3000
    #: Rounds and batch of the stages (pieces of one request).
    stage_rounds: int = 30
    stage_count: int = 500
    sizes: tuple[int, ...] = (64, 256, 512, 1024, 1536, 2048, 2560, 3072, 3584)
    seed: int = 0
    smoke: bool = False
    #: Contender keys to keep (bare apps always kept); empty: all.
    only: frozenset[str] = frozenset()
    sweep: bool = True
    memory: bool = True
    profile: bool = True


#: The full run.
FULL = Options()
#: A few rounds of everything: proves it runs, measures nothing.
SMOKE = Options(
    rounds=3,
    batch=3,
    resamples=100,
    repeats=2,
    profile_count=50,
    stage_rounds=3,
    stage_count=20,
    sizes=(64, 1024, 3072),
    smoke=True,
)

#: Workloads whose peak memory is measured.
MEMORY_WORKLOADS = ("read", "write", "new", "read_login", "write_login", "write_3k")
#: The workloads split into pieces by the stages, by what they do.
STAGE_WORKLOADS = {"read": "read_login", "write": "write_login", "tampered": "tampered"}
#: The workloads profiled, and the contenders (title, lines kept).
PROFILED_WORKLOADS = ("read_login", "write_login")
PROFILED = (
    ("signedsession", "SessionMiddleware", 14),
    # The adapter whose target is not met: where Pyramid's plumbing and the
    # re-issue of every read go.
    ("pyramid-signedsession", "Pyramid adapter", 24),
)
TITLES = {w.name: w.title for w in WORKLOADS}
#: Libraries whose versions the page states.
DISTRIBUTIONS = ("werkzeug", "itsdangerous", "flask", "pyramid", "django", "starlette")


def _machine() -> list[list[str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for dist in DISTRIBUTIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        ["date", now.strftime("%Y-%m-%d %H:%M UTC")],
        [
            "machine",
            f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        ],
        ["Python", f"{platform.python_implementation()} {platform.python_version()}"],
        ["packages", ", ".join(versions)],
        ["load average at start (1, 5, 15 min)", _load()],
    ]


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def sweep(contenders: list[Contender], options: Options, results: Results) -> None:
    """Overhead vs payload size for signedsession and the floor."""
    chosen = [c for c in contenders if c.key in ("wsgi", "floor", "signedsession")]
    if len(chosen) < 3:
        return
    ours = next(c for c in chosen if c.key == "signedsession")
    cells: dict[tuple[str, str], Cell] = {}
    fits: dict[str, dict[str, int]] = {}
    for size in options.sizes:
        register_size(size)
        for contender in chosen:
            source = contender if contender.role != "bare" else ours
            prefix = f"{OTHER_COOKIES}; {source.cookie_name}="
            try:
                base = prefix + cookie_value(source, "/seed/small")
                blob = prefix + cookie_value(source, f"/seed/{size}")
                write = Cell(
                    contender, f"w{size}", contender.request(f"/write/{size}", base)
                )
                read = Cell(
                    contender, f"r{size}", contender.request("/read/small", blob)
                )
                response = write.request.once()
                read.request.once()
            except Exception:  # SessionTooLarge: it does not fit
                continue
            if contender.role != "bare":
                setcookie = response.set_cookies()
                fits.setdefault(contender.key, {})[str(size)] = (
                    len(setcookie[0]) if setcookie else 0
                )
            cells[contender.key, write.workload] = write
            cells[contender.key, read.workload] = read
    print(f"payload sweep: {len(cells)} cells", file=sys.stderr)
    time_cells(
        list(cells.values()),
        rounds=max(options.rounds // 2, 2),
        batch=options.batch,
        seed=options.seed + 1,
        progress=print_progress,
    )
    samples: dict[str, dict[str, list[float]]] = {}
    for (key, work), cell in cells.items():
        samples.setdefault(key, {})[work] = cell.samples
    results.sweep = {
        "sizes": list(options.sizes),
        "samples": samples,
        "cookie_bytes": fits,
    }


def _quiet() -> None:
    # Rejected cookies log a warning on signedsession.security: keep the
    # call (its cost is part of rejecting) but send it nowhere, as a
    # production logger with a filtered handler would.
    for name in ("signedsession", "signedsession.security"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")


def measure(options: Options, command: str) -> Results:
    """Measure everything ``options`` asks for; the raw results."""
    _quiet()
    results = Results(
        command=command,
        meta=[],
        run={
            "rounds": options.rounds,
            "batch": options.batch,
            "resamples": options.resamples,
            "seed": options.seed,
            "smoke": options.smoke,
        },
        contenders=[],
        sessions=[s.describe() for s in SESSIONS],
        workloads=[w.describe() for w in WORKLOADS],
    )
    contenders = build_all(results.problems)
    if options.only:
        contenders = [
            c for c in contenders if c.role == "bare" or c.key in options.only
        ]
    cells = build_cells(contenders, results)
    results.contenders = [
        {
            "key": c.key,
            "title": c.title,
            "framework": c.framework,
            "role": c.role,
            "cookie_name": c.cookie_name,
        }
        for c in contenders
    ]
    contenders = [c for c in contenders if any(k[0] == c.key for k in cells)]
    for problem in results.problems:
        print(f"note: {problem}", file=sys.stderr)
    for f in results.failed:
        print(
            f"note: FAILED {f['contender']} / {f['workload']}: {f['error']}",
            file=sys.stderr,
        )
    print(
        f"{len(contenders)} contenders x {len(WORKLOADS)} workloads ="
        f" {len(cells)} cells, {options.rounds} rounds of {options.batch} requests",
        file=sys.stderr,
    )
    results.meta = _machine()
    time_cells(
        list(cells.values()),
        rounds=options.rounds,
        batch=options.batch,
        seed=options.seed,
        progress=print_progress,
    )
    for (key, workload), cell in cells.items():
        results.samples.setdefault(key, {})[workload] = cell.samples
    if options.sweep:
        sweep(contenders, options, results)
    if options.memory:
        for (key, workload), cell in cells.items():
            if workload in MEMORY_WORKLOADS:
                results.memory.setdefault(key, {})[workload] = peak_kib(
                    cell.request, options.repeats
                )
    if options.profile:
        for key, title, lines in PROFILED:
            for workload in PROFILED_WORKLOADS:
                if (key, workload) in cells:
                    excerpt = profile_excerpt(
                        cells[key, workload].request, options.profile_count, lines=lines
                    )
                    heading = f"Profile: {title}, {TITLES[workload]}"
                    results.profiles.append([heading, excerpt])
    names = STAGE_WORKLOADS.values()
    if all(("signedsession", w) in cells and ("wsgi", w) in cells for w in names):
        results.stages = stages(
            STAGE_WORKLOADS,
            {
                w: cells["signedsession", w].request.environ["HTTP_COOKIE"]  # type: ignore[attr-defined]
                for w in names
            },
            {
                w: (cells["signedsession", w].request, cells["wsgi", w].request)
                for w in names
            },
            rounds=options.stage_rounds,
            count=options.stage_count,
        )
    results.meta.append(["load average at end", _load()])
    return results
