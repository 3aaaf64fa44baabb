"""Accounts, API tokens, page sessions, CSRF tokens and the per-token rate limit.

A token is a random secret shown once; the store keeps only its SHA-256, so a copy of the
database gives no one a usable token. The API takes ``Authorization: Bearer TOKEN``; pages log
in with the same token and then carry a session cookie (HttpOnly, SameSite=Lax) whose forms and
script requests must also carry the session's CSRF token.

Examples
--------
>>> token = new_token()
>>> len(token) >= 40, hash_token(token) == hash_token(token), hash_token(token) != token
(True, True, True)
>>> limiter = RateLimiter(per_minute=2)
>>> [limiter.allow("k", now=0.0) for _ in range(3)]
[True, True, False]
>>> limiter.allow("k", now=61.0)
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict, deque

from her2resist.exceptions import ParameterError
from her2resist.web.storage import Store, User

#: Accepted user names.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
SESSION_COOKIE = "her2resist_session"
LOGIN_CSRF_COOKIE = "her2resist_login_csrf"
SESSION_MAX_AGE = 12 * 3600.0


def new_token() -> str:
    """A random secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 of a token, in hexadecimal: what the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(store: Store, name: str) -> tuple[User, str]:
    """Create a user; the user and its API token (shown once, stored hashed).

    Examples
    --------
    >>> user, token = add_user(Store("sqlite://"), "ada")
    >>> user.name, len(token) > 40
    ('ada', True)
    """
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ParameterError("NAME", "her2resist users add",
                             "1-64 letters, digits, '_', '.', '@' or '-', starting with a letter "
                             "or digit", name)
    token = new_token()
    return store.add_user(name, hash_token(token)), token


def user_for_bearer(store: Store, header: str | None) -> User | None:
    """The user of an ``Authorization: Bearer TOKEN`` header, or None."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return store.user_for_token_hash(hash_token(token.strip()))


def open_session(store: Store, user: User) -> tuple[str, str]:
    """A new page session for ``user``: the cookie value and the session's CSRF token."""
    cookie, csrf = new_token(), new_token()
    store.add_session(hash_token(cookie), user, csrf)
    return cookie, csrf


def session_user(store: Store, cookie: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a session cookie, or None."""
    if not cookie:
        return None
    return store.session(hash_token(cookie), SESSION_MAX_AGE)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two secrets (either missing is False)."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


class RateLimiter:
    """At most ``per_minute`` requests per key in any sliding minute (thread-safe)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, *, now: float) -> bool:
        """Count a request of ``key`` at time ``now`` (seconds); False when over the limit."""
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] >= 60.0:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True


class TokenCache:
    """Users by token, remembered for ``ttl`` seconds (thread-safe), in front of the store.

    Examples
    --------
    >>> store = Store("sqlite://")
    >>> user, token = add_user(store, "ada")
    >>> cache = TokenCache(ttl=60.0)
    >>> cache.user(store, f"Bearer {token}") == user, cache.user(store, "Bearer nope")
    (True, None)
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    def user(self, store: Store, header: str | None) -> User | None:
        """The user of an ``Authorization`` header (unknown tokens are not remembered)."""
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        key = hash_token(token.strip())
        now = time.monotonic()
        with self._lock:
            found = self._seen.get(key)
        if found is not None and now - found[1] < self.ttl:
            return found[0]
        user = store.user_for_token_hash(key)
        if user is not None:
            with self._lock:
                if len(self._seen) >= self.size:
                    self._seen.clear()
                self._seen[key] = (user, now)
        return user


class LruCache:
    """A bounded least-recently-used map of text (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        """The value of ``key``, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: str) -> None:
        """Remember ``value``, forgetting the least recently used past ``size`` items."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
