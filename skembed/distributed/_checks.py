"""What the engine adapters check of the estimator on the client, before shipping it."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._base import _BaseEmbeddingVectorizer
from .._parallel._shipping import as_array

__all__ = ["check_transformer", "output_spec"]


def check_transformer(estimator: Any, caller: str, *, feature_names: bool) -> None:
    """Check that ``estimator`` is a fitted transformer (with ``get_feature_names_out``).

    Parameters
    ----------
    estimator : object
        What the user passed.
    caller : str
        The public function, for messages.
    feature_names : bool
        Whether ``get_feature_names_out`` is required too.

    Raises
    ------
    TypeError
        A method is missing.
    sklearn.exceptions.NotFittedError
        The estimator is not fitted.
    """
    needed = ("transform", "get_feature_names_out") if feature_names else ("transform",)
    missing = [name for name in needed if not hasattr(estimator, name)]
    if missing:
        raise TypeError(
            f"{caller} expects a fitted transformer of documents with "
            f"{' and '.join(needed)}, such as a skembed vectorizer; "
            f"{type(estimator).__name__} has no {missing[0]} method."
        )
    check_is_fitted(estimator)


def output_spec(estimator: Any, caller: str, *, sparse: bool = True) -> tuple[int, np.dtype]:
    """``(n_features, dtype)`` of the estimator's output, computed on the client.

    A skembed vectorizer says it (``n_features_out_``, ``dtype``); any other
    transformer (a ``Pipeline``) transforms one empty document.

    Parameters
    ----------
    estimator : fitted transformer
        The estimator.
    caller : str
        The public function, for messages.
    sparse : bool, default=True
        Whether a sparse output is accepted (it is made dense).

    Returns
    -------
    n_features : int
        The width of the output.
    dtype : numpy.dtype
        Its dtype.

    Raises
    ------
    TypeError
        The output is not a 2-D array of numbers (or is sparse, when not accepted).
    """
    if isinstance(estimator, _BaseEmbeddingVectorizer):
        return int(estimator.n_features_out_), estimator._check_dtype()
    X = estimator.transform([""])
    if not sparse and hasattr(X, "toarray"):
        raise TypeError(
            f"{type(estimator).__name__}.transform returns a sparse matrix; {caller} "
            "writes dense vectors only."
        )
    X = as_array(X)
    if X.ndim != 2 or X.shape[0] != 1 or not np.issubdtype(X.dtype, np.number):
        raise TypeError(
            f"{type(estimator).__name__}.transform must return a 2-D array of numbers for a "
            f"list of documents; for one document it returned {X.dtype} of shape {X.shape}."
        )
    return int(X.shape[1]), X.dtype
