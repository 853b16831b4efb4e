"""Paginators whose total is counted once a minute, not on every page view.

Counting the public works scans every one of them; the number changes only when moderation does,
which purges the page cache (config/http_cache.py) and with it these counts, whose key carries the
same generation. Between purges a count is at most COUNT_CACHE_SECONDS old.
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from config.http_cache import generation

COUNT_CACHE_SECONDS = 60


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        query = self.object_list.query
        sql, params = query.sql_with_params()
        digest = hashlib.blake2b(repr((sql, params)).encode(), digest_size=16).hexdigest()
        key = f"paginator-count:{generation()}:{digest}"
        total = cache.get(key)
        if total is None:
            total = super().count
            cache.set(key, total, COUNT_CACHE_SECONDS)
        return total


class CachedCountPageNumberPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
