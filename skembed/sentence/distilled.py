"""DistilledVectorizer: pooling word vectors distilled from a sentence transformer."""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections import Counter
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import CHUNK_SIZE, _PooledEmbeddingVectorizer
from .._cache import cached_on
from .._docstrings import _DOCS, doc_filler, fill_doc
from .._params import positional
from .._pooling import RowSource
from .._text import build_analyzer, iter_document_chunks
from ..persistence import register
from ..persistence._checks import FittedState, check_pooled, describe
from ..vectors._random import random_word_vectors
from ._distill import PCAProjection, distill_word_vectors, encode_each, shared_model
from ._model import ModelIdentity, ModelUnavailableError, identify_model

__all__ = ["DistilledVectorizer"]

_SHA256 = re.compile(r"[0-9a-f]{64}")

_DISTILLED_DOCS = {
    # the shared pooling and weighting parameters, without their oov (this class has its own)
    "pooling_weighting": _DOCS["pooling_params"].split("\noov : ")[0],
}


class _WordEncoder:
    """The model, loaded on first need, and the vectors of the unknown words it encoded.

    A cache of a fitted :class:`DistilledVectorizer` (never pickled nor saved):
    each word is encoded alone, once per process, and projected by the fitted
    PCA. When the model cannot be loaded, :meth:`vectors` warns once and
    returns None from then on.
    """

    def __init__(
        self, identity: ModelIdentity, device: str, projection: PCAProjection | None, verbose: int
    ):
        self.identity, self.device, self.projection = identity, device, projection
        self.verbose = verbose
        self.model: Any = None
        self.failure: str | None = None
        self.known: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()

    def load(self, *, verify: bool = True) -> Any:
        if self.model is None:
            self.model = shared_model(
                self.identity,
                self.device,
                verify=verify,
                verbose=self.verbose,
                owner="DistilledVectorizer(oov='encode')",
            )
        return self.model

    def vectors(self, words: list[str], fallback: str) -> np.ndarray | None:
        """float32 (len(words), dim), or None when the model is unavailable."""
        with self.lock:
            if self.failure is not None:
                return None
            new = [w for w in dict.fromkeys(words) if w not in self.known]
            if new:
                try:
                    model = self.load()
                except (ModelUnavailableError, ImportError) as exc:
                    self.failure = str(exc)
                    warnings.warn(
                        "DistilledVectorizer cannot encode unknown words with its model, so "
                        f"they are treated as oov_fallback={fallback!r} from now on: {exc}",
                        UserWarning,
                        stacklevel=2,
                    )
                    return None
                for word, vector in zip(new, encode_each(model, new, self.projection), strict=True):
                    self.known[word] = vector
            return np.stack([self.known[w] for w in words])


def check_distilled(f: FittedState, est: Any) -> None:
    """DistilledVectorizer: the pooled checks, the model identity and the PCA arrays."""
    check_pooled(f, est)
    identity = f.get("model_identity_")
    files = identity.get("files") if isinstance(identity, dict) else None
    if not (
        isinstance(identity, dict)
        and set(identity) == {"folder", "files"}
        and isinstance(identity["folder"], str)
        and isinstance(files, dict)
        and all(
            type(k) is str and type(v) is str and _SHA256.fullmatch(v) for k, v in files.items()
        )
    ):
        raise f.fail(
            "model_identity_",
            "must be {'folder': str, 'files': {relative path: sha256 hex}}; got "
            f"{describe(identity)}.",
        )
    dim = f.word_vectors("word_vectors_").dim
    if est.pca is None:
        for attr in ("pca_mean_", "pca_components_"):
            if f.get(attr) is not None:
                raise f.fail(attr, f"must be None with pca=None; got {describe(f.get(attr))}.")
        return
    components = f.array("pca_components_", np.float32, (est.pca, None))
    f.array("pca_mean_", np.float32, (components.shape[1],))
    if dim != est.pca:
        raise f.fail("word_vectors_", f"must hold {est.pca}-dimensional vectors (pca); got {dim}.")
    if not (np.isfinite(components).all() and np.isfinite(f.get("pca_mean_")).all()):
        raise f.fail("pca_components_", "and pca_mean_ must be finite.")


@register("skembed.sentence.distilled:DistilledVectorizer", check=check_distilled)
@fill_doc
@doc_filler(_DISTILLED_DOCS)
class DistilledVectorizer(_PooledEmbeddingVectorizer):
    r"""Document vectors by pooling word vectors distilled from a sentence transformer.

    ``fit`` collects the words of the training documents (those seen at least
    ``min_count`` times), encodes each word *alone* with a
    sentence-transformers model (all-MiniLM-L6-v2 gives a 384-d vector per
    word), optionally reduces the table by PCA, and then pools it like any
    pretrained word vectors (see :class:`~skembed.MeanEmbeddingVectorizer`).
    The model never becomes fitted state: the estimator records the model's
    folder and the SHA-256 of its files (``model_identity_``), loads the
    model when it needs it, and checks that the files are unchanged.

    Parameters
    ----------
    model : str or path-like, default="all-MiniLM-L6-v2"
        A sentence-transformers model folder, or the name of a model in the
        local Hugging Face cache (a name without ``/`` is looked up as
        ``sentence-transformers/<name>``). Nothing is downloaded: download a
        model once with ``SentenceTransformer(name)``.
    min_count : int, default=1
        Words seen fewer times in the training documents are left out of the
        vocabulary (they are unknown words, see ``oov``).
    pca : int or None, default=None
        Reduce the distilled vectors to this many principal components,
        fitted on the training vocabulary (at most its size and the model's
        dimension). Unknown words encoded later are projected the same way.
    batch_size : int, default=256
        Words per forward pass of the model in ``fit``. The batches depend on
        the vocabulary only, so a fit gives the same vectors, bit for bit, in
        every process of a machine.
    device : str, default="auto"
        The torch device: "auto" (CUDA when available, else CPU), "cpu",
        "cuda", "cuda:1", "mps"...
    {pooling_weighting}
    oov : {'encode', 'ignore', 'zero', 'random'}, default='encode'
        What an unknown token (outside the vocabulary) contributes. 'encode':
        its own vector, encoded alone by the model and projected by the PCA,
        as a training word is. Each word is encoded in a batch of its own, so
        its vector, and the vector of a document, do not depend on the other
        documents; it is kept in memory (never pickled nor saved), so a word
        is encoded once per process. When the model is unavailable (its
        folder gone or changed, sentence-transformers not installed, e.g. an
        estimator loaded on another machine), one warning says so and
        ``oov_fallback`` applies. 'ignore', 'zero' and 'random' are the
        policies of :class:`~skembed.MeanEmbeddingVectorizer`.
    oov_fallback : {'ignore', 'zero', 'random'}, default='ignore'
        The policy for unknown words when ``oov='encode'`` cannot load the
        model.
    {text_params}
    {common_params}

    Attributes
    ----------
    {fitted_store}
    model_identity_ : dict
        ``{'folder': str, 'files': {relative path: sha256}}``: the model the
        vectors were distilled with, checked before it is loaded again.
    pca_mean_ : ndarray of shape (model_dim,), dtype float32, or None
        The mean distilled vector, subtracted before the projection.
    pca_components_ : ndarray of shape (pca, model_dim), dtype float32, or None
        The principal axes the vectors are projected on.
    {fitted_pooling}

    See Also
    --------
    skembed.sentence.distill_word_vectors : The table of word vectors alone.
    MeanEmbeddingVectorizer : Pooling pretrained word vectors (e.g. a store
        written by ``skembed distill``).

    Examples
    --------
    >>> from skembed.sentence.distilled import DistilledVectorizer
    >>> vec = DistilledVectorizer(pca=2)  # doctest: +SKIP
    >>> vec.fit_transform(["a cat and a dog", "a car"]).shape  # doctest: +SKIP
    (2, 2)
    """

    model: str | os.PathLike = positional("all-MiniLM-L6-v2")
    min_count: int = 1
    pca: int | None = None
    batch_size: int = 256
    device: str | Any = "auto"
    oov: str = "encode"
    oov_fallback: str = "ignore"

    _fitted_state = (
        *_PooledEmbeddingVectorizer._fitted_state,
        "model_identity_",
        "pca_mean_",
        "pca_components_",
    )

    _parameter_constraints: ClassVar[dict] = {
        **_PooledEmbeddingVectorizer._parameter_constraints,
        "model": [str, os.PathLike],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "pca": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "oov": [StrOptions({"encode", "ignore", "zero", "random"})],
        "oov_fallback": [StrOptions({"ignore", "zero", "random"})],
    }

    # ------------------------------------------------------------ fit
    def _validate_extra_params(self) -> None:
        super()._validate_extra_params()
        if self.device == "auto":
            return
        try:
            import torch
        except ImportError:  # the model cannot be loaded anyway: fit says why
            return
        try:
            torch.device(self.device)
        except (RuntimeError, ValueError):
            raise ValueError(
                "The 'device' parameter of DistilledVectorizer must be 'auto' or a torch device "
                f"such as 'cpu', 'cuda' or 'cuda:1'. Got {self.device!r} instead."
            ) from None

    def _vocabulary(self, corpus) -> list[str]:
        """The training words seen at least ``min_count`` times, most frequent first."""
        counts: Counter = Counter()
        for chunk in corpus.chunks():
            for tokens in chunk:
                counts.update(tokens)
        words = [w for w, n in counts.items() if n >= self.min_count]
        if not words:
            raise ValueError(
                f"empty vocabulary: no word of the training documents occurs at least "
                f"min_count={self.min_count} times ({len(counts)} distinct words). Lower "
                "min_count, or check the documents and the text parameters."
            )
        words.sort(key=lambda w: (-counts[w], w))
        return words

    def _fit_store(self, corpus) -> None:
        words = self._vocabulary(corpus)
        identity = identify_model(self.model)
        encoder = _WordEncoder(identity, self.device, None, self.verbose)
        model = encoder.load(verify=False)  # the files were hashed just now
        word_vectors, projection = distill_word_vectors(
            model,
            words,
            batch_size=self.batch_size,
            pca=self.pca,
            verbose=self.verbose,
            return_projection=True,
        )
        self.model_identity_ = identity.to_dict()
        self.pca_mean_, self.pca_components_ = (None, None) if projection is None else projection
        self.word_vectors_ = word_vectors
        encoder.projection = projection
        type(self)._word_encoder.prime(self, encoder)  # the model fit loaded serves transform

    @cached_on("model_identity_", "pca_components_", "device")
    def _word_encoder(self) -> _WordEncoder:
        """The encoder of unknown words (a cache: the model is loaded on first need)."""
        check_is_fitted(self)
        identity = ModelIdentity(self.model_identity_["folder"], self.model_identity_["files"])
        projection = None
        if self.pca_components_ is not None:
            projection = PCAProjection(self.pca_mean_, self.pca_components_)
        return _WordEncoder(identity, self.device, projection, self.verbose)

    # ------------------------------------------------------------ transform
    def transform(self, raw_documents):
        """Transform documents to document vectors.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents: a list, tuple, 1-D array, pandas Series or generator
            of strings, processed in batches.

        Returns
        -------
        X : ndarray of shape (n_documents, n_features)
            One row per document; a document with no usable token gets a zero row.
        """
        check_is_fitted(self)
        if self.oov == "encode" and self._n_workers() > 1:
            self._encode_unknown_words(raw_documents)
        return super().transform(raw_documents)

    def _encode_unknown_words(self, raw_documents) -> None:
        """Encode the unknown words of ``raw_documents`` here, before workers are forked.

        The forked workers then find every vector in the inherited cache and
        never run the model (torch, and CUDA above all, is not fork-safe).
        """
        try:
            n_docs = len(raw_documents)
        except TypeError:
            return  # streamed input is transformed in this process
        if n_docs // CHUNK_SIZE < 2:
            return
        params = self._text_params()
        analyzer = build_analyzer(params)
        vocabulary = self.vocabulary_
        unknown: dict[str, None] = {}
        for docs in iter_document_chunks(raw_documents, params, CHUNK_SIZE):
            for doc in docs:
                unknown.update((t, None) for t in analyzer(doc) if t not in vocabulary)
        if unknown:
            self._word_encoder.vectors(list(unknown), self.oov_fallback)

    def _rows_for(self, X, unknown: list[str]):
        """Vectors for a batch's unknown words: encoded by the model, or ``oov_fallback``."""
        if self.oov != "encode" or not unknown:
            return super()._rows_for(X, unknown)
        extra = self._word_encoder.vectors(unknown, self.oov_fallback)
        if extra is not None:
            return X, RowSource(self.vectors_, extra)
        dim = self.vectors_.shape[1]
        if self.oov_fallback == "random":
            return X, RowSource(self.vectors_, random_word_vectors(unknown, dim, self.seed_))
        if self.oov_fallback == "ignore":  # the unknown words' columns are dropped
            keep = np.arange(X.shape[1]) < self.vectors_.shape[0]
            X.data = X.data * keep[X.indices]
            X.eliminate_zeros()
        return X, RowSource(self.vectors_, np.zeros((len(unknown), dim), dtype=np.float32))
