"""Word weights learned from the training documents: IDF and SIF.

Both are functions of training counts (accumulated chunk by chunk, so a
streamed corpus works too) and return one weight per store row plus the weight
of a word never seen in training (a batch's unknown words, or store words absent
from the training documents).
"""

from __future__ import annotations

import numpy as np

WEIGHTINGS = (None, "tfidf", "sif")


def idf_weights(df: np.ndarray, n_docs: int) -> tuple[np.ndarray, float]:
    """Smoothed IDF as in ``TfidfTransformer(smooth_idf=True)``: ln((1+n)/(1+df)) + 1.

    ``df[j]`` is the number of training documents containing word ``j``.
    """
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    unseen = float(np.log(1.0 + n_docs) + 1.0)
    return idf.astype(np.float32), unseen


def sif_weights(counts: np.ndarray, n_tokens: int, alpha: float) -> tuple[np.ndarray, float]:
    """Smooth inverse frequency a / (a + p(w)) (Arora, Liang and Ma, 2017).

    ``counts[j]`` is the training frequency of word ``j``.

    ``p(w)`` is the word's share of all ``n_tokens`` training tokens (unknown
    tokens included); a word never seen has p = 0 and weight 1.
    """
    p = np.asarray(counts, dtype=np.float64) / max(n_tokens, 1)
    return (alpha / (alpha + p)).astype(np.float32), 1.0


def first_components(X: np.ndarray, n_components: int) -> np.ndarray:
    """The top right singular vectors of ``X`` (uncentred), shape (n_components, dim).

    Computed from the small ``dim x dim`` Gram matrix, so the cost does not grow
    with the number of documents beyond one pass.
    """
    gram = X.astype(np.float64).T @ X.astype(np.float64)
    eigvals, eigvecs = np.linalg.eigh(gram)
    order = np.argsort(eigvals)[::-1][:n_components]
    comps = eigvecs[:, order].T
    # a deterministic sign: largest absolute coordinate positive
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    signs[signs == 0] = 1
    return (comps * signs[:, None]).astype(np.float32)


def remove_components(X: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Project the ``components`` out of every row of ``X`` (in place).

    Row by row with elementwise products and per-row sums, not a matrix
    product: BLAS picks its kernel (and so its float rounding) by the number of
    rows, which would make a document's row depend on the size of its batch.
    """
    for component in components:
        X -= (X * component).sum(axis=1, keepdims=True) * component
    return X
