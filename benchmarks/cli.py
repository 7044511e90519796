"""The command line: build, check, time, analyse, report."""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import shlex
import sys
import warnings
from importlib import metadata
from pathlib import Path

from .contenders import Contender, build_all
from .extras import log_line_us, peak_kib, profile_excerpt, stages
from .report import Results, fmt_us, rewrite, table
from .runner import (
    Cell,
    CheckFailed,
    CookieTooLarge,
    check,
    measure,
    print_progress,
)
from .stats import DASH, Bootstrap
from .workloads import OTHER_COOKIES, WORKLOADS, register_size, tamper

__all__ = ["main"]

SWEEP_SIZES = (64, 256, 512, 1024, 1536, 2048, 2560, 3072, 3584)
SMOKE_SWEEP_SIZES = (64, 1024, 3072)
MEMORY_WORKLOADS = ("read", "write", "new", "write_3072")
STAGE_WORKLOADS = ("read", "write", "tampered")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time signedsession against the peers, interleaved, in one run.",
    )
    parser.add_argument("--rounds", type=int, default=80, help="rounds [80]")
    parser.add_argument(
        "--batch", type=int, default=100, help="requests per cell per round [100]"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few rounds of everything: proves it runs, measures nothing",
    )
    parser.add_argument(
        "--output", type=Path, help="rewrite the results block of this .rst file"
    )
    parser.add_argument(
        "--only",
        help="comma-separated contender keys to keep (bare apps always kept)",
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip payload sizes")
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc")
    parser.add_argument("--no-profile", action="store_true", help="skip cProfile")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed [0]")
    return parser


def cookie_value(contender: Contender, path: str) -> str:
    """The session cookie value that ``contender`` sets for ``path``."""
    response = contender.request(path, None).once()
    for header in response.set_cookies():
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if name.strip() == contender.cookie_name:
            return value.strip()
    raise CheckFailed(f"{contender.title}: {path} set no session cookie")


def cookie_header(contender: Contender, kind: str, cache: dict[str, str]) -> str:
    """The ``Cookie`` header of a workload's cookie ``kind`` for ``contender``.

    Values are minted once per contender by its own ``/seed`` requests.
    """
    if kind == "none":
        return OTHER_COOKIES
    if kind not in cache:
        if kind in ("base", "tampered"):
            if "base" not in cache:
                cache["base"] = cookie_value(contender, "/seed")
            value = cache["base"] if kind == "base" else tamper(cache["base"])
        else:
            value = cookie_value(contender, f"/seed/{int(kind.split(':')[1])}")
        cache[kind] = value
    return f"{OTHER_COOKIES}; {contender.cookie_name}={cache[kind]}"


def _machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for dist in ("werkzeug", "itsdangerous", "flask", "pyramid", "django", "starlette"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        (
            "date",
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        ),
        (
            "machine",
            f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        ),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(versions)),
        ("load average at start (1, 5, 15 min)", load),
    ]


def build_cells(
    contenders: list[Contender],
    names: list[str],
    problems: list[str],
) -> tuple[
    list[Contender], dict[tuple[str, str], Cell], dict[tuple[str, str], Exception]
]:
    """Mint cookies, make and check every cell.

    A cell that fails its check is left out and reported (a peer may be
    unable to store 3 KB, say); a contender left with no cell is dropped.
    Returns the contenders kept, the cells, and the failed cells with the
    error of each.
    """
    by_name = {w.name: w for w in WORKLOADS}
    cells: dict[tuple[str, str], Cell] = {}
    failed: dict[tuple[str, str], Exception] = {}
    caches: dict[str, dict[str, str]] = {}
    for contender in contenders:
        # A bare app gets the Cookie header of its framework's first session
        # contender: the same bytes to copy and, for most, to parse.
        source = contender
        if contender.role == "bare":
            peers = [c for c in contenders if c.framework == contender.framework]
            source = min(
                peers,
                key=lambda c: ("ours", "peer", "variant", "floor", "bare").index(
                    c.role
                ),
            )
        cache = caches.setdefault(source.key, {})
        for name in names:
            workload = by_name[name]
            try:
                header = (
                    OTHER_COOKIES
                    if source.role == "bare"
                    else cookie_header(source, workload.cookie, cache)
                )
                cell = Cell(contender, name, contender.request(workload.path, header))
                if contender.role == "bare":  # its body is the view's, on a dict
                    check(cell, body=None, cookie=False)
                else:
                    check(
                        cell, body=workload.expect_body, cookie=workload.expect_cookie
                    )
            except Exception as exc:  # reported, never hidden
                problems.append(
                    f"FAILED {contender.title} / {name}: {type(exc).__name__}: {exc}"
                )
                failed[contender.key, name] = exc
                continue
            cells[contender.key, name] = cell
    kept = [c for c in contenders if any(k[0] == c.key for k in cells)]
    return kept, cells, failed


def series(
    contenders: list[Contender], cells: dict[tuple[str, str], Cell], names: list[str]
) -> dict[object, list[float]]:
    """Overhead series per (contender, workload) and bare series."""
    bare = {c.framework: c for c in contenders if c.role == "bare"}
    out: dict[object, list[float]] = {}
    for contender in contenders:
        for name in names:
            if (contender.key, name) not in cells:
                continue
            samples = cells[contender.key, name].samples
            if contender.role == "bare":
                out["bare", contender.framework, name] = samples
                continue
            if (bare[contender.framework].key, name) not in cells:
                continue
            base = cells[bare[contender.framework].key, name].samples
            out[contender.key, name] = [a - b for a, b in zip(samples, base)]
    return out


def sweep(
    contenders: list[Contender],
    sizes: tuple[int, ...],
    args: argparse.Namespace,
    rounds: int,
    batch: int,
    resamples: int,
) -> str:
    """Overhead vs payload size for signedsession and the floor."""
    chosen = [c for c in contenders if c.key in ("wsgi", "floor", "signedsession")]
    if len(chosen) < 3:
        return ""
    ours = next(c for c in chosen if c.key == "signedsession")
    cells: dict[tuple[str, str], Cell] = {}
    fits: dict[tuple[str, int], int] = {}
    for size in sizes:
        register_size(size)
        for contender in chosen:
            source = contender if contender.role != "bare" else ours
            try:
                base = f"{OTHER_COOKIES}; {source.cookie_name}=" + cookie_value(
                    source, "/seed"
                )
                blob = f"{OTHER_COOKIES}; {source.cookie_name}=" + cookie_value(
                    source, f"/seed/{size}"
                )
                write = Cell(
                    contender, f"w{size}", contender.request(f"/write/{size}", base)
                )
                read = Cell(contender, f"r{size}", contender.request("/read", blob))
                response = write.request.once()
                read.request.once()
            except Exception:  # SessionTooLarge: it does not fit
                continue
            if contender.role != "bare":
                setcookie = response.set_cookies()
                fits[contender.key, size] = len(setcookie[0]) if setcookie else 0
            cells[contender.key, write.workload] = write
            cells[contender.key, read.workload] = read
    print(f"payload sweep: {len(cells)} cells", file=sys.stderr)
    measure(
        list(cells.values()),
        rounds=rounds,
        batch=batch,
        seed=args.seed + 1,
        progress=print_progress,
    )
    data: dict[object, list[float]] = {}
    for (key, work), cell in cells.items():
        if key == "wsgi" or ("wsgi", work) not in cells:
            continue
        base = cells["wsgi", work].samples
        data[key, work] = [a - b for a, b in zip(cell.samples, base)]
    boot = Bootstrap(data, resamples=resamples, seed=args.seed)
    rows = []
    for size in sizes:
        row = [str(size)]
        for key in ("signedsession", "floor"):
            if (key, size) not in fits:
                row += ["too large", DASH, DASH]
                continue
            row.append(str(fits[key, size]))
            for work in (f"w{size}", f"r{size}"):
                row.append(
                    fmt_us(boot.point[key, work]) if (key, work) in data else DASH
                )
        rows.append(row)
    return table(
        [
            "payload B",
            "ours Set-Cookie B",
            "ours write µs",
            "ours read µs",
            "floor Set-Cookie B",
            "floor write µs",
            "floor read µs",
        ],
        rows,
    )


def memory(
    contenders: list[Contender], cells: dict[tuple[str, str], Cell], repeats: int
) -> str:
    """Peak KiB per request over the bare app, per contender and workload."""
    names = [n for n in MEMORY_WORKLOADS if any(k[1] == n for k in cells)]
    peaks = {
        key: peak_kib(cell.request, repeats)
        for key, cell in cells.items()
        if key[1] in names
    }
    bare = {c.framework: c.key for c in contenders if c.role == "bare"}
    rows = []
    for contender in contenders:
        if contender.role == "bare":
            continue
        row = [contender.title]
        for name in names:
            mine = peaks.get((contender.key, name))
            base = peaks.get((bare[contender.framework], name))
            row.append(DASH if mine is None or base is None else f"{mine - base:.1f}")
        rows.append(row)
    titles = {w.name: w.title for w in WORKLOADS}
    return table(["KiB over bare", *(titles[n] for n in names)], rows)


def _quiet() -> None:
    # Rejected cookies log a warning on signedsession.security: keep the
    # call (its cost is part of rejecting) but send it nowhere, as a
    # production logger with a filtered handler would.
    for name in ("signedsession", "signedsession.security"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 unless one of our contenders answered wrongly."""
    args = _parser().parse_args(argv)
    _quiet()
    rounds, batch, resamples, repeats, profile_count = (
        args.rounds,
        args.batch,
        2000,
        9,
        3000,
    )
    sizes = SWEEP_SIZES
    if args.smoke:
        rounds, batch, resamples, repeats, profile_count = 3, 3, 100, 2, 50
        sizes = SMOKE_SWEEP_SIZES
    problems: list[str] = []
    contenders = build_all(problems)
    if args.only:
        keep = set(args.only.split(","))
        contenders = [c for c in contenders if c.role == "bare" or c.key in keep]
    names = [w.name for w in WORKLOADS]
    roles = {c.key: c.role for c in contenders}
    contenders, cells, failed_cells = build_cells(contenders, names, problems)
    # Only our own contenders (and the baselines) answering wrongly is an
    # error; a peer that cannot do a workload is a finding, and so is our
    # compress=False variant refusing 3 KB (SessionTooLarge, as it should)
    # and the floor, which never compresses, writing a 3 KB cookie that
    # browsers would drop.
    failed = any(
        roles[key] in ("ours", "bare")
        or (roles[key] == "floor" and not isinstance(error, CookieTooLarge))
        for (key, _), error in failed_cells.items()
    )
    for problem in problems:
        print(f"note: {problem}", file=sys.stderr)
    print(
        f"{len(contenders)} contenders x {len(names)} workloads = {len(cells)} cells,"
        f" {rounds} rounds of {batch} requests",
        file=sys.stderr,
    )
    meta = _machine()
    measure(
        list(cells.values()),
        rounds=rounds,
        batch=batch,
        seed=args.seed,
        progress=print_progress,
    )
    boot = Bootstrap(
        series(contenders, cells, names), resamples=resamples, seed=args.seed
    )
    command = shlex.join(
        ["python", "-m", "benchmarks", *(argv if argv is not None else sys.argv[1:])]
    )
    results = Results(
        contenders=contenders,
        workloads=[(w.name, w.title) for w in WORKLOADS],
        boot=boot,
        meta=meta,
        command=command,
        problems=problems,
        failed=set(failed_cells),
    )
    if not args.no_sweep:
        results.sweep = sweep(
            contenders, sizes, args, max(rounds // 2, 2), batch, resamples
        )
    if not args.no_memory:
        results.memory = memory(contenders, cells, repeats)
    if not args.no_profile:
        # The middleware, and the adapter whose target is not met: where
        # Pyramid's plumbing and the re-issue of every read go.
        profiled = (
            ("signedsession", "SessionMiddleware", 14),
            ("pyramid-signedsession", "Pyramid adapter", 24),
        )
        for key, title, lines in profiled:
            for name in ("read", "write"):
                if (key, name) in cells:
                    excerpt = profile_excerpt(
                        cells[key, name].request, profile_count, lines=lines
                    )
                    results.profiles.append((f"Profile: {title}, {name}", excerpt))
    results.log_line_us = log_line_us(200 if args.smoke else 5000)
    if all(("signedsession", w) in cells for w in STAGE_WORKLOADS):
        read = cells["signedsession", "read"].request
        results.stages = stages(
            read.environ["HTTP_COOKIE"],  # type: ignore[attr-defined]
            {
                w: (cells["signedsession", w].request, cells["wsgi", w].request)
                for w in STAGE_WORKLOADS
            },
            rounds=3 if args.smoke else 30,
            count=20 if args.smoke else 500,
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results.meta.append(("load average at end", load))
    block = results.render()
    print(block)
    if args.output is not None:
        rewrite(args.output, block)
        print(f"wrote {args.output}", file=sys.stderr)
    return 1 if failed else 0
