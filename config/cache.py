"""The shared cache (Redis) that keeps the site answering when Redis does not.

Django's RedisCache raises on every call once Redis is unreachable, and Wagtail reads the cache
on every page (the site's root paths), so an outage of the cache would take the whole site down.
Here a call that cannot reach Redis is served by this process's own memory cache instead: pages
render, and rate limits keep counting, per process, until Redis answers again. Redis is tried
again `RETRY_AFTER` seconds after a failure, so an outage costs one failed connection per process
per period, not one per call. `/healthz` reports the state through `check()`.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0  # seconds before an unreachable Redis is tried again


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool instead of building one
    for every cache call: redis-py fills ~170 response callbacks in each new client, which cost more
    than the round trip itself on a page-cache hit (three calls). A `redis.Redis` is safe to share
    between threads; each command still takes its own connection from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCacheWithLocalFallback(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._local = LocMemCache(f"redis-fallback-{id(self)}", local_params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def check(self):
        """One real round trip to Redis; raises when it does not answer (for /healthz)."""
        self._cache.get_client(write=True).ping()

    def _call(self, name, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                with self._lock:
                    if time.monotonic() >= self._down_until:
                        logger.warning("cache: Redis does not answer (%s); using this process's memory", error)
                    self._down_until = time.monotonic() + RETRY_AFTER
        return getattr(self._local, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self._local.clear()
        return self._call("clear")


class _RenditionCacheMixin:
    """Wagtail's renditions cache, without the write-back: Wagtail stores every rendition it looks up
    again (`Image.get_rendition` always, `get_renditions` also those it just read from the cache), so
    each image on a page cost a write per request. A rendition read from here is marked, and
    storing a marked one again is skipped; a new one is stored as before."""

    def get_many(self, keys, version=None):
        found = super().get_many(keys, version=version)
        for value in found.values():
            value._from_cache = True
        return found

    def get(self, key, default=None, version=None):
        value = super().get(key, default, version=version)
        if value is not default:
            value._from_cache = True
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if getattr(value, "_from_cache", False):
            return None
        return super().set(key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        data = {key: value for key, value in data.items() if not getattr(value, "_from_cache", False)}
        return super().set_many(data, timeout, version=version) if data else []


class RenditionCache(_RenditionCacheMixin, RedisCacheWithLocalFallback):
    pass
