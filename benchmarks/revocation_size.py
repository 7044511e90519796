"""How large a revocation store grows: N session revocations, then its size.

Run: ``python -m benchmarks.revocation_size [N]`` (default 1,000,000).
SQLite: the database file (and WAL) size. Redis (``redis-server`` on the
PATH, started here): ``INFO memory`` used_memory before and after, and
``MEMORY USAGE`` of one entry and of the feed of recent revocations. Uses
the backends' public ``revoke_session``, one call per revocation.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from signedsession.revocation import RedisRevocations, SQLiteRevocations


def _ids(count: int) -> list[str]:
    return [secrets.token_urlsafe(16) for _ in range(count)]


def sqlite_size(directory: str, count: int) -> None:
    """Print the SQLite file size after ``count`` revocations."""
    path = os.path.join(directory, "revoked.sqlite3")
    backend = SQLiteRevocations(path)
    start = time.monotonic()
    for session_id in _ids(count):
        backend.revoke_session(session_id)
    elapsed = time.monotonic() - start
    backend.close()
    with sqlite3.connect(path) as connection:  # what a checkpoint leaves
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(
        os.path.getsize(path + suffix)
        for suffix in ("", "-wal")
        if os.path.exists(path + suffix)
    )
    print(
        f"sqlite: {count} revocations in {elapsed:.0f}s;"
        f" file + WAL {size / 1e6:.1f} MB ({size / count:.0f} bytes each)"
    )


def redis_size(directory: str, count: int) -> None:
    """Print Redis' memory after ``count`` revocations."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--dir", directory, "--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        backend = RedisRevocations(f"redis://127.0.0.1:{port}/0", timeout=5.0)
        import redis

        client = redis.Redis(port=port)
        before = client.info("memory")["used_memory"]
        ids = _ids(count)
        start = time.monotonic()
        with ThreadPoolExecutor(8) as pool:  # round trips overlap
            list(pool.map(backend.revoke_session, ids, chunksize=1000))
        elapsed = time.monotonic() - start
        after = client.info("memory")["used_memory"]
        entry = client.memory_usage(backend.prefix + "s:" + ids[0])
        feed = client.memory_usage(backend.prefix + "recent")
        print(
            f"redis: {count} revocations in {elapsed:.0f}s; used_memory"
            f" +{(after - before) / 1e6:.1f} MB ({(after - before) / count:.0f}"
            f" bytes each); MEMORY USAGE one entry {entry} bytes, feed of"
            f" recent revocations {(feed or 0) / 1e6:.1f} MB"
        )
        backend.close()
    finally:
        process.kill()
        process.wait()


def main() -> int:
    """Measure both backends; exit status 0."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as directory:
        sqlite_size(directory, count)
        if shutil.which("redis-server"):
            redis_size(directory, count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
