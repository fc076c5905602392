"""config.cache: Django's Redis cache, with one redis-py client per pool."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches

from config.cache import SharedClientRedisCache


def test_the_cache_is_redis_and_reuses_its_client() -> None:
    cache: Any = caches["default"]
    assert isinstance(cache, SharedClientRedisCache)
    client = cache._cache
    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client() is client.get_client(write=True)  # one server: one pool


def test_values_go_through_redis() -> None:
    cache: Any = caches["default"]
    cache.set("relais:test:cle", {"valeur": 1}, timeout=30)
    assert cache.get("relais:test:cle") == {"valeur": 1}
    key = cache.make_and_validate_key("relais:test:cle")
    assert cache._cache.get_client().exists(key) == 1
    cache.delete("relais:test:cle")
    assert cache.get("relais:test:cle") is None
