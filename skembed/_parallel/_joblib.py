"""The joblib fallback: rows of a transform computed in joblib's worker processes.

Used when forking is not safe, or when the user chose a joblib backend with
``joblib.parallel_config``: joblib's workers start fresh, so they inherit no
lock, at the price of pickling the estimator to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._fork import RowBlocks, slice_bounds

__all__ = ["joblib_rows", "user_chose_backend"]


def user_chose_backend() -> bool:
    """Whether a joblib backend other than the default one is active (``parallel_config``)."""
    from joblib._parallel_backends import LokyBackend
    from joblib.parallel import get_active_backend

    return not isinstance(get_active_backend()[0], LokyBackend)


def joblib_rows(
    row_blocks: RowBlocks, docs: Sequence, out: np.ndarray, n_workers: int
) -> np.ndarray:
    """Fill ``out`` with the rows of ``docs``, contiguous slices through joblib.

    The contract of :func:`~skembed._parallel.fork_rows` (the same slices,
    the same rows, the error of the lowest failing slice), for when forking is
    not safe: ``row_blocks`` must pickle (e.g. a ``partial`` of the
    estimator's method), since it travels to joblib's workers with its slice
    of the documents; ``n_workers`` is the number of joblib workers.
    """
    from joblib import Parallel, delayed

    bounds = slice_bounds(len(docs), n_workers)
    slices = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
    n_features, dtype = out.shape[1], out.dtype
    results = Parallel(n_jobs=n_workers)(
        delayed(_slice_rows)(row_blocks, docs[lo:hi], lo, n_features, dtype) for lo, hi in slices
    )
    for (lo, hi), (ok, value) in zip(slices, results, strict=True):
        if not ok:
            raise value
        out[lo:hi] = value
    return out


def _slice_rows(
    row_blocks: RowBlocks, docs: Sequence, start: int, n_features: int, dtype: np.dtype
) -> tuple[bool, np.ndarray | Exception]:
    """``(True, rows)`` of one slice, or ``(False, exception)``: a joblib task.

    The exception is returned, not raised: joblib would raise the first to
    finish, and :func:`joblib_rows` raises the one of the lowest slice.
    """
    try:
        blocks = list(row_blocks(docs, start=start))
        return True, np.concatenate(blocks) if blocks else np.zeros((0, n_features), dtype)
    except Exception as exc:  # noqa: BLE001 - raised by joblib_rows, in slice order
        return False, exc
