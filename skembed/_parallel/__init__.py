"""Running one fitted estimator in other processes.

Two mechanisms, one per need:

- :func:`parallel_rows`: ``transform(docs)`` with ``n_jobs > 1`` on this
  machine, a contiguous slice of the documents per worker process: forked
  workers (:mod:`._fork`) when that is safe, else joblib's (:mod:`._joblib`).
- :mod:`._shipping`: a fitted estimator sent to the workers of an engine (the
  Dask and Spark adapters of :mod:`skembed.distributed`): pickled once, arrays
  memory-mapped from files as verified references, rebuilt once per worker
  process. It is not imported here: the estimator modules import this package,
  and only the adapters need shipping.

docs/developer.md ("Running an estimator in other processes", "Shipping a model
once") explains both designs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._fork import RowBlocks, can_fork, fork_is_safe, fork_rows
from ._joblib import joblib_rows, user_chose_backend

__all__ = [
    "can_fork",
    "fork_is_safe",
    "fork_rows",
    "joblib_rows",
    "parallel_rows",
    "user_chose_backend",
]


def parallel_rows(
    row_blocks: RowBlocks, docs: Sequence, out: np.ndarray, n_workers: int
) -> np.ndarray:
    """Fill ``out`` with the rows of ``docs``, computed by ``n_workers`` processes.

    Each process computes a contiguous slice of the rows. The slices are
    forked (:func:`fork_rows`: nothing is pickled, the parent computes the
    first slice) unless that is unsafe or the user chose otherwise, in which
    case they go through joblib (:func:`joblib_rows`: fresh processes, the
    estimator pickled to them). joblib is used when

    - another Python thread runs (a lock it holds at the fork would be held
      forever in the child; Python 3.12+ warns on such a fork),
    - the platform has no ``fork`` (anything but Linux), or
    - a joblib backend was chosen with ``joblib.parallel_config``.

    Both give the rows the sequential path gives, bit for bit, and raise the
    error it would raise (that of the lowest failing slice).

    Parameters
    ----------
    row_blocks : callable
        ``row_blocks(docs[lo:hi], start=lo)`` yields consecutive blocks of the
        rows of ``docs[lo:hi]``, naming documents from ``lo`` in its errors.
        It must pickle (for joblib), e.g.
        ``functools.partial(estimator._row_blocks, dtype=dtype)``.
    docs : sequence of str
        The documents (a list: each worker slices it).
    out : ndarray of shape (len(docs), n_features)
        The C-contiguous output, filled in place.
    n_workers : int
        The number of processes (the parent included, when forking).

    Returns
    -------
    out : ndarray
        The same array.
    """
    if fork_is_safe() and not user_chose_backend():
        return fork_rows(row_blocks, docs, out, n_workers)
    return joblib_rows(row_blocks, docs, out, n_workers)
