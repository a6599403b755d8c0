"""Doc2VecVectorizer: paragraph vectors, where ``transform`` is inference, not pooling."""

from __future__ import annotations

import threading
from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from . import _gensim
from ._base import _BaseEmbeddingVectorizer, _WordEmbeddingVectorizer, seed_from_random_state
from ._cache import cached_on
from ._docstrings import fill_doc
from ._gensim import GensimTrainingParams
from .persistence import register
from .persistence._checks import check_doc2vec
from .vectors import WordVectors
from .vectors._random import stable_hash

#: The padding word gensim adds to the vocabulary of a ``dm_concat`` model.
NULL_WORD = "\0"

# gensim's inference reads and advances ``model.random``: one inference at a time.
_INFERENCE_LOCK = threading.Lock()


def infer_vector(
    model, words: list[str], *, seed: int, epochs: int, alpha: float, min_alpha: float
) -> np.ndarray:
    """gensim's ``Doc2Vec.infer_vector``, made deterministic.

    gensim seeds the initial vector with Python's ``hash`` (which changes with
    PYTHONHASHSEED) and draws negative samples from the model's shared random
    state (which changes with every call). Here both come from ``seed`` and
    the words alone, so a document gets the same vector in any batch, order or
    process. A document with no known word gets a zero vector (gensim would
    return its random initialisation).
    """
    from gensim.matutils import zeros_aligned
    from gensim.models.doc2vec_inner import (
        train_document_dbow,
        train_document_dm,
        train_document_dm_concat,
    )
    from gensim.models.keyedvectors import pseudorandom_weak_vector

    dim = model.dv.vector_size
    key_to_index = model.wv.key_to_index
    if not any(w in key_to_index for w in words):
        return np.zeros(dim, dtype=np.float32)
    text = " ".join(words)
    model.random = np.random.RandomState((seed ^ stable_hash(text)) & 0xFFFFFFFF)
    vec = pseudorandom_weak_vector(dim, seed_string=f"{seed} {text}", hashfxn=stable_hash)
    vec = vec.reshape(1, dim)
    lockf = np.ones(1, dtype=np.float32)
    work = np.zeros(model.layer1_size, dtype=np.float32)
    neu1 = zeros_aligned(model.layer1_size, dtype=np.float32)
    alpha_delta = (alpha - min_alpha) / max(epochs - 1, 1)
    for _ in range(epochs):
        kwargs = dict(
            learn_words=False, learn_hidden=False, doctag_vectors=vec, doctags_lockf=lockf
        )
        if model.sg:
            train_document_dbow(model, words, [0], alpha, work, **kwargs)
        elif model.dm_concat:
            train_document_dm_concat(model, words, [0], alpha, work, neu1, **kwargs)
        else:
            train_document_dm(model, words, [0], alpha, work, neu1, **kwargs)
        alpha -= alpha_delta
    return vec[0]


def _reorder_vocabulary(model, words: list[str]) -> None:
    """Put the vocabulary of a gensim ``model`` in the order ``words``.

    The per-word attributes (counts, down-sampling thresholds) follow their
    words; the tables that depend on the order (gensim's noise table and
    Huffman tree) are rebuilt. The weights are not touched: they are set
    afterwards.
    """
    wv = model.wv
    order = np.array([wv.key_to_index[w] for w in words], dtype=np.int64)
    wv.index_to_key = list(words)
    wv.key_to_index = {w: i for i, w in enumerate(words)}
    for name in wv.expandos:
        wv.expandos[name] = wv.expandos[name][order]
    if model.hs:
        model.create_binary_tree()
    if model.negative:
        model.make_cum_table()


@register("skembed.doc2vec:Doc2VecVectorizer", check=check_doc2vec)
@fill_doc
class Doc2VecVectorizer(GensimTrainingParams, _WordEmbeddingVectorizer):
    r"""Paragraph vectors (Le and Mikolov, 2014) as a scikit-learn transformer.

    ``fit`` trains gensim's :class:`~gensim.models.Doc2Vec` on the training
    documents, each tagged by its position. ``transform`` *infers* a vector for
    every document, including the training ones (so ``fit_transform`` equals
    ``fit().transform``): the paragraph vector is trained for
    ``infer_epochs`` epochs against the frozen word and output weights.

    Inference is deterministic: the starting vector and the negative samples
    are seeded from ``random_state`` and the document's tokens, so a document
    gets the same vector in any batch and any process. A document with no
    known word gets a zero row.

    Parameters
    ----------
    dm : {0, 1}, default=1
        1 for PV-DM (distributed memory), 0 for PV-DBOW (distributed bag of words).
    vector_size : int, default=100
        Dimensionality of the document and word vectors.
    {doc2vec_gensim_params}
    dm_mean : {0, 1} or None, default=None
        With PV-DM, 1 averages the context vectors, 0 (or None) sums them.
    dm_concat : {0, 1}, default=0
        With PV-DM, 1 concatenates the context vectors (a much larger model).
    dbow_words : {0, 1}, default=0
        With PV-DBOW, 1 also trains word vectors (skip-gram), interleaved.
    epochs : int, default=10
        Number of training passes over the documents.
    infer_epochs : int, default=None
        Number of inference epochs per document in ``transform``; None means
        ``epochs``.
    {text_params}
    {common_params}

    Attributes
    ----------
    {fitted_store}
    word_counts_ : ndarray of shape (n_words,)
        Training frequency of each word (rebuilds gensim's noise distribution,
        down-sampling and Huffman tree for inference).
    syn1neg_ : ndarray of shape (n_words, vector_size) or None
        Output weights of negative sampling (None if ``negative=0``).
    syn1_ : ndarray of shape (n_words, vector_size) or None
        Output weights of hierarchical softmax (None if ``hs=0``).
    seed_ : int
        The seed used for training and inference.
    n_features_out_ : int
        Number of output features (``vector_size``).

    Examples
    --------
    >>> from skembed import Doc2VecVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> vec = Doc2VecVectorizer(vector_size=8, min_count=1, epochs=5, random_state=0)
    >>> X = vec.fit_transform(docs)
    >>> X.shape
    (40, 8)
    >>> bool((vec.transform(docs[:2]) == X[:2]).all())
    True
    """

    dm: int = 1
    dm_mean: int | None = None
    dm_concat: int = 0
    dbow_words: int = 0
    epochs: int = 10
    infer_epochs: int | None = None

    _fitted_state = (*_BaseEmbeddingVectorizer._fitted_state, "word_counts_", "syn1neg_", "syn1_")

    _parameter_constraints: ClassVar[dict] = {
        **_WordEmbeddingVectorizer._parameter_constraints,
        **_gensim.GENSIM_CONSTRAINTS,  # bounded by gensim's C types
        "dm": [Interval(Integral, 0, 1, closed="both")],
        "dm_mean": [Interval(Integral, 0, 1, closed="both"), None],
        "dm_concat": [Interval(Integral, 0, 1, closed="both")],
        "dbow_words": [Interval(Integral, 0, 1, closed="both")],
        "infer_epochs": [Interval(Integral, 1, _gensim.C_INT_MAX, closed="both"), None],
    }

    def _validate_extra_params(self) -> None:
        _gensim.check_objective(self)
        if self.dm and self.dm_concat:
            # gensim concatenates the 2 * window context words into a fixed buffer of
            # MAX_DOCUMENT_LEN (= MAX_SENTENCE_LENGTH) indexes, and the doc vector and
            # the context vectors into a layer of (1 + 2 * window) * vector_size floats
            # indexed with C ints; past either, it writes out of bounds
            max_window = _gensim.MAX_SENTENCE_LENGTH // 2
            if self.window > max_window:
                raise ValueError(
                    f"With dm=1 and dm_concat=1, window must be at most {max_window} (gensim "
                    f"concatenates the 2 * window context words into a buffer of "
                    f"{_gensim.MAX_SENTENCE_LENGTH}). Got window={self.window} instead."
                )
            layer1_size = (1 + 2 * self.window) * self.vector_size
            if layer1_size > _gensim.C_INT_MAX:
                raise ValueError(
                    "With dm=1 and dm_concat=1, (1 + 2 * window) * vector_size must be at "
                    f"most {_gensim.C_INT_MAX} (gensim's C int). Got window={self.window} "
                    f"and vector_size={self.vector_size}, a layer of {layer1_size:,} floats."
                )

    def _n_features_out(self) -> int:
        return self.vector_size

    _GENSIM_PARAMS = (
        "dm",
        "vector_size",
        "window",
        "min_count",
        "max_vocab_size",
        "sample",
        "alpha",
        "min_alpha",
        "hs",
        "negative",
        "ns_exponent",
        "dm_mean",
        "dm_concat",
        "dbow_words",
        "epochs",
    )

    def _gensim_kwargs(self) -> dict:
        return _gensim.model_kwargs(self, self._GENSIM_PARAMS)

    def _fit_corpus(self, corpus, want_output: bool):
        from gensim.models.doc2vec import Doc2Vec

        self.seed_ = seed_from_random_state(self.random_state)
        model = Doc2Vec(**self._gensim_kwargs())
        _gensim.train(
            model,
            corpus.gensim_input(tagged=True),
            name=type(self).__name__,
            verbose=self.verbose,
            min_count=self.min_count,
        )
        wv = model.wv
        matrix = np.ascontiguousarray(wv.vectors, dtype=np.float32)
        self.word_vectors_ = WordVectors._trusted(list(wv.index_to_key), matrix)
        self.word_counts_ = np.array(
            [wv.get_vecattr(w, "count") for w in wv.index_to_key], dtype=np.int64
        )
        self.syn1neg_ = np.array(model.syn1neg, dtype=np.float32) if self.negative else None
        self.syn1_ = np.array(model.syn1, dtype=np.float32) if self.hs else None
        type(self)._inference_model.clear(self)
        if not want_output:
            return None
        parts = [self._transform_tokens(chunk) for chunk in corpus.chunks()]
        return np.concatenate(parts) if parts else np.zeros((0, self.vector_size), np.float32)

    @cached_on("word_vectors_")
    def _inference_model(self):
        """A gensim Doc2Vec rebuilt from the fitted arrays, for inference (never pickled).

        The vocabulary is rebuilt from the stored counts, which gives gensim's
        noise table, down-sampling thresholds and Huffman tree back exactly;
        then the trained word and output weights are put in place.
        """
        from gensim.models.doc2vec import Doc2Vec

        words = self.word_vectors_.words
        kwargs = self._gensim_kwargs()
        # sorted_vocab=0 keeps the stored (already sorted) order, so the noise table
        # and the Huffman tree are built over the words in exactly the fitted order
        kwargs.update(workers=1, sorted_vocab=0)
        model = Doc2Vec(**kwargs)
        freq = dict(zip(words, self.word_counts_.tolist(), strict=True))
        if model.null_word:
            # dm_concat's padding word: gensim adds it itself, after the kept words
            # (and would add a second one if it came with the counts)
            freq.pop(NULL_WORD, None)
        model.build_vocab_from_freq(freq)
        if model.wv.index_to_key != words and set(model.wv.index_to_key) == set(words):
            # training sorted the null word (count 1) among the rarest words: put it back
            _reorder_vocabulary(model, words)
        if model.wv.index_to_key != words:
            raise RuntimeError(
                "Could not rebuild the Doc2Vec vocabulary in its fitted order; "
                "refit the estimator with this version of gensim."
            )
        model.wv.vectors = np.array(self.vectors_, dtype=np.float32)
        if self.syn1neg_ is not None:
            model.syn1neg = np.array(self.syn1neg_, dtype=np.float32)
        if self.syn1_ is not None:
            model.syn1 = np.array(self.syn1_, dtype=np.float32)
        return model

    def _transform_tokens(self, tokens: list[list[str]]) -> np.ndarray:
        model = self._inference_model
        epochs = self.infer_epochs or self.epochs
        out = np.empty((len(tokens), self.vector_size), dtype=np.float32)
        with _INFERENCE_LOCK:
            shared_random = model.random  # inference reseeds it per document; restore it
            try:
                for i, words in enumerate(tokens):
                    out[i] = infer_vector(
                        model,
                        words,
                        seed=self.seed_,
                        epochs=epochs,
                        alpha=self.alpha,
                        min_alpha=self.min_alpha,
                    )
            finally:
                model.random = shared_random
        return out
