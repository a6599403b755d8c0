"""The shared estimator: parameters, validation, transform, feature names, tags.

A model module only says how ``fit`` obtains a vector store (``vocabulary_``,
``vectors_`` and, for fastText, ``subwords_``); everything else a vectorizer
does is here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state, metadata_routing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._cache import cached_on
from ._corpus import open_corpus
from ._docstrings import fill_doc
from ._io import check_mapped
from ._parallel import parallel_rows
from ._pooling import POOLINGS, RowSource, pool
from ._sparse import count_matrix, count_token_stream
from ._text import (
    SENTINEL,
    TextInputMixin,
    TokenizedInputMixin,
    batch_tokens,
    check_document_collection,
    iter_document_chunks,
)
from ._weights import first_components, idf_weights, remove_components, sif_weights
from .vectors._random import random_word_vectors

#: Documents per batch on the transform path: bounds the temporary memory.
CHUNK_SIZE = 4096


def seed_from_random_state(random_state: Any) -> int:
    """An int seed from a scikit-learn ``random_state`` (int used as is)."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def check_float_dtype(value: Any, owner: str | None = None) -> np.dtype:
    """The numpy dtype of a ``dtype`` parameter, which must be float32 or float64."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        of = f" of {owner}" if owner else ""
        raise ValueError(
            f"The 'dtype' parameter{of} must be np.float32 or np.float64. Got {value!r} instead."
        )
    return dtype


def _pooling_tuple(pooling: Any) -> tuple[str, ...]:
    return (pooling,) if isinstance(pooling, str) else tuple(pooling)


def _validate_pooling(pooling: Any, owner: str) -> None:
    methods = _pooling_tuple(pooling)
    bad = [m for m in methods if m not in POOLINGS]
    if not methods or bad:
        raise ValueError(
            f"The 'pooling' parameter of {owner} must be one of {POOLINGS} or a non-empty tuple "
            f"of them. Got {pooling!r} instead."
        )


@fill_doc
class _BaseEmbeddingVectorizer(TextInputMixin, TransformerMixin, BaseEstimator):
    """Text in, dense document vectors out. Subclasses implement two hooks:

    - ``_fit_corpus(corpus, want_output)``: learn from the training corpus (a
      :mod:`skembed._corpus` corpus: token lists in memory, or a temporary token
      file for streamed input); return its (pre-normalisation) output when asked.
    - ``_transform_tokens(tokens)``: float32 output of one batch of token lists
      (or ``_transform_documents(docs)`` for a batch of validated documents).
    """

    # raw_documents is the input, not metadata to route (as in scikit-learn's text.py)
    __metadata_request__fit = {"raw_documents": metadata_routing.UNUSED}
    __metadata_request__transform = {"raw_documents": metadata_routing.UNUSED}

    _fitted_attribute = "n_features_out_"

    dtype: Any = np.float32
    verbose: int = 0

    #: The attributes ``fit`` sets: what ``skembed.save`` writes and ``skembed.load`` sets.
    _fitted_state: ClassVar[tuple[str, ...]] = ("word_vectors_", "n_features_out_", "seed_")

    _parameter_constraints: ClassVar[dict] = {
        **TextInputMixin._parameter_constraints,
        "dtype": "no_validation",  # checked in _check_dtype: numpy dtype-likes
        "verbose": ["verbose"],
    }

    def _check_dtype(self) -> np.dtype:
        return check_float_dtype(self.dtype)

    def _n_workers(self) -> int:
        """Worker processes of ``transform`` (an encoder uses torch's threads instead)."""
        return 1

    # ------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the word vectors (and weights) from the training documents.

        {fit_params}
        """
        self._fit(raw_documents, want_output=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Fit, then return the document vectors of the training documents.

        {fit_transform_params}

        Returns
        -------
        X : ndarray of shape (n_documents, n_features)
            The document vectors.
        """
        return self._fit(raw_documents, want_output=True)

    def _fit(self, raw_documents, want_output: bool):
        dtype = self._check_dtype()
        self._validate_extra_params()
        with open_corpus(raw_documents, self._text_params()) as corpus:
            out = self._fit_corpus(corpus, want_output)
        self.n_features_out_ = self._n_features_out()
        return self._finish(out, dtype) if want_output else None

    def _validate_extra_params(self) -> None:
        """Checks that ``_parameter_constraints`` cannot express."""

    # ------------------------------------------------------------ transform
    def transform(self, raw_documents):
        """Transform documents to document vectors.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents: a list, tuple, 1-D array, pandas Series or generator
            of strings. They are processed in batches, so temporary memory stays
            near the size of the output.

        Returns
        -------
        X : ndarray of shape (n_documents, n_features)
            One row per document; a document with no usable token gets a zero row.
        """
        check_is_fitted(self)
        check_mapped(self)  # the files of memory-mapped arrays: unchanged since opened
        dtype = self._check_dtype()
        n_features = self.n_features_out_
        try:
            n_docs = len(raw_documents)
        except TypeError:
            n_docs = None
        if n_docs is None:
            parts = list(self._row_blocks(raw_documents, dtype))
            if not parts:
                return np.zeros((0, n_features), dtype=dtype)
            return np.concatenate(parts)
        out = np.empty((n_docs, n_features), dtype=dtype)
        n_workers = min(self._n_workers(), n_docs // CHUNK_SIZE)
        if n_workers > 1:
            # Worker processes each transform a contiguous slice (see _parallel):
            # forked when that is safe, else through joblib.
            check_document_collection(raw_documents)
            docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
            return parallel_rows(partial(self._row_blocks, dtype=dtype), docs, out, n_workers)
        start = 0
        for block in self._row_blocks(raw_documents, dtype):
            out[start : start + len(block)] = block
            start += len(block)
        return out

    def _row_blocks(self, raw_documents, dtype: np.dtype, start: int = 0) -> Iterator[np.ndarray]:
        """The output rows of ``raw_documents``, a block per chunk of documents.

        ``start`` is the index of the first document in error messages.
        """
        params = self._text_params()
        for docs in iter_document_chunks(raw_documents, params, CHUNK_SIZE, start=start):
            yield self._finish(self._transform_documents(docs), dtype)

    def _transform_documents(self, docs: list) -> np.ndarray:
        analyzer = self.build_analyzer()
        return self._transform_tokens([list(analyzer(doc)) for doc in docs])

    def _finish(self, out: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return out.astype(dtype, copy=False)

    # ------------------------------------------------------------ output
    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the input is text.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<classname><i>``, or ``<classname>_<pooling><i>`` when several
            poolings are concatenated.
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{name}" for name in self._feature_suffixes()], dtype=object)

    def _feature_suffixes(self) -> list[str]:
        return [str(i) for i in range(self.n_features_out_)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # several gensim threads interleave their updates (an encoder has no n_jobs)
        tags.non_deterministic = getattr(self, "n_jobs", None) not in (None, 1)
        return tags


class WordVectorViews:
    """The views of a fitted ``word_vectors_`` (a :class:`~skembed.WordVectors`).

    For the vectorizers whose fitted state holds word vectors (the pooled ones
    and Doc2Vec), not for those that encode whole documents
    (:class:`~skembed.SentenceTransformerVectorizer`), which have none.
    """

    # ``word_vectors_`` (a WordVectors) is the fitted state; the rest are views of it.
    @property
    def vocabulary_(self) -> dict[str, int]:
        """``{word: row of vectors_}``, a view of ``word_vectors_``."""
        return self.word_vectors_.index

    @property
    def vectors_(self) -> np.ndarray:
        """The word vectors, float32 (n_words, dim): ``word_vectors_.matrix``."""
        return self.word_vectors_.matrix

    @property
    def subwords_(self):
        """The fastText n-gram vectors (a SubwordTable) or None: ``word_vectors_.subwords``."""
        return self.word_vectors_.subwords

    @cached_on("word_vectors_")
    def keyed_vectors_(self):
        """gensim ``KeyedVectors`` over ``vectors_`` (built on first access)."""
        check_is_fitted(self)
        return self.word_vectors_.to_keyed_vectors()


class _WordEmbeddingVectorizer(TokenizedInputMixin, _BaseEmbeddingVectorizer, WordVectorViews):
    """A vectorizer that reads words and holds word vectors (pooled vectorizers, Doc2Vec).

    Adds the tokenizing parameters, ``norm``, ``random_state`` and ``n_jobs``
    (worker processes of ``transform``) to :class:`_BaseEmbeddingVectorizer`.
    """

    norm: str | None = None
    random_state: Any = None
    n_jobs: int | None = None

    _parameter_constraints: ClassVar[dict] = {
        **_BaseEmbeddingVectorizer._parameter_constraints,
        **TokenizedInputMixin._parameter_constraints,
        "norm": [StrOptions({"l2"}), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def _n_workers(self) -> int:
        return 1 if self.n_jobs is None else max(1, effective_n_jobs(self.n_jobs))

    def _finish(self, out: np.ndarray, dtype: np.dtype) -> np.ndarray:
        if self.norm == "l2":
            norms = np.sqrt(np.einsum("ij,ij->i", out, out, dtype=np.float64))
            nonzero = norms > 0
            out[nonzero] /= norms[nonzero, None].astype(out.dtype)
        return out.astype(dtype, copy=False)


class _PooledEmbeddingVectorizer(_WordEmbeddingVectorizer):
    """A vectorizer whose document vector pools the vectors of its words.

    Subclasses implement ``_fit_store(corpus)``, which sets ``word_vectors_``
    (a :class:`~skembed.WordVectors`, with its :class:`~skembed.SubwordTable`
    for fastText).
    """

    pooling: str | tuple[str, ...] = "mean"
    weighting: str | None = None
    sif_alpha: float = 1e-3
    sif_remove_pc: bool = True
    oov: str = "ignore"

    _fitted_state = (
        *_BaseEmbeddingVectorizer._fitted_state,
        "weights_",
        "oov_weight_",
        "sif_components_",
    )

    _parameter_constraints: ClassVar[dict] = {
        **_WordEmbeddingVectorizer._parameter_constraints,
        "pooling": [StrOptions(set(POOLINGS)), tuple, list],
        "weighting": [StrOptions({"tfidf", "sif"}), None],
        "sif_alpha": [Interval(Real, 0, None, closed="neither")],
        "sif_remove_pc": ["boolean"],
        "oov": [StrOptions({"ignore", "zero", "random", "subword"})],
    }

    def _validate_extra_params(self) -> None:
        _validate_pooling(self.pooling, type(self).__name__)

    def _n_features_out(self) -> int:
        return self.vectors_.shape[1] * len(_pooling_tuple(self.pooling))

    def _feature_suffixes(self) -> list[str]:
        methods = _pooling_tuple(self.pooling)
        dim = self.vectors_.shape[1]
        if len(methods) == 1:
            return [str(i) for i in range(dim)]
        return [f"_{m}{i}" for m in methods for i in range(dim)]

    def _fit_corpus(self, corpus, want_output: bool):
        self.seed_ = seed_from_random_state(self.random_state)
        self._fit_store(corpus)
        check_mapped(self.vectors_, self.subwords_)  # e.g. vectors=<a loaded estimator>
        if self.oov == "subword" and getattr(self, "subwords_", None) is None:
            raise ValueError(
                "oov='subword' needs character n-gram vectors (a FastTextVectorizer or a "
                "fastText .bin file); these vectors have none. Use oov='ignore', 'zero' or "
                "'random'."
            )
        self.weights_, self.oov_weight_, self.sif_components_ = None, None, None
        n_vocab = self.vectors_.shape[0]
        if self.weighting is not None:
            df = np.zeros(n_vocab, dtype=np.int64)
            counts = np.zeros(n_vocab, dtype=np.float64)
            for chunk in corpus.chunks():
                X, _ = count_matrix(chunk, self.vocabulary_)
                df += np.bincount(X.indices, minlength=n_vocab)
                counts += np.asarray(X.sum(axis=0)).ravel()
            if self.weighting == "tfidf":
                self.weights_, self.oov_weight_ = idf_weights(df, corpus.n_docs)
            else:
                self.weights_, self.oov_weight_ = sif_weights(
                    counts, corpus.n_tokens, self.sif_alpha
                )
        remove_pc = self.weighting == "sif" and self.sif_remove_pc
        if not (want_output or remove_pc):
            return None
        parts = [
            self._pool(*self._batch(chunk), apply_components=False) for chunk in corpus.chunks()
        ]
        out = np.concatenate(parts) if parts else np.zeros((0, self._n_features_out()), np.float32)
        if remove_pc:
            self.sif_components_ = first_components(out, 1)
            remove_components(out, self.sif_components_)
        return out if want_output else None

    def _transform_documents(self, docs: list) -> np.ndarray:
        tokens = None if SENTINEL in self.vocabulary_ else batch_tokens(docs, self._text_params())
        if tokens is None:
            return super()._transform_documents(docs)
        X, unknown = count_token_stream(
            tokens, SENTINEL, len(docs), self.vocabulary_, collect_unknown=self.oov != "ignore"
        )
        return self._pool(*self._rows_for(X, unknown))

    def _batch(self, tokens: list[list[str]]):
        """The count matrix of a batch and the rows its columns refer to."""
        collect = self.oov != "ignore"
        X, unknown = count_matrix(tokens, self.vocabulary_, collect_unknown=collect)
        return self._rows_for(X, unknown)

    def _rows_for(self, X, unknown: list[str]):
        """Vectors for a batch's unknown words, by the ``oov`` policy."""
        extra = None
        if unknown:
            dim = self.vectors_.shape[1]
            if self.oov == "zero":
                extra = np.zeros((len(unknown), dim), dtype=np.float32)
            elif self.oov == "random":
                extra = random_word_vectors(unknown, dim, self.seed_)
            else:  # subword
                extra, found = self.subwords_.word_vectors(unknown)
                if not found.all():  # no trained n-gram: the word is skipped
                    keep = np.concatenate([np.ones(self.vectors_.shape[0], bool), found])
                    X.data = X.data * keep[X.indices]
                    X.eliminate_zeros()
        return X, RowSource(self.vectors_, extra)

    def _pool(self, X, rows: RowSource, apply_components: bool = True) -> np.ndarray:
        weights = None
        if self.weights_ is not None:
            n_extra = rows.n_rows - rows.n_base
            weights = np.concatenate(
                [self.weights_, np.full(n_extra, self.oov_weight_, dtype=np.float32)]
            )
        denominator = "counts" if self.weighting == "sif" else "weights"
        parts = [
            pool(X, rows, method, weights=weights, mean_denominator=denominator)
            for method in _pooling_tuple(self.pooling)
        ]
        out = parts[0] if len(parts) == 1 else np.hstack(parts)
        if apply_components and self.sif_components_ is not None:
            remove_components(out, self.sif_components_)
        return out

    def _transform_tokens(self, tokens: list[list[str]]) -> np.ndarray:
        X, rows = self._batch(tokens)
        return self._pool(X, rows)
