"""A bounded, thread-safe least-recently-used cache: the one cache type of the engines.

Examples
--------
>>> cache = BoundedCache(2)
>>> cache.put("a", 1); cache.put("b", 2); cache.get("a")
1
>>> cache.put("c", 3)  # evicts "b", the least recently used
>>> cache.get("b") is None, len(cache)
(True, 2)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from her2resist.exceptions import ParameterError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``size`` entries; the least recently used entry goes first."""

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or size < 1:
            raise ParameterError("size", "BoundedCache", "a positive integer", size)
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        # One hash lookup on a miss, two on a hit (the engines ask hundreds of thousands of
        # times per cohort).
        data, lock = self._data, self._lock
        with lock:
            try:
                value = data[key]
            except KeyError:
                self.misses += 1
                return None
            data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        data = self._data
        with self._lock:
            data[key] = value
            data.move_to_end(key)
            if len(data) > self.size:
                data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
