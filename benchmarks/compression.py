"""What compressing a session costs: ``python -m benchmarks.compression``.

For each of the benchmark's sessions (:data:`benchmarks.workloads.SESSIONS`),
serialized as compact JSON as the store does, times deflate as
:meth:`SessionStore.save` runs it (a fresh ``compressobj(9, DEFLATED, -13,
6)`` per save, with the compact format's preset dictionary) and some
alternatives: the first format's deflate without the dictionary, other
levels, strategies, windows and memory levels, a pristine compressor copied
per save, and, when their packages are importable (none is a dependency),
zstd at level 3 with one reused context (``zstandard`` or
``backports.zstd``; a store would need one per thread), ISA-L's deflate
(``isal``) and libdeflate (``deflate``). Prints µs per compression (best of
the repeats) and the compressed length, beside the raw length. Nothing here
is a target; it answers "would another compressor or setting pay?".
"""

from __future__ import annotations

import argparse
import json
import timeit
import zlib
from functools import partial
from typing import Callable

from signedsession.inspection import COMPACT_DICTIONARY

from .workloads import SESSIONS

__all__ = ["compressors", "main"]


def _deflate(
    level: int,
    wbits: int,
    memlevel: int,
    strategy: int = zlib.Z_DEFAULT_STRATEGY,
    zdict: bytes | None = COMPACT_DICTIONARY,
) -> Callable[[bytes], bytes]:
    def compress(raw: bytes) -> bytes:
        if zdict is None:
            deflater = zlib.compressobj(level, zlib.DEFLATED, wbits, memlevel, strategy)
        else:
            deflater = zlib.compressobj(
                level, zlib.DEFLATED, wbits, memlevel, strategy, zdict
            )
        return deflater.compress(raw) + deflater.flush()

    return compress


def _copied(level: int, wbits: int, memlevel: int) -> Callable[[bytes], bytes]:
    pristine = zlib.compressobj(
        level,
        zlib.DEFLATED,
        wbits,
        memlevel,
        zlib.Z_DEFAULT_STRATEGY,
        COMPACT_DICTIONARY,
    )

    def compress(raw: bytes) -> bytes:
        deflater = pristine.copy()
        return deflater.compress(raw) + deflater.flush()

    return compress


def compressors() -> dict[str, Callable[[bytes], bytes]]:
    """The compressors compared, by label; the store's own first."""
    found = {
        "deflate 9/-13/6 + dict (store's)": _deflate(9, -13, 6),
        "deflate 9/-13/6 (first format)": _deflate(9, -13, 6, zdict=None),
        "deflate 1/-13/6 + dict": _deflate(1, -13, 6),
        "deflate 9/-13/6 fixed + dict": _deflate(9, -13, 6, zlib.Z_FIXED),
        "deflate 6/-9/1 + dict": _deflate(6, -9, 1),
        "deflate 9/-13/6 + dict, copied": _copied(9, -13, 6),
    }
    found.update(_optional())
    return found


def _optional() -> dict[str, Callable[[bytes], bytes]]:
    """Compressors of packages that may be installed: none is a dependency."""
    found: dict[str, Callable[[bytes], bytes]] = {}
    try:
        import zstandard
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            context = zstd.ZstdCompressor(level=3)
            found["zstd 3, reused context"] = partial(
                context.compress, mode=zstd.ZstdCompressor.FLUSH_FRAME
            )
    else:
        reused = zstandard.ZstdCompressor(
            level=3, write_content_size=False, write_checksum=False
        )
        found["zstd 3, reused context"] = reused.compress
    try:
        from isal import isal_zlib  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        found["isa-l deflate 1 (one call)"] = partial(
            isal_zlib.compress, level=1, wbits=-15
        )
    try:
        import deflate  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        found["libdeflate 6 (one call)"] = partial(
            deflate.deflate_compress, compresslevel=6
        )
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
