"""Small file helpers shared across skembed: files that no kill leaves behind half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["atomic_file", "scratch_file"]


def _proc_fd_works() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")


@contextmanager
def scratch_file(*, prefix: str = "skembed-", suffix: str = "") -> Iterator[str]:
    """A temporary file for the ``with`` block, as a path that readers can open.

    On Linux the file is unlinked right after it is created and named by its
    descriptor (``/proc/self/fd/N``): it has no name in ``$TMPDIR``, so no
    signal, not even ``SIGKILL``, can leave it behind, and the kernel frees it
    when the descriptor closes. Each ``open`` of that path gets its own offset,
    as for an ordinary file (gensim's ``corpus_file`` threads rely on that).
    Elsewhere it is an ordinary temporary file, removed when the block exits.

    Yields
    ------
    path : str
        Open it (for writing first, then for reading) any number of times
        inside the block, from this process only.
    """
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    anonymous = _proc_fd_works()
    try:
        if anonymous:
            os.unlink(path)
        yield f"/proc/self/fd/{fd}" if anonymous else path
    finally:
        os.close(fd)
        if not anonymous:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[int]:
    """Write a new file that appears at ``path`` complete, or not at all.

    Yields a writable descriptor of a hidden ``.<name>.<pid>.<random>.part``
    file beside ``path``. When the block exits normally the file is fsynced
    and renamed to ``path`` (replacing it); when it raises, it is removed. A
    process killed mid-write (``SIGTERM``, ``SIGKILL``) cannot remove it, so
    such leftovers, recognised by the process id in their name, are removed
    by the next write to the same path once that process is gone.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    base = os.path.basename(path)
    _remove_stale_parts(folder, base)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.", suffix=".part", dir=folder)
    try:
        yield fd
        os.fsync(fd)
        os.replace(tmp, path)
        tmp = None
    finally:
        os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def _remove_stale_parts(folder: str, base: str) -> None:
    """Remove ``.<base>.<pid>.*.part`` files whose writing process no longer exists."""
    prefix = f".{base}."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True
