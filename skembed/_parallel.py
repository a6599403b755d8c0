"""Row-parallel transform in forked worker processes.

Tokenizing and looking words up is Python code that holds the GIL, so threads
cannot speed ``transform`` up. Worker processes can, but only if the fitted
state (a vocabulary of a million words, a matrix of a gigabyte) reaches them
for free: a forked child shares the parent's memory, copy-on-write, and reads
the documents and the vectors in place. Nothing is pickled on the way in.

On the way out, each child streams the rows of its contiguous slice of the
documents through a Unix socket, as raw bytes, and a thread of the parent
receives them straight into the output array, while the parent computes the
first slice itself. The receiving thread asks for the whole slice in one
``recv_into(..., MSG_WAITALL)``, which waits in the kernel without the GIL:
reading a pipe 64 KiB at a time instead took the GIL back thousands of times,
stalling both the parent's own work and the child's writes. The output is an
ordinary private array, peak memory stays at the output plus one chunk per
worker, and the rows are the very bytes the sequential path would compute,
since every row depends only on its own document.

A child that fails sends its pickled exception through a pipe (a trusted
channel: it comes from our own fork), and the parent raises the exception of
the lowest slice, which is the one the sequential path would have raised.
When forking is safe
    A forked child holds a copy of every lock of the parent in the state it had
    at the fork, but only the forking thread runs in it: a lock that another
    thread held then (an inference lock, a library's cache lock, a logging
    handler's) is held forever in the child, which deadlocks on first use.
    :func:`fork_is_safe` therefore allows a fork only when the calling thread
    is the process's only Python thread, on Linux (``os.fork`` with ``/proc``).
    Otherwise, and when the user chose a joblib backend with
    ``joblib.parallel_config``, :func:`joblib_rows` runs the slices through
    joblib instead: its worker processes start fresh, so they inherit no lock,
    at the price of pickling the estimator to them.

A forked child asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG``), so a killed parent never leaves workers behind.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

import numpy as np

__all__ = ["can_fork", "fork_is_safe", "fork_rows", "joblib_rows", "user_chose_backend"]

#: ``prctl`` option: the signal the kernel sends a process when its parent dies.
_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether :func:`fork_rows` can run on this platform (Linux with ``os.fork``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def fork_is_safe() -> bool:
    """Whether forking now is safe: Linux, and no Python thread but the caller.

    With other threads running, a lock one of them holds at the fork stays
    held forever in the child (see the module docstring).
    """
    return can_fork() and threading.active_count() == 1


def user_chose_backend() -> bool:
    """Whether a joblib backend other than the default one is active (``parallel_config``)."""
    from joblib._parallel_backends import LokyBackend
    from joblib.parallel import get_active_backend

    return not isinstance(get_active_backend()[0], LokyBackend)


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this (child) process when its parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - prctl is always there on Linux
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _write_all(fd: int, data: memoryview) -> None:
    while len(data):
        data = data[os.write(fd, data) :]


def _receive_into(sock: socket.socket, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``sock``; return the number of bytes read (short at EOF)."""
    filled = 0
    while filled < len(buffer):
        n = sock.recv_into(buffer[filled:], 0, socket.MSG_WAITALL)
        if n == 0:
            break
        filled += n
    return filled


def _read_all(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, 1 << 16):
        parts.append(chunk)
    return b"".join(parts)


def _child(
    compute: Callable[[int, int], Iterator[np.ndarray]],
    lo: int,
    hi: int,
    data: socket.socket,
    err_fd: int,
    parent: int,
) -> None:
    code = 0
    try:
        _die_with_parent(parent)
        for block in compute(lo, hi):
            data.sendall(memoryview(np.ascontiguousarray(block)).cast("B"))
    except BaseException as exc:  # noqa: BLE001 - sent to the parent, raised there
        code = 1
        data.close()  # the parent's reader sees EOF, then reads the error
        try:
            payload = pickle.dumps(exc)
        except Exception:  # an exception that does not pickle
            payload = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        try:
            _write_all(err_fd, memoryview(payload))
        except OSError:
            pass
    finally:
        os._exit(code)


def fork_rows(
    compute: Callable[[int, int], Iterator[np.ndarray]],
    out: np.ndarray,
    n_workers: int,
) -> np.ndarray:
    """Fill ``out`` with the rows ``compute`` yields, slices in parallel processes.

    Parameters
    ----------
    compute : callable
        ``compute(lo, hi)`` yields consecutive blocks of rows ``lo`` to ``hi``
        of the output (C-contiguous, ``out.dtype``, ``out.shape[1]`` columns).
    out : ndarray of shape (n_rows, n_features)
        The C-contiguous output, filled in place.
    n_workers : int
        The number of processes, the parent included.

    Returns
    -------
    out : ndarray

    Notes
    -----
    Call it only when :func:`fork_is_safe` says so.
    """
    n_rows = out.shape[0]
    parent = os.getpid()
    bounds = np.linspace(0, n_rows, n_workers + 1).astype(int)
    row_bytes = out.dtype.itemsize * out.shape[1]
    children = []  # (pid, data_r, err_r, lo, hi)
    # Objects that exist now are left out of the children's garbage collections,
    # which would otherwise write to (and so copy) every page holding one.
    gc.freeze()
    try:
        for k in range(1, n_workers):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            data_r, data_w = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            err_r, err_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                data_r.close()
                os.close(err_r)
                for _, other_data, other_err, _, _ in children:
                    other_data.close()
                    os.close(other_err)
                _child(compute, lo, hi, data_w, err_w, parent)
            data_w.close()
            os.close(err_w)
            children.append((pid, data_r, err_r, lo, hi))
    except BaseException:
        _reap(children, kill=True)
        raise
    finally:
        gc.unfreeze()

    flat = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
    received = [0] * len(children)

    def receive(i: int) -> None:
        _, data_r, _, lo, hi = children[i]
        received[i] = _receive_into(data_r, flat[lo * row_bytes : hi * row_bytes])

    readers = [
        threading.Thread(target=receive, args=(i,), daemon=True) for i in range(len(children))
    ]
    for reader in readers:
        reader.start()
    try:
        start = 0
        for block in compute(0, int(bounds[1])):
            out[start : start + len(block)] = block
            start += len(block)
    except BaseException:
        _reap(children, kill=True)
        for reader in readers:
            reader.join()
        _close(children)
        raise
    for reader in readers:
        reader.join()
    errors = []
    for i, (_, _, err_r, lo, hi) in enumerate(children):
        if received[i] != (hi - lo) * row_bytes:
            errors.append(_read_all(err_r))
    _reap(children, kill=bool(errors))
    _close(children)
    if errors:
        payload = errors[0]
        exc = pickle.loads(payload) if payload else None  # noqa: S301 - our own child
        if exc is None:
            exc = RuntimeError("A transform worker process died without a message.")
        raise exc
    return out


def _reap(children: list, *, kill: bool) -> None:
    for pid, *_ in children:
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _close(children: list) -> None:
    for _, data_r, err_r, _, _ in children:
        data_r.close()
        try:
            os.close(err_r)
        except OSError:
            pass


def joblib_rows(
    rows_of: Callable[[Sequence, int], np.ndarray],
    docs: Sequence,
    out: np.ndarray,
    n_workers: int,
) -> np.ndarray:
    """Fill ``out`` with ``rows_of(docs[lo:hi], lo)`` for contiguous slices, through joblib.

    The way to run in parallel when forking is not safe (or the user chose a
    joblib backend): ``rows_of`` (a picklable callable, e.g. a ``partial`` of a
    module-level function and the estimator) travels to joblib's workers with
    its slice of the documents. As with :func:`fork_rows`, the error raised is
    the one of the lowest failing slice, which the sequential path would raise.
    """
    from joblib import Parallel, delayed

    bounds = np.linspace(0, len(docs), n_workers + 1).astype(int)
    slices = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
    results = Parallel(n_jobs=n_workers)(
        delayed(_captured)(rows_of, docs[lo:hi], lo) for lo, hi in slices
    )
    for (lo, hi), (ok, value) in zip(slices, results, strict=True):
        if not ok:
            raise value
        out[lo:hi] = value
    return out


def _captured(rows_of: Callable[[Sequence, int], np.ndarray], docs: Sequence, start: int):
    """``(True, rows)``, or ``(False, exception)``: joblib would raise the first to finish."""
    try:
        return True, rows_of(docs, start)
    except Exception as exc:  # noqa: BLE001 - raised by joblib_rows, in slice order
        return False, exc
