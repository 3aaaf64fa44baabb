"""Where the server keeps users, sessions, reports and jobs: SQLAlchemy tables.

The default store is one SQLite file in write-ahead-log mode, so a write is a transaction that
either happened or did not, even when the server is killed; ``--database URL`` points the same
tables at PostgreSQL for a group server. Every stored object has an owner, and every query for
one names its owner: another user's object is simply not found.

Examples
--------
>>> store = Store("sqlite://")
>>> user = store.add_user("ada", "f" * 64)
>>> store.user_for_token_hash("f" * 64).name
'ada'
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from her2resist.exceptions import ParameterError

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), unique=True, nullable=False),
    Column("token_hash", String(64), unique=True, nullable=False),
    Column("created", Float, nullable=False),
)
sessions = Table(
    "sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", Float, nullable=False),
)
reports = Table(
    "reports", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("samples", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("json", Text, nullable=False),
    Column("html", Text, nullable=False),
)
jobs = Table(
    "jobs", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("params", Text, nullable=False),
    Column("input", LargeBinary, nullable=True),
    Column("input_name", String(255), nullable=True),
    Column("status", String(16), nullable=False, index=True),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("result", Text, nullable=True),
    Column("figures", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("created", Float, nullable=False),
    Column("finished", Float, nullable=True),
)

#: Job states: queued -> running -> done | failed.
JOB_STATES = ("queued", "running", "done", "failed")


@dataclass(frozen=True, slots=True)
class User:
    """An account: its id and name."""

    id: int
    name: str


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine; SQLite files in WAL mode with a generous busy timeout."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               poolclass=StaticPool if memory else None)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def new_id() -> str:
    """A random object id (32 hexadecimal characters): ids are not guessable or sequential."""
    return uuid.uuid4().hex


class Store:
    """The server's tables, reached through one SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        metadata.create_all(self.engine)

    # users and sessions ------------------------------------------------------------------
    def add_user(self, name: str, token_hash: str) -> User:
        """Create a user; a taken name is a :class:`ParameterError`."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(users).values(name=name, token_hash=token_hash,
                                                  created=time.time()))
                uid = conn.execute(select(users.c.id).where(users.c.name == name)).scalar_one()
        except IntegrityError:
            raise ParameterError("NAME", "her2resist users add", "a name not yet taken",
                                 name) from None
        return User(int(uid), name)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(users.c.id, users.c.name).order_by(users.c.name))
            return [User(r.id, r.name) for r in rows]

    def user_for_token_hash(self, token_hash: str) -> User | None:
        """The user whose token hashes to ``token_hash``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users.c.id, users.c.name)
                               .where(users.c.token_hash == token_hash)).first()
        return User(row.id, row.name) if row else None

    def add_session(self, id_hash: str, user: User, csrf: str) -> None:
        """Store a page session (by the hash of its cookie) and its CSRF token."""
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(id_hash=id_hash, user_id=user.id, csrf=csrf,
                                                 created=time.time()))

    def session(self, id_hash: str, max_age: float) -> tuple[User, str] | None:
        """The user and CSRF token of a session younger than ``max_age`` seconds."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users.c.id, users.c.name, sessions.c.csrf, sessions.c.created)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.id_hash == id_hash)).first()
        if row is None or time.time() - row.created > max_age:
            return None
        return User(row.id, row.name), row.csrf

    def drop_session(self, id_hash: str) -> None:
        """Log a session out."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == id_hash))

    # reports -----------------------------------------------------------------------------
    def add_report(self, user: User, name: str, samples: int, json_text: str,
                   html: str) -> str:
        """Store a report; its id."""
        rid = new_id()
        with self.engine.begin() as conn:
            conn.execute(insert(reports).values(id=rid, user_id=user.id, name=name,
                                                samples=samples, created=time.time(),
                                                json=json_text, html=html))
        return rid

    def report(self, user: User, rid: str) -> dict[str, Any] | None:
        """One of the user's reports (None for an unknown id or another user's)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(reports).where(
                reports.c.id == rid, reports.c.user_id == user.id)).first()
        return dict(row._mapping) if row else None

    def list_reports(self, user: User) -> list[dict[str, Any]]:
        """The user's reports, newest first (without their content)."""
        cols = (reports.c.id, reports.c.name, reports.c.samples, reports.c.created)
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).where(reports.c.user_id == user.id)
                                .order_by(reports.c.created.desc()))
            return [dict(r._mapping) for r in rows]

    # jobs --------------------------------------------------------------------------------
    def add_job(self, user: User, kind: str, params: dict[str, Any],
                data: bytes | None = None, input_name: str | None = None) -> str:
        """Queue a job; its id."""
        jid = new_id()
        with self.engine.begin() as conn:
            conn.execute(insert(jobs).values(
                id=jid, user_id=user.id, kind=kind, params=json.dumps(params), input=data,
                input_name=input_name, status="queued", done=0, total=0, attempts=0,
                created=time.time()))
        return jid

    def job(self, user: User | None, jid: str) -> dict[str, Any] | None:
        """One job (of ``user``, or of anyone when ``user`` is None), with its input."""
        query = select(jobs).where(jobs.c.id == jid)
        if user is not None:
            query = query.where(jobs.c.user_id == user.id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def list_jobs(self, user: User) -> list[dict[str, Any]]:
        """The user's jobs, newest first (without inputs and results)."""
        cols = [c for c in jobs.c if c.name not in ("input", "result", "figures")]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).where(jobs.c.user_id == user.id)
                                .order_by(jobs.c.created.desc()))
            return [dict(r._mapping) for r in rows]

    def unfinished_jobs(self) -> list[dict[str, Any]]:
        """Jobs queued or running, oldest first: what a restarted server must see to."""
        cols = (jobs.c.id, jobs.c.status, jobs.c.attempts)
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).where(jobs.c.status.in_(("queued", "running")))
                                .order_by(jobs.c.created))
            return [dict(r._mapping) for r in rows]

    def start_job(self, jid: str) -> int | None:
        """Mark a queued job running; its attempt number, or None if it was not queued."""
        with self.engine.begin() as conn:
            row = conn.execute(select(jobs.c.attempts).where(
                jobs.c.id == jid, jobs.c.status == "queued")).first()
            if row is None:
                return None
            attempt = row.attempts + 1
            changed = conn.execute(update(jobs).where(
                jobs.c.id == jid, jobs.c.status == "queued").values(
                status="running", attempts=attempt, done=0, total=0)).rowcount
        return attempt if changed else None

    def set_progress(self, jid: str, attempt: int, done: int, total: int) -> bool:
        """Record progress of the given attempt; False when that attempt was superseded."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(jobs).where(
                jobs.c.id == jid, jobs.c.attempts == attempt, jobs.c.status == "running")
                .values(done=done, total=total)).rowcount)

    def finish_job(self, jid: str, attempt: int | None, *, result: str | None = None,
                   figures: str | None = None, error: str | None = None) -> bool:
        """Store a job's result (or failure) in one transaction, if ``attempt`` is current.

        ``attempt`` None fails the job whatever its attempt (used on restart).
        """
        query = update(jobs).where(jobs.c.id == jid,
                                   jobs.c.status.in_(("queued", "running")))
        if attempt is not None:
            query = query.where(jobs.c.attempts == attempt)
        status = "failed" if error is not None else "done"
        with self.engine.begin() as conn:
            values = dict(status=status, result=result, figures=figures, error=error,
                          finished=time.time())
            return bool(conn.execute(query.values(**values)).rowcount)

    def requeue_job(self, jid: str) -> None:
        """Put a job that was running when the server stopped back in the queue."""
        with self.engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == jid, jobs.c.status == "running")
                         .values(status="queued"))
