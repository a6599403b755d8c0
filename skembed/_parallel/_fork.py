"""The fork fast path: rows of a transform computed in forked worker processes.

A forked child shares the parent's fitted state and documents copy-on-write,
computes a contiguous slice of the rows and streams them back through a Unix
socket, while the parent computes the first slice. Call :func:`fork_rows` only
when :func:`fork_is_safe` says so. docs/developer.md ("Running an estimator in
other processes") explains the design.
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["can_fork", "fork_is_safe", "fork_rows", "slice_bounds"]

#: ``prctl`` option: the signal the kernel sends a process when its parent dies.
_PR_SET_PDEATHSIG = 1

#: ``row_blocks(docs, start=i)`` yields the output rows of ``docs`` in consecutive blocks,
#: naming the documents from ``i`` in its errors.
RowBlocks = Callable[..., Iterable[np.ndarray]]


def can_fork() -> bool:
    """Whether :func:`fork_rows` can run on this platform (Linux with ``os.fork``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def fork_is_safe() -> bool:
    """Whether forking now is safe: Linux, and no Python thread but the caller.

    With other threads running, a lock one of them holds at the fork stays
    held forever in the child, which deadlocks on first use.
    """
    return can_fork() and threading.active_count() == 1


def slice_bounds(n_rows: int, n_workers: int) -> list[int]:
    """The ``n_workers + 1`` bounds of ``n_workers`` contiguous, near-equal slices."""
    return [int(b) for b in np.linspace(0, n_rows, n_workers + 1).astype(int)]


class _Child(NamedTuple):
    """A forked worker, as its parent sees it."""

    pid: int
    data: socket.socket  # the parent's end of the socket the rows arrive on
    err: int  # the parent's end of the pipe a pickled exception arrives on
    lo: int
    hi: int


def fork_rows(row_blocks: RowBlocks, docs: Sequence, out: np.ndarray, n_workers: int) -> np.ndarray:
    """Fill ``out`` with the rows of ``docs``, slices in parallel forked processes.

    Parameters
    ----------
    row_blocks : callable
        ``row_blocks(docs[lo:hi], start=lo)`` yields consecutive blocks of rows
        ``lo`` to ``hi`` of the output (``out.dtype``, ``out.shape[1]`` columns).
    docs : sequence of str
        The documents, one per row of ``out``.
    out : ndarray of shape (len(docs), n_features)
        The C-contiguous output, filled in place.
    n_workers : int
        The number of processes, the parent included.

    Returns
    -------
    out : ndarray
        The same array.

    Raises
    ------
    Exception
        The error of the lowest failing slice, which the sequential path would
        have raised.

    Notes
    -----
    Call it only when :func:`fork_is_safe` says so.
    """

    def compute(lo: int, hi: int) -> Iterable[np.ndarray]:
        return row_blocks(docs[lo:hi], start=lo)

    bounds = slice_bounds(out.shape[0], n_workers)
    children = _fork_children(compute, bounds)
    receiving = _Receivers(children, out)
    try:
        _fill(out, compute(0, bounds[1]))
    except BaseException:
        _reap(children, kill=True)
        receiving.join()
        _close(children)
        raise
    received = receiving.join()
    row_bytes = out.dtype.itemsize * out.shape[1]
    errors = [
        _read_all(child.err)
        for child, n in zip(children, received, strict=True)
        if n != (child.hi - child.lo) * row_bytes
    ]
    _reap(children, kill=bool(errors))
    _close(children)
    if errors:
        raise _unpickled_error(errors[0])
    return out


# ---------------------------------------------------------------- the parent's steps
def _fork_children(
    compute: Callable[[int, int], Iterable[np.ndarray]], bounds: list[int]
) -> list[_Child]:
    """Fork a child for each slice but the first; a failure kills those forked."""
    parent = os.getpid()
    children: list[_Child] = []
    # Objects that exist now are left out of the children's garbage collections,
    # which would otherwise write to (and so copy) every page holding one.
    gc.freeze()
    try:
        for lo, hi in zip(bounds[1:-1], bounds[2:], strict=True):
            data_r, data_w = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            err_r, err_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                data_r.close()
                os.close(err_r)
                for other in children:
                    other.data.close()
                    os.close(other.err)
                _child(compute, lo, hi, data_w, err_w, parent)
            data_w.close()
            os.close(err_w)
            children.append(_Child(pid, data_r, err_r, lo, hi))
    except BaseException:
        _reap(children, kill=True)
        raise
    finally:
        gc.unfreeze()
    return children


class _Receivers:
    """One thread per child, receiving its slice of rows straight into ``out``."""

    def __init__(self, children: list[_Child], out: np.ndarray):
        flat = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
        row_bytes = out.dtype.itemsize * out.shape[1]
        self.received = [0] * len(children)

        def receive(i: int) -> None:
            child = children[i]
            view = flat[child.lo * row_bytes : child.hi * row_bytes]
            self.received[i] = _receive_into(child.data, view)

        self.threads = [
            threading.Thread(target=receive, args=(i,), daemon=True) for i in range(len(children))
        ]
        for thread in self.threads:
            thread.start()

    def join(self) -> list[int]:
        """Wait for every child's rows; the number of bytes each sent."""
        for thread in self.threads:
            thread.join()
        return self.received


def _fill(out: np.ndarray, blocks: Iterable[np.ndarray]) -> None:
    """Write consecutive ``blocks`` of rows into ``out`` from its first row."""
    start = 0
    for block in blocks:
        out[start : start + len(block)] = block
        start += len(block)


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


def _unpickled_error(payload: bytes) -> BaseException:
    """The exception a child sent (our own fork: a trusted pickle)."""
    exc = pickle.loads(payload) if payload else None  # noqa: S301 - our own child
    if exc is None:
        exc = RuntimeError("A transform worker process died without a message.")
    return exc


def _reap(children: list[_Child], *, kill: bool) -> None:
    for child in children:
        if kill:
            try:
                os.kill(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass


def _close(children: list[_Child]) -> None:
    for child in children:
        child.data.close()
        try:
            os.close(child.err)
        except OSError:
            pass


# ---------------------------------------------------------------- the child
def _child(
    compute: Callable[[int, int], Iterator[np.ndarray]],
    lo: int,
    hi: int,
    data: socket.socket,
    err_fd: int,
    parent: int,
) -> None:
    """Send rows ``lo`` to ``hi`` (or the pickled exception), then exit."""
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
