"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's client builds a new redis.Redis around the pool for every cache call, and each
build fills redis-py's table of reply handlers (about 170 entries): with the sessions
cached in Redis, that was a noticeable share of a page's CPU. A redis.Redis is safe to
share between threads; the pool and its connections were already shared.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers, which django-stubs doesn't declare.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            redis_class = self._client  # type: ignore[attr-defined]
            client = self._clients[id(pool)] = redis_class(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
