"""Write files and folders so that a reader never sees them half-written."""

from __future__ import annotations

import contextlib
import os
from glob import escape as glob_escape
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(path, mode: int) -> None:
    """Give a temporary file (0600) or folder (0700) the mode a plainly created one would have: a
    report or a model folder is for others to read too."""
    os.chmod(path, mode & ~_umask())


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        _usual_mode(tmp, 0o666)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it becomes ``path``, on failure it is removed.

    An existing ``path`` is replaced only with ``replace=True`` (the caller checks first and
    raises the user-facing error; this guards the last moment).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob_escape(path.name)}.*"):
        # left by a writer that was killed (SIGKILL runs no cleanup): never a complete folder, so drop it
        if stale.is_dir() and len(stale.name) == len(path.name) + 10:
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    _usual_mode(tmp, 0o777)
    try:
        yield tmp
        if path.exists():
            if not replace:
                raise FileExistsError(f"'{path}' appeared while it was being written")
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
