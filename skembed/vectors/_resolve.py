"""as_word_vectors: the one function that turns a user's ``vectors=`` value into WordVectors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NoReturn

from ._check import words_by_row
from ._formats import read_vectors
from ._store import MANIFEST, is_native_store, open_vectors
from ._word_vectors import WordVectors

__all__ = ["as_word_vectors"]


def as_word_vectors(vectors: Any, vectors_format: str = "auto") -> WordVectors:
    """A :class:`WordVectors` from any accepted source of vectors, checked.

    Every source goes through the same check, so all are held to the same
    rules: distinct ``str`` words (a repeated word keeps its first row;
    non-string keys of a mapping or ``KeyedVectors`` are converted with
    ``str``), one row per word, at least one value per row, real numbers
    that are finite as float32.

    Parameters
    ----------
    vectors : str, path-like, WordVectors, KeyedVectors, mapping or fitted skembed vectorizer
        A vectors file (see :func:`read_vectors`), a model2vec folder (see
        :func:`~skembed.vectors.read_model2vec`: its tokenizer composes unseen
        words) or a skembed vectors store directory (memory-mapped, see
        :func:`skembed.convert_vectors`); a
        ``WordVectors`` (returned as it is); a gensim ``KeyedVectors``
        (``FastTextKeyedVectors`` keep their n-grams); a ``{word: vector}``
        mapping; or a fitted vectorizer whose ``vocabulary_`` / ``vectors_``
        (and ``subwords_``) are reused.
    vectors_format : str, default="auto"
        Format of a file (see :func:`read_vectors`).

    Returns
    -------
    WordVectors
        Memory-mapped (not copied) for a store.

    Raises
    ------
    TypeError
        ``vectors`` is of no accepted kind, or holds values that are not real numbers.
    ValueError
        The vectors break a rule above; the message names the word, its row and the source.
    sklearn.exceptions.NotFittedError
        ``vectors`` is a skembed estimator that is not fitted.

    Examples
    --------
    >>> from skembed.vectors import as_word_vectors
    >>> wv = as_word_vectors({"good": [1.0, 0.0], "bad": [0.0, 1.0]})
    >>> wv.words, wv.matrix.dtype
    (['good', 'bad'], dtype('float32'))
    """
    if isinstance(vectors, WordVectors):
        return vectors
    if isinstance(vectors, (str, os.PathLike)):
        return _from_path(vectors, vectors_format)
    if hasattr(vectors, "index_to_key") and hasattr(vectors, "vectors"):
        return WordVectors.from_keyed_vectors(vectors, source=f"the {type(vectors).__name__}")
    fitted = getattr(vectors, "word_vectors_", None)
    if isinstance(fitted, WordVectors):  # a fitted skembed vectorizer: checked again
        source = f"the fitted {type(vectors).__name__}"
        return WordVectors(fitted.words, fitted.matrix, fitted.subwords, source=source)
    if hasattr(vectors, "vectors_") and hasattr(vectors, "vocabulary_"):
        source = f"the fitted {type(vectors).__name__}"
        words = words_by_row(vectors.vocabulary_, source)
        subwords = getattr(vectors, "subwords_", None)
        return WordVectors(words, vectors.vectors_, subwords, source=source)
    if isinstance(vectors, Mapping):
        return WordVectors.from_mapping(vectors, source="the vectors mapping")
    _refuse(vectors)


def _from_path(path: str | os.PathLike, vectors_format: str) -> WordVectors:
    if is_native_store(path) or os.path.isfile(os.path.join(path, MANIFEST)):
        # memory-mapped: opens in a fraction of a second (and a damaged manifest
        # gets open_vectors' precise error, not "expected a file"); the check reads
        # the matrix through the map, in blocks, and keeps the map
        words, matrix, subwords = open_vectors(path)
        source = f"the vectors store {os.fspath(path)!r}"
        return WordVectors(words, matrix, subwords, source=source)
    return read_vectors(path, vectors_format)


def _refuse(vectors: Any) -> NoReturn:
    from sklearn.base import BaseEstimator

    if isinstance(vectors, BaseEstimator) and type(vectors).__module__.startswith("skembed."):
        from sklearn.exceptions import NotFittedError

        # a skembed vectorizer (or TextCNNClassifier) that was not fitted
        raise NotFittedError(
            f"The {type(vectors).__name__} given as vectors is not fitted: fit it first, or "
            "pass its vectors (a file, store, KeyedVectors or mapping) instead."
        )
    raise TypeError(
        "vectors must be a path to a vectors file, store or model2vec folder, a gensim "
        "KeyedVectors, a mapping {word: vector} or a fitted skembed vectorizer; got "
        f"{type(vectors).__name__} instead."
    )
