"""A disk cache for what the package builds from its own data files (model, knowledge base).

Reading the package's YAML files with line tracking and validating every record costs more
than a one-shot command's whole computation, and gives the same objects every time. So the
objects built from the *package's* files are kept, pickled, in the user's cache folder, under a
key that covers everything that could change them: the package version, the Python version,
the bytes of every data file read and the source of the modules that define the objects and
their loader. Any change to any of them is a new key; a missing, unreadable, corrupt or
unwritable cache is silently a cache miss, and the objects are built as before. Files that a
user gives are never cached, so their error messages come from the loaders, as always.

The folder is ``$HER2RESIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/her2resist``, else
``~/.cache/her2resist``; ``HER2RESIST_NO_CACHE=1`` turns the cache off. Like any file in a
user's home, the cache is trusted as much as the user's own account: its entries are loaded
with :mod:`pickle` and :mod:`marshal` (code objects, run), so a folder that another account
owns or that anyone may write to is not used at all (no cache, as with
``HER2RESIST_NO_CACHE``).

Examples
--------
>>> import tempfile, pathlib, os
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> data = folder / "numbers.txt"
>>> _ = data.write_text("1 2 3")
>>> os.environ["HER2RESIST_CACHE_DIR"] = str(folder / "cache")
>>> build = lambda: sum(map(int, data.read_text().split()))
>>> load_cached("numbers", [data], [__name__], build)
6
>>> load_cached("numbers", [data], [__name__], lambda: "not called: read from the cache")
6
>>> del os.environ["HER2RESIST_CACHE_DIR"]
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

try:  # CPython's own SHA-256: the same digests as hashlib's, whose import loads OpenSSL (~3 ms)
    from _sha256 import sha256  # CPython 3.10, 3.11
except ImportError:  # pragma: no cover - renamed _sha2 in 3.12
    from hashlib import sha256

T = TypeVar("T")

#: Bumped when the layout of cached entries changes.
CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("HER2RESIST_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("HER2RESIST_CACHE_DIR")
    if explicit:
        folder = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                 ".cache")
        folder = Path(base) / "her2resist"
    return folder if _trusted(folder) else None


def _trusted(folder: Path) -> bool:
    """Whether entries (code, once loaded) may come from ``folder``: it does not exist yet
    (this process makes it), or this user owns it and no other account may write to it."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owner or mode bits to judge by
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & 0o002


def cache_key(kind: str, sources: Sequence[Path], modules: Sequence[str]) -> str:
    """Hash of everything the cached object depends on (see the module docstring)."""
    from her2resist import __version__

    digest = sha256(f"{CACHE_FORMAT}\0{kind}\0{__version__}\0{sys.version}".encode())
    for path in sources:
        digest.update(b"\0file\0" + path.name.encode() + b"\0" + path.read_bytes())
    for name in modules:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None) if module else _origin(name)
        digest.update(b"\0module\0" + name.encode() + b"\0" + Path(origin or "").read_bytes())
    return digest.hexdigest()[:24]


def _origin(name: str) -> str | None:
    """The source file of a module, without importing it."""
    from importlib.util import find_spec

    spec = find_spec(name)
    return spec.origin if spec else None


def load_cached(kind: str, sources: Sequence[Path], modules: Sequence[str],
                build: Callable[[], T]) -> T:
    """The object ``build()`` makes from ``sources``, from the cache when it holds it.

    ``modules`` are the modules (imported or not) whose code defines the object and its building:
    their source is part of the key, so a changed class or loader never meets an old entry.
    """
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{kind}-{cache_key(kind, sources, modules)}.pickle"
    except OSError:
        return build()
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)  # type: ignore[no-any-return]
    except Exception:
        pass
    value = build()
    _store(folder, kind, path, value)
    return value


#: Entries kept per kind (several installations or versions may share one cache folder).
KEEP = 8
#: Compiled code objects kept (one per generated source: a model and its fixed nodes).
KEEP_CODE = 64


def compile_cached(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, from the cache when it holds it.

    For code the package generates (the graded engine writes Python for each model and set of
    fixed nodes, and compiling it costs a one-shot command more than running it).  The key is
    the source text itself, the file name and the Python version, so an entry can only ever be
    the compilation of the same text; code objects are stored with :mod:`marshal`.

    Examples
    --------
    >>> namespace = {}
    >>> exec(compile_cached("def f(x):\\n    return 2 * x", "<example>"), namespace)
    >>> namespace["f"](21)
    42
    """
    folder = cache_dir()
    if folder is None:
        return compile(source, filename, "exec")
    import marshal

    digest = sha256(f"{CACHE_FORMAT}\0code\0{sys.version}\0{filename}\0".encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    path = folder / f"code-{digest.hexdigest()[:24]}.marshal"
    try:
        with open(path, "rb") as fh:
            code = marshal.load(fh)
        if isinstance(code, CodeType) and code.co_filename == filename:
            return code
    except Exception:
        pass
    code = compile(source, filename, "exec")
    _store(folder, "code", path, code, dump=marshal.dump, keep=KEEP_CODE)
    return code


def load_marshalled(kind: str, identity: Sequence[str], modules: Sequence[str],
                    build: Callable[[], T], valid: Callable[[object], bool] = bool) -> T:
    """``build()``, from the cache when it holds it: for values made of what :mod:`marshal`
    writes (code objects, tuples, strings, numbers) that the package generates from a model.

    The key is ``identity`` (strings that fix what the value is built from: a model's content
    hash, the nodes it holds fixed), the Python version and the source of ``modules`` (the code
    that builds the value), so an entry is only ever the value ``build`` would make; an entry
    that ``valid`` refuses (a damaged file) is built again.  The
    graded engine keeps its generated integrator here (generating it costs a one-shot
    prediction more than compiling or running it).

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["HER2RESIST_CACHE_DIR"] = tempfile.mkdtemp()
    >>> load_marshalled("example", ["model-1"], [__name__], lambda: ("built", 2))
    ('built', 2)
    >>> load_marshalled("example", ["model-1"], [__name__], lambda: "not called")
    ('built', 2)
    >>> del os.environ["HER2RESIST_CACHE_DIR"]
    """
    folder = cache_dir()
    if folder is None:
        return build()
    import marshal

    try:
        digest = sha256(f"{CACHE_FORMAT}\0{kind}\0{sys.version}".encode())
        for part in identity:
            digest.update(b"\0id\0" + part.encode("utf-8", "surrogatepass"))
        for name in modules:
            digest.update(b"\0module\0" + name.encode() + b"\0" + _module_digest(name))
    except OSError:
        return build()
    path = folder / f"{kind}-{digest.hexdigest()[:24]}.marshal"
    try:
        with open(path, "rb") as fh:
            found = marshal.load(fh)
        if valid(found):
            return found
    except Exception:
        pass
    value = build()
    _store(folder, kind, path, value, dump=marshal.dump, keep=KEEP_CODE)
    return value


@functools.cache
def _module_digest(name: str) -> bytes:
    """The sha256 of a module's source file (imported or not), once per process."""
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None) if module else _origin(name)
    return sha256(Path(origin or "").read_bytes()).digest()


def _store(folder: Path, kind: str, path: Path, value: object,
           dump: Callable[[Any, Any], object] | None = None, keep: int = KEEP) -> None:
    """Write the entry whole or not at all (pickled unless ``dump`` is given); keep the
    ``keep`` newest entries of its kind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            if dump is None:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                dump(value, fh)
        os.replace(tmp, path)
        entries = sorted(folder.glob(f"{kind}-*{path.suffix}"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-keep]:
            old.unlink(missing_ok=True)
    except Exception:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def read_package_data(path: Path) -> object:
    """The data of one of the package's own YAML/JSON files (``read_document(path).data``),
    from the cache when it holds it. Only for files shipped in the package: a user's file is
    read with :func:`her2resist.common.documents.read_document`, for its error messages."""
    return load_cached(f"data-{path.stem}", [path], ("her2resist.common.documents",),
                       lambda: read_user_data(path))


def read_user_data(path: Path) -> object:
    """The data of a user's YAML/JSON file, never cached (``read_document(path).data``)."""
    from her2resist.common.documents import read_document

    return read_document(path).data
