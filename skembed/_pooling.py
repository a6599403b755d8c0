"""Pooling word vectors into document vectors: pure functions on CSR + matrix.

A batch is a CSR matrix ``X`` of token counts whose columns are the rows of a
:class:`RowSource` (the store's matrix, followed by the rows made for this
batch's unknown words). Sum and mean are sparse x dense products; max and min
are a segment reduction (``np.maximum.reduceat``) over the gathered rows. There
is no Python loop over documents.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

POOLINGS = ("mean", "sum", "max", "min")


class RowSource:
    """The rows a batch's columns refer to: ``base`` then ``extra``, never copied together."""

    def __init__(self, base: np.ndarray, extra: np.ndarray | None = None):
        self.base = base
        self.extra = extra
        self.n_base = base.shape[0]
        self.dim = base.shape[1]

    @property
    def n_rows(self) -> int:
        return self.n_base + (0 if self.extra is None else self.extra.shape[0])

    def matmul(self, X: sp.csr_matrix) -> np.ndarray:
        """``X @ vstack([base, extra])`` without stacking the matrices."""
        if self.extra is None or self.extra.shape[0] == 0:
            out = X[:, : self.n_base] @ self.base if X.shape[1] != self.n_base else X @ self.base
        else:
            out = X[:, : self.n_base] @ self.base + X[:, self.n_base :] @ self.extra
        return np.asarray(out, dtype=np.float32)

    def gather(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` of ``vstack([base, extra])``."""
        if self.extra is None or self.extra.shape[0] == 0:
            return np.asarray(self.base[idx], dtype=np.float32)
        out = np.empty((len(idx), self.dim), dtype=np.float32)
        known = idx < self.n_base
        out[known] = self.base[idx[known]]
        out[~known] = self.extra[idx[~known] - self.n_base]
        return out


def _segment_reduce(X: sp.csr_matrix, rows: RowSource, ufunc: np.ufunc) -> np.ndarray:
    out = np.zeros((X.shape[0], rows.dim), dtype=np.float32)
    nonempty = np.flatnonzero(np.diff(X.indptr))
    if nonempty.size:
        gathered = rows.gather(X.indices)
        out[nonempty] = ufunc.reduceat(gathered, X.indptr[nonempty], axis=0)
    return out


def pool(
    X: sp.csr_matrix,
    rows: RowSource,
    method: str,
    weights: np.ndarray | None = None,
    mean_denominator: str = "weights",
) -> np.ndarray:
    """Pool the word vectors of each document.

    Parameters
    ----------
    X : csr_matrix of shape (n_docs, rows.n_rows)
        Token counts (sorted indices, no explicit zeros).
    rows : RowSource
        The word vectors.
    method : {"mean", "sum", "max", "min"}
    weights : ndarray of shape (rows.n_rows,), optional
        A weight per word, multiplying its counts for "sum" and "mean"
        ("max" and "min" pool the unweighted vectors).
    mean_denominator : {"weights", "counts"}
        For "mean": divide by the sum of the weighted counts (a weighted
        average) or by the number of tokens (Arora et al.'s SIF average).

    Returns
    -------
    ndarray of float32, shape (n_docs, rows.dim)
        Documents with no known token get a zero row.
    """
    if method in ("max", "min"):
        return _segment_reduce(X, rows, np.maximum if method == "max" else np.minimum)
    Xw = X
    if weights is not None:
        Xw = X.copy()
        Xw.data = Xw.data * weights[Xw.indices]
    out = rows.matmul(Xw)
    if method == "sum":
        return out
    denom = np.asarray((Xw if mean_denominator == "weights" else X).sum(axis=1)).ravel()
    nonzero = denom > 0
    out[nonzero] /= denom[nonzero, None].astype(np.float32)
    out[~nonzero] = 0.0
    return out
