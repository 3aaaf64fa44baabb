"""Bounded, thread-safe least-recently-used caches: the cache types of the engines.

:class:`BoundedCache` keeps single entries; :class:`GroupedCache` keeps entries in groups
(every regimen of one background), so that a batch costs one locked lookup for its group and
plain dictionary lookups inside it.

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
from collections.abc import Hashable, Mapping
from itertools import islice
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from her2resist.exceptions import ParameterError

K = TypeVar("K", bound=Hashable)
G = TypeVar("G", bound=Hashable)
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


class GroupedCache(Generic[G, K, V]):
    """Entries in groups, at most ``size`` entries in all: the least recently used group goes
    first (and, when one group alone holds more, its oldest entries).

    :meth:`group` returns a group's entries as a plain dictionary, for lookups without the lock
    (read it, never change it: :meth:`add` adds entries and keeps the count).

    Examples
    --------
    >>> cache = GroupedCache(3)
    >>> cache.add("x", {"a": 1, "b": 2}); cache.add("y", {"a": 3})
    >>> cache.group("x").get("b"), len(cache)
    (2, 3)
    >>> cache.add("y", {"b": 4})  # evicts group "x", the least recently used
    >>> dict(cache.group("x")), dict(cache.group("y")), len(cache)
    ({}, {'a': 3, 'b': 4}, 2)
    """

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or size < 1:
            raise ParameterError("size", "GroupedCache", "a positive integer", size)
        self.size = size
        self._groups: OrderedDict[G, dict[K, V]] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()

    def group(self, key: G) -> Mapping[K, V]:
        """The entries of group ``key`` (empty if none), now the most recently used."""
        groups = self._groups
        with self._lock:
            try:
                found = groups[key]
            except KeyError:
                return _EMPTY
            groups.move_to_end(key)
            return found

    def add(self, key: G, entries: Mapping[K, V]) -> None:
        """Add (or replace) ``entries`` in group ``key``, then evict down to ``size``."""
        groups = self._groups
        with self._lock:
            group = groups.get(key)
            if group is None:
                group = groups[key] = {}
            else:
                groups.move_to_end(key)
            before = len(group)
            group.update(entries)
            self._count += len(group) - before
            while self._count > self.size and len(groups) > 1:
                self._count -= len(groups.popitem(last=False)[1])
            if self._count > self.size:  # one group alone holds more: its oldest go
                for old in list(islice(group, self._count - self.size)):
                    del group[old]
                self._count = len(group)

    def clear(self) -> None:
        with self._lock:
            self._groups.clear()
            self._count = 0

    def __len__(self) -> int:
        return self._count


_EMPTY: Mapping[Any, Any] = MappingProxyType({})
