"""The command line: measure (or load), analyse, render."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from .analysis import analyse
from .measure import FULL, SMOKE, Options, measure
from .render import render, rewrite
from .results import load, save

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time signedsession against the peers, interleaved, in one run.",
    )
    parser.add_argument("--rounds", type=int, help=f"rounds [{FULL.rounds}]")
    parser.add_argument(
        "--batch", type=int, help=f"requests per cell per round [{FULL.batch}]"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few rounds of everything: proves it runs, measures nothing",
    )
    parser.add_argument(
        "--output", type=Path, help="rewrite the results block of this .rst file"
    )
    parser.add_argument("--save", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--load",
        type=Path,
        help="render results saved with --save instead of measuring",
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


def _options(args: argparse.Namespace) -> Options:
    sizes = {"rounds": args.rounds, "batch": args.batch}
    return dataclasses.replace(
        SMOKE if args.smoke else FULL,
        **{name: value for name, value in sizes.items() if value is not None},
        seed=args.seed,
        only=frozenset(args.only.split(",")) if args.only else frozenset(),
        sweep=not args.no_sweep,
        memory=not args.no_memory,
        profile=not args.no_profile,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 unless one of our contenders answered wrongly."""
    args = _parser().parse_args(argv)
    if args.load is not None:
        results = load(args.load)
    else:
        arguments = argv if argv is not None else sys.argv[1:]
        command = shlex.join(["python", "-m", "benchmarks", *arguments])
        results = measure(_options(args), command)
    if args.save is not None:
        save(results, args.save)
    analysis = analyse(results)
    page = render(analysis)
    print(page, end="")
    if args.output is not None:
        rewrite(args.output, page)
        print(f"wrote {args.output}", file=sys.stderr)
    return 1 if analysis.our_failures else 0
