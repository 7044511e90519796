"""What compressing a session costs: ``python -m benchmarks.compression``.

For each of the benchmark's sessions (:data:`benchmarks.workloads.SESSIONS`),
serialized as compact JSON as the store does, times deflate as
:meth:`SessionStore.save` runs it (a fresh ``compressobj(9, DEFLATED, -13,
6)`` per save) and some alternatives: other levels, windows and memory
levels, a pristine compressor copied per save, and, when the ``zstandard``
package is importable, zstd at level 3 with one reused context (which a
store would need per thread). Prints µs per compression (best of the
repeats) and the compressed length, beside the raw length. Nothing here is
a target; it answers "would another compressor or setting pay?".
"""

from __future__ import annotations

import argparse
import json
import timeit
import zlib
from functools import partial
from typing import Callable

from .workloads import SESSIONS

__all__ = ["compressors", "main"]


def _deflate(level: int, wbits: int, memlevel: int) -> Callable[[bytes], bytes]:
    def compress(raw: bytes) -> bytes:
        deflater = zlib.compressobj(level, zlib.DEFLATED, wbits, memlevel)
        return deflater.compress(raw) + deflater.flush()

    return compress


def _copied(level: int, wbits: int, memlevel: int) -> Callable[[bytes], bytes]:
    pristine = zlib.compressobj(level, zlib.DEFLATED, wbits, memlevel)

    def compress(raw: bytes) -> bytes:
        deflater = pristine.copy()
        return deflater.compress(raw) + deflater.flush()

    return compress


def compressors() -> dict[str, Callable[[bytes], bytes]]:
    """The compressors compared, by label; the store's own first."""
    found = {
        "deflate 9/-13/6 (the store's)": _deflate(9, -13, 6),
        "deflate 1/-13/6": _deflate(1, -13, 6),
        "deflate 6/-9/1": _deflate(6, -9, 1),
        "deflate 9/-13/6, copied": _copied(9, -13, 6),
    }
    try:
        import zstandard
    except ImportError:
        return found
    context = zstandard.ZstdCompressor(
        level=3, write_content_size=False, write_checksum=False
    )
    found["zstd 3, reused context"] = context.compress
    return found


def main(argv: list[str] | None = None) -> int:
    """Time every compressor on every session and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compression")
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    found = compressors()
    print(f"{'session':8}{'raw B':>7}  {'compressor':32}{'µs':>8}{'bytes':>8}")
    for session in SESSIONS:
        raw = json.dumps(session.data, separators=(",", ":")).encode()
        for label, compress in found.items():
            best = min(
                timeit.repeat(
                    partial(compress, raw), number=args.number, repeat=args.repeat
                )
            )
            print(
                f"{session.name:8}{len(raw):>7}  {label:32}"
                f"{best / args.number * 1e6:>8.2f}{len(compress(raw)):>8}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
