"""artsvp/ratelimit.py hit(): fixed windows, counted in one Redis round trip.

On the production cache (artsvp/cache.py FallbackRedisCache, on a private
redis-server) and on local memory (any other cache), the same requests get
the same answers.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import redis.connection
from django.core.cache import cache
from django.test import override_settings

from artsvp import ratelimit
from tests.artsvp.test_outages import redis_caches
from tests.redis_server import RedisServer

needs_redis = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


@pytest.fixture(params=["redis", "locmem"])
def any_cache(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "locmem":
        cache.clear()
        yield "locmem"
        return
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    server: RedisServer = request.getfixturevalue("redis_server")
    with override_settings(CACHES=redis_caches(server)):
        yield "redis"


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The clock hit() reads; move it with now[0] = ..."""
    now = [1_000_040.0]  # 20 s into a minute
    monkeypatch.setattr("artsvp.ratelimit.time.time", lambda: now[0])
    return now


def test_the_limit_allows_that_many_in_a_window_then_refuses(any_cache: str, frozen: Any) -> None:
    answers = [ratelimit.hit("window", limit=3, window=60) for _ in range(5)]
    assert [answer.allowed for answer in answers] == [True, True, True, False, False]
    assert [answer.remaining for answer in answers] == [2, 1, 0, 0, 0]
    assert answers[0].reset_in == 40


def test_the_next_window_starts_from_zero_and_keys_are_counted_apart(
    any_cache: str, frozen: Any
) -> None:
    for _ in range(3):
        ratelimit.hit("a", limit=2, window=60)
    assert ratelimit.hit("b", limit=2, window=60).allowed
    frozen[0] += 40  # the next minute
    answer = ratelimit.hit("a", limit=2, window=60)
    assert answer.allowed and answer.remaining == 1 and answer.reset_in == 60


@needs_redis
def test_on_redis_a_hit_is_one_round_trip_and_the_counter_expires_with_its_window(
    redis_server: RedisServer, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with override_settings(CACHES=redis_caches(redis_server)):
        ratelimit.hit("trips", limit=5, window=60)  # connects
        sent: list[Any] = []
        original = redis.connection.AbstractConnection.send_packed_command

        def counting(self: Any, command: Any, check_health: bool = True) -> None:
            sent.append(command)
            original(self, command, check_health)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
        assert ratelimit.hit("trips", limit=5, window=60).remaining == 3
        assert len(sent) == 1
        monkeypatch.undo()

        [key] = redis_server.client().keys("*rl:trips:*")
        # Created with the window (+5 s), and later hits do not push that back.
        ttl = redis_server.client().ttl(key)
        assert 0 < ttl <= 65
        # What the cache API reads is the count.
        assert cache.get(key.decode().split(":", 2)[2]) == 2


@needs_redis
def test_a_window_counted_by_the_old_code_keeps_counting(
    redis_server: RedisServer, frozen: Any
) -> None:
    """Processes of the previous release (add + incr) and this one share counters."""
    with override_settings(CACHES=redis_caches(redis_server)):
        window_start = int(frozen[0]) - int(frozen[0]) % 60
        key = f"rl:mixed:{window_start}"
        cache.add(key, 0, timeout=65)
        cache.incr(key)
        assert ratelimit.hit("mixed", limit=2, window=60).remaining == 0
        assert not ratelimit.hit("mixed", limit=2, window=60).allowed


@needs_redis
def test_with_redis_down_the_process_counts_the_same_window(
    redis_server: RedisServer, frozen: Any
) -> None:
    with override_settings(CACHES=redis_caches(redis_server, RETRY_AFTER=60)):
        redis_server.stop()
        answers = [ratelimit.hit("down", limit=2, window=60).allowed for _ in range(3)]
    assert answers == [True, True, False]
