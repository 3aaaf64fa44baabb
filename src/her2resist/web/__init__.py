"""The web service behind ``her2resist serve``: the package's analyses through a JSON API and
pages, for a group of users.

Layout: :mod:`~her2resist.web.config` (settings), :mod:`~her2resist.web.storage` (SQLAlchemy
tables, SQLite in WAL mode by default), :mod:`~her2resist.web.auth` (users, hashed API tokens,
sessions, CSRF, rate limit), :mod:`~her2resist.web.uploads` (size limits, safe zip extraction),
:mod:`~her2resist.web.jobs` (a process pool whose jobs survive a killed server),
:mod:`~her2resist.web.api` (``/api``), :mod:`~her2resist.web.pages` (HTML pages) and
:mod:`~her2resist.web.app` (the application factory). Nothing is imported here, so that
``import her2resist.web`` needs none of the optional ``[web]`` dependencies.

Examples
--------
>>> from pathlib import Path
>>> from her2resist.web.config import Settings
>>> Settings(data_dir=Path("data")).database_url
'sqlite:///data/her2resist.db'
"""
