"""Writing result files: each whole or not at all, and all of a command's files together.

A command that writes several files (a JSON summary, a CSV table and a figure; a folder of
figures) stages each one into a temporary file beside its target as soon as it is rendered,
and renames them all over their targets only when the whole command has succeeded
(:class:`StagedOutputs`). On any failure, an interrupt included, the temporary files are
removed and the old outputs are left as they were; a failure during the final renames puts
back the files already replaced. Errors name the user's path, never a temporary file.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with StagedOutputs() as out:
...     out.add(folder / "a.json", "{}")
...     out.add(folder / "b.csv", "x\\n1\\n")
>>> sorted(p.name for p in folder.iterdir())
['a.json', 'b.csv']
>>> try:
...     with StagedOutputs() as out:
...         out.add(folder / "a.json", "new")
...         raise ValueError("the figure failed")
... except ValueError:
...     pass
>>> (folder / "a.json").read_text(), sorted(p.name for p in folder.iterdir())
('{}', ['a.json', 'b.csv'])
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

__all__ = ["StagedOutputs", "current_umask", "write_all", "write_atomic"]


def current_umask() -> int:
    """The process's umask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _user_error(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` (the user's file), not the temporary file it happened on."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


class StagedOutputs:
    """Files staged beside their targets, renamed over them together by :meth:`commit`.

    Used as a context manager, the files are committed when the block ends normally and
    discarded when it raises (any exception, ``KeyboardInterrupt`` included).

    Examples
    --------
    See the module docstring.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._made: list[Path] = []
        self._unlisted: set[Path] = set()

    @property
    def paths(self) -> list[Path]:
        """The targets staged so far, in order."""
        return [target for target, _ in self._staged]

    @property
    def listed(self) -> list[Path]:
        """The targets to name one by one to the user (not those added with ``listed=False``,
        such as the many figures of one folder)."""
        return [target for target in self.paths if target not in self._unlisted]

    def add(self, path: Path, data: str | bytes, *, listed: bool = True) -> None:
        """Stage ``data`` (text is written as UTF-8) for ``path``."""
        content = data if isinstance(data, bytes) else data.encode("utf-8")

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                fh.write(content)

        self.add_with(path, write, listed=listed)

    def add_with(self, path: Path, write: Callable[[Path], object], *, listed: bool = True
                 ) -> None:
        """Stage the file that ``write(temporary_path)`` writes (e.g. ``figure.savefig``)."""
        path = Path(path)
        if not listed:
            self._unlisted.add(path)
        if any(target == path for target, _ in self._staged):
            raise ValueError(f"{path} is written twice by one command")
        self._make_folder(path.parent, path)
        import tempfile  # only when a file is written (a one-shot command to the terminal: not)

        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name[:60]}.", suffix=".part",
                                        dir=path.parent)
            os.close(fd)
        except OSError as exc:
            raise _user_error(exc, path) from None
        tmp = Path(name)
        self._staged.append((path, tmp))
        try:
            write(tmp)
            os.chmod(tmp, 0o666 & ~current_umask())
        except OSError as exc:
            raise _user_error(exc, path) from None

    def _make_folder(self, folder: Path, path: Path) -> None:
        missing = []
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        for made in reversed(missing):
            try:
                made.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise _user_error(exc, path) from None
            self._made.append(made)

    def commit(self) -> list[Path]:
        """Rename every staged file over its target; on a failure put the old files back.

        Returns the targets to name to the user (:attr:`listed`)."""
        replaced: list[tuple[Path, bool, Path | None]] = []
        try:
            for target, tmp in self._staged:
                existed, backup = target.is_file(), self._backup(target)
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    if backup is not None:
                        backup.unlink(missing_ok=True)
                    raise _user_error(exc, target) from None
                replaced.append((target, existed, backup))
        except BaseException:
            for target, existed, backup in reversed(replaced):
                self._restore(target, existed, backup)
            self.discard()
            raise
        for _, _, backup in replaced:
            if backup is not None:
                backup.unlink(missing_ok=True)
        listed = self.listed
        self._staged, self._made, self._unlisted = [], [], set()
        return listed

    @staticmethod
    def _backup(target: Path) -> Path | None:
        """A hard link to the file ``target`` holds now (None when there is none)."""
        if not target.is_file():
            return None
        backup = target.with_name(f".{target.name[:60]}.{os.getpid()}.old")
        try:
            backup.unlink(missing_ok=True)
            os.link(target, backup)
        except OSError:
            return None  # a file system without hard links: that file cannot be put back
        return backup

    @staticmethod
    def _restore(target: Path, existed: bool, backup: Path | None) -> None:
        try:
            if backup is not None:
                os.replace(backup, target)
            elif not existed:
                target.unlink(missing_ok=True)
        except OSError:
            return  # best effort: the error that stopped the commit is the one reported

    def discard(self) -> None:
        """Remove every staged temporary file and the folders made for them (if empty)."""
        for _, tmp in self._staged:
            tmp.unlink(missing_ok=True)
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):  # not empty: something else was written there
                folder.rmdir()
        self._staged, self._made, self._unlisted = [], [], set()

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write one file whole or not at all, with the permissions the umask gives a new file.

    The data goes to a temporary file in the same folder, which is then renamed over
    ``path``; an error names ``path``, never the temporary file.

    Examples
    --------
    >>> import tempfile, stat
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, "x")
    >>> oct(stat.S_IMODE(target.stat().st_mode)) == oct(0o666 & ~current_umask())
    True
    """
    write_all([(Path(path), text)])


def write_all(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write every file together: all of them, or none (the old ones kept).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_all([(folder / "a.txt", "a"), (folder / "b.txt", b"b")])
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """
    with StagedOutputs() as staged:
        for path, data in files:
            staged.add(path, data)
