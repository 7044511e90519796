"""RedisRevocations: revocations in Redis, shared by a fleet (needs ``redis``)."""

from __future__ import annotations

from typing import Any

from .. import _clock
from ._base import BackendError, Change, Revocations

__all__ = ["RedisRevocations"]

# KEYS[1] the entry, KEYS[2] the recent feed; ARGV: before, ttl ms, member,
# made. Keeps the later ``before`` and the longer life, in one round trip.
_STORE = """
local old = redis.call('GET', KEYS[1])
local before = tonumber(ARGV[1])
if old and tonumber(old) > before then before = tonumber(old) end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], string.format('%.6f', before), 'PX', ttl)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3] .. string.format('%.6f', before))
return 1
"""


class RedisRevocations(Revocations):
    """Revocations in Redis: every process of a fleet refuses them within a poll.

    One key per entry (``<prefix>s:<id>``, ``<prefix>u:<user>``) expiring by
    itself (Redis' own ``PX``), and a sorted set ``<prefix>recent`` of the
    entries made within the local window, which every process polls.

    :param url: ``redis://host:port/db`` (or ``rediss://``, ``unix://``).
    :param client: a ``redis.Redis`` to use instead of a URL; its time-outs
        are then yours to set.
    :param prefix: the key prefix.
    :param options: as :class:`~signedsession.revocation.Revocations`.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "signedsession:revoked:",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - the extra is missing
            raise ImportError(
                "RedisRevocations needs redis-py: pip install 'signedsession[redis]'"
            ) from exc
        if (url is None) == (client is None):
            raise TypeError("pass either url or client")
        if client is None:
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # One try per call, bounded: a slow Redis costs a request at
            # most ``timeout``, then counts as down.
            assert url is not None
            client = redis.Redis.from_url(
                url,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
            )
        self.url = url
        self._redis = client
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.prefix = prefix
        self._recent = prefix + "recent"
        self._store_script = client.register_script(_STORE)
        self._since: float | None = None

    def _lookup(self, session_id: str, user: str | None, created: float) -> bool:
        keys = [self.prefix + "s:" + session_id]
        if user is not None:
            keys.append(self.prefix + "u:" + user)
        try:
            values = self._redis.mget(keys)
        except self._errors as exc:
            raise BackendError(f"redis: {type(exc).__name__}: {exc}") from exc
        if values[0] is not None:
            return True
        return user is not None and values[1] is not None and created < float(values[1])

    def _store(self, change: Change) -> None:
        now = _clock.time()
        ttl_ms = max(1, int((change.expires - now) * 1000))
        try:
            pipe = self._redis.pipeline(transaction=False)
            self._store_script(
                keys=[self.prefix + change.kind + ":" + change.name, self._recent],
                args=[change.before, ttl_ms, f"{change.kind}:{change.name}\0", now],
                client=pipe,
            )
            # The feed holds the local window only.
            pipe.zremrangebyscore(self._recent, "-inf", now - self.keep)
            pipe.execute()
        except self._errors as exc:
            raise BackendError(f"redis: {type(exc).__name__}: {exc}") from exc

    def _changes(self, since: float) -> list[Change]:
        now = _clock.time()
        start = since if self._since is None else self._since
        try:
            members = self._redis.zrangebyscore(self._recent, start, "+inf")
        except self._errors as exc:
            raise BackendError(f"redis: {type(exc).__name__}: {exc}") from exc
        # Overlap by a few seconds: another machine's clock may lag ours.
        self._since = now - 5.0
        changes = []
        for member in members:
            text = member.decode("utf-8", "replace")
            kind_name, _, before = text.rpartition("\0")
            kind, _, name = kind_name.partition(":")
            changes.append(Change(kind, name, float(before), now + self.keep))
        return changes

    def _after_fork(self) -> None:
        self._redis.connection_pool.reset()
        self._since = None

    def __repr__(self) -> str:
        return f"<RedisRevocations prefix={self.prefix!r}>"
